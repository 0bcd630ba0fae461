package isolate

import (
	"encoding/json"
	"errors"
	"strings"
)

// goja reads source maps off by one column both ways: it looks a
// position up with its 1-based column where the map (and the
// go-sourcemap package it uses) counts from 0, and it reports the mapped
// column as found, 0-based, where its own positions are 1-based. A throw
// at line 3 column 9 of lib.js was reported as lib.js:3:8, and a lookup
// could land on the next token's mapping. oneBasedColumns shifts every
// generated and original column of a map by one, so that both of goja's
// readings come out right: deploy errors and stack traces name the
// column an editor shows.
//
// In the "mappings" string (Source Map v3) a segment's generated column
// is relative to the previous segment's on the same line, and its
// original column relative to the previous segment's anywhere: shifting
// them all changes only the first segment of each line (its generated
// column) and the first segment that has an original position.
func oneBasedColumns(sourceMap []byte) ([]byte, error) {
	var sm map[string]json.RawMessage
	if err := json.Unmarshal(sourceMap, &sm); err != nil {
		return nil, err
	}
	var mappings string
	if err := json.Unmarshal(sm["mappings"], &mappings); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.Grow(len(mappings) + len(mappings)/8)
	sourceSeen := false
	for rest, more := mappings, true; more; {
		var line string
		line, rest, more = strings.Cut(rest, ";")
		for j := 0; line != ""; j++ {
			if j > 0 && sourceSeen {
				b.WriteString(line) // the rest of the line is unchanged
				break
			}
			seg, tail, comma := strings.Cut(line, ",")
			fields, err := decodeVLQ(seg)
			if err != nil {
				return nil, err
			}
			if len(fields) != 1 && len(fields) != 4 && len(fields) != 5 {
				return nil, errors.New("source map: a segment of " + seg)
			}
			if j == 0 {
				fields[0]++
			}
			if len(fields) >= 4 && !sourceSeen {
				fields[3]++
				sourceSeen = true
			}
			b.WriteString(encodeVLQ(fields))
			if comma {
				b.WriteByte(',')
			}
			line = tail
		}
		if more {
			b.WriteByte(';')
		}
	}
	raw, err := json.Marshal(b.String())
	if err != nil {
		return nil, err
	}
	sm["mappings"] = raw
	return json.Marshal(sm)
}

const vlqDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// decodeVLQ reads a segment's base64 VLQ numbers.
func decodeVLQ(seg string) ([]int, error) {
	var out []int
	shift, value := 0, 0
	for i := 0; i < len(seg); i++ {
		d := strings.IndexByte(vlqDigits, seg[i])
		if d < 0 || shift > 30 {
			return nil, errors.New("source map: bad segment " + seg)
		}
		value |= (d & 31) << shift
		if d&32 != 0 {
			shift += 5
			continue
		}
		n := value >> 1
		if value&1 != 0 {
			n = -n
		}
		out = append(out, n)
		shift, value = 0, 0
	}
	if shift != 0 {
		return nil, errors.New("source map: truncated segment " + seg)
	}
	return out, nil
}

// encodeVLQ writes numbers as one segment.
func encodeVLQ(fields []int) string {
	var b strings.Builder
	for _, n := range fields {
		v := n << 1
		if n < 0 {
			v = (-n)<<1 | 1
		}
		for {
			d := v & 31
			v >>= 5
			if v != 0 {
				d |= 32
			}
			b.WriteByte(vlqDigits[d])
			if v == 0 {
				break
			}
		}
	}
	return b.String()
}

// originalPosition maps a 1-based line and column of the generated code
// through an (unshifted) source map to the 1-based position in the
// original source: the segment at or before the column on that line. goja
// maps the positions of compile errors and stack frames itself; its
// parser's errors come before it has read the map, so compileModule maps
// those here.
func originalPosition(sourceMap []byte, line, col int) (source string, srcLine, srcCol int, ok bool) {
	var sm struct {
		Sources  []string `json:"sources"`
		Mappings string   `json:"mappings"`
	}
	if json.Unmarshal(sourceMap, &sm) != nil {
		return "", 0, 0, false
	}
	var src, sLine, sCol int // running values, carried across lines
	for i, l := range strings.Split(sm.Mappings, ";") {
		if i >= line {
			break
		}
		genCol := 0
		for _, seg := range strings.Split(l, ",") {
			if seg == "" {
				continue
			}
			f, err := decodeVLQ(seg)
			if err != nil {
				return "", 0, 0, false
			}
			genCol += f[0]
			if len(f) >= 4 {
				src, sLine, sCol = src+f[1], sLine+f[2], sCol+f[3]
				if i == line-1 && genCol <= col-1 && src >= 0 && src < len(sm.Sources) {
					source, srcLine, srcCol, ok = sm.Sources[src], sLine+1, sCol+1, true
				}
			}
		}
	}
	return source, srcLine, srcCol, ok
}
