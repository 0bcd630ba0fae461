package isolate

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
)

// multipart/form-data (RFC 7578 on RFC 2046's framing), both ways, for
// Request/Response formData() and FormData bodies.
//
// Go's mime/multipart is not used: its Reader accepts bare-LF line
// endings, silently decodes a part's Content-Transfer-Encoding:
// quoted-printable, reads names with mime.ParseMediaType (backslash
// escapes, and a name with a '%22' stays as sent), and its Writer
// escapes a quote in a name as \" where browsers and the HTML standard
// write %22. This parser reads what the Fetch standard's form parser and
// browsers write, with hard limits, in one pass over a body that is
// already in memory.

// Limits on a multipart body, so a hostile one cannot make the parser
// allocate more than a small multiple of its own size.
const (
	// multipartMaxParts bounds the entries of one body: each costs a
	// FormData entry, and for files a File, in the isolate.
	multipartMaxParts = 10000
	// multipartMaxHeaderBytes bounds one part's header block.
	multipartMaxHeaderBytes = 16 << 10
	// multipartMaxBoundary is RFC 2046's longest boundary.
	multipartMaxBoundary = 70
)

// errMultipart prefixes every parse error; the hook throws it as a
// TypeError.
var errMultipart = errors.New("multipart/form-data")

// formPart is one entry of a multipart body. A part with a filename is a
// file: its value is the raw bytes. Otherwise value is the text, decoded
// as UTF-8.
type formPart struct {
	name     string
	value    []byte
	filename string
	isFile   bool
	ctype    string
}

// multipartBoundary returns the boundary parameter of a multipart/form-data
// content type.
func multipartBoundary(contentType string) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", fmt.Errorf("%w: bad Content-Type %q: %v", errMultipart, contentType, err)
	}
	if mt != "multipart/form-data" {
		return "", fmt.Errorf("%w: Content-Type is %q", errMultipart, mt)
	}
	b, ok := params["boundary"]
	if !ok || b == "" {
		return "", fmt.Errorf("%w: Content-Type has no boundary", errMultipart)
	}
	if len(b) > multipartMaxBoundary || strings.ContainsAny(b, "\r\n") {
		return "", fmt.Errorf("%w: boundary is longer than 70 characters or has a line break", errMultipart)
	}
	return b, nil
}

// parseMultipart splits body at boundary. Text before the first
// delimiter (the preamble) and after the closing one (the epilogue) is
// ignored, as RFC 2046 says. Lines end in CRLF; a delimiter line may
// carry trailing spaces or tabs (transport padding). Part values alias
// body.
func parseMultipart(body []byte, boundary string) ([]formPart, error) {
	dash := []byte("--" + boundary)
	delim := append([]byte("\r\n"), dash...)
	var rest []byte
	if bytes.HasPrefix(body, dash) {
		rest = body[len(dash):]
	} else if i := bytes.Index(body, delim); i >= 0 {
		rest = body[i+len(delim):]
	} else {
		return nil, fmt.Errorf("%w: no boundary delimiter in the body", errMultipart)
	}
	var parts []formPart
	for {
		if bytes.HasPrefix(rest, []byte("--")) {
			return parts, nil // the close delimiter; the rest is epilogue
		}
		rest = bytes.TrimLeft(rest, " \t")
		if !bytes.HasPrefix(rest, []byte("\r\n")) {
			return nil, fmt.Errorf("%w: a boundary delimiter is not followed by CRLF", errMultipart)
		}
		rest = rest[2:]
		if len(parts) == multipartMaxParts {
			return nil, fmt.Errorf("%w: more than %d parts", errMultipart, multipartMaxParts)
		}
		var p formPart
		var err error
		if p, rest, err = parsePartHeaders(rest); err != nil {
			return nil, err
		}
		end := bytes.Index(rest, delim)
		if end < 0 {
			return nil, fmt.Errorf("%w: part %q has no closing boundary delimiter", errMultipart, p.name)
		}
		p.value = rest[:end:end]
		parts = append(parts, p)
		rest = rest[end+len(delim):]
	}
}

// parsePartHeaders reads a part's header block up to and including the
// empty line, and returns the part it describes and what follows.
func parsePartHeaders(b []byte) (formPart, []byte, error) {
	var p formPart
	// Look for the blank line only as far as the limit, so a body without
	// one costs one bounded scan.
	end := bytes.Index(b[:min(len(b), multipartMaxHeaderBytes+4)], []byte("\r\n\r\n"))
	var block []byte
	switch {
	case bytes.HasPrefix(b, []byte("\r\n")):
		block, b = nil, b[2:] // no headers at all
	case end < 0 || end > multipartMaxHeaderBytes:
		return p, nil, fmt.Errorf("%w: a part's headers are unterminated or over %d bytes", errMultipart, multipartMaxHeaderBytes)
	default:
		block, b = b[:end], b[end+4:]
	}
	seenDisposition := false
	for len(block) > 0 {
		var line []byte
		line, block, _ = bytes.Cut(block, []byte("\r\n"))
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return p, nil, fmt.Errorf("%w: a part header has no colon: %.60q", errMultipart, line)
		}
		value = bytes.Trim(value, " \t")
		switch strings.ToLower(string(bytes.Trim(name, " \t"))) {
		case "content-disposition":
			if err := p.disposition(string(value)); err != nil {
				return p, nil, err
			}
			seenDisposition = true
		case "content-type":
			p.ctype = string(value)
		}
	}
	if !seenDisposition {
		return p, nil, fmt.Errorf("%w: a part has no Content-Disposition header", errMultipart)
	}
	return p, b, nil
}

// disposition reads a part's Content-Disposition: form-data with a name
// and, for a file, a filename. Quoted values end at the next quote: as
// the Fetch standard's parser does, backslash is not an escape, and the
// %0A, %0D and %22 that browsers write for LF, CR and '"' are decoded.
// An RFC 5987 filename* in UTF-8 is taken over filename.
func (p *formPart) disposition(v string) error {
	kind, rest, _ := strings.Cut(v, ";")
	if !strings.EqualFold(strings.TrimSpace(kind), "form-data") {
		return fmt.Errorf("%w: Content-Disposition is %q, not form-data", errMultipart, strings.TrimSpace(kind))
	}
	hasName, extFilename := false, ""
	for rest = strings.TrimLeft(rest, " \t"); rest != ""; rest = strings.TrimLeft(rest, " \t;") {
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			return fmt.Errorf("%w: Content-Disposition parameter %q has no value", errMultipart, rest)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		var val string
		if strings.HasPrefix(after, `"`) {
			end := strings.IndexByte(after[1:], '"')
			if end < 0 {
				return fmt.Errorf("%w: Content-Disposition %s has no closing quote", errMultipart, key)
			}
			val, rest = decodeFormEscapes(after[1:1+end]), after[2+end:]
		} else {
			end := strings.IndexAny(after, "; \t")
			if end < 0 {
				end = len(after)
			}
			val, rest = after[:end], after[end:]
		}
		switch key {
		case "name":
			p.name, hasName = decodeUTF8Lossy([]byte(val)), true
		case "filename":
			p.filename, p.isFile = decodeUTF8Lossy([]byte(val)), true
		case "filename*":
			if name, ok := decodeExtValue(val); ok {
				extFilename, p.isFile = name, true
			}
		}
	}
	if !hasName {
		return fmt.Errorf("%w: Content-Disposition has no name", errMultipart)
	}
	if extFilename != "" {
		p.filename = extFilename
	}
	return nil
}

// decodeFormEscapes undoes the HTML standard's escaping of names and
// filenames.
func decodeFormEscapes(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	return strings.NewReplacer("%0A", "\n", "%0a", "\n", "%0D", "\r", "%0d", "\r", "%22", `"`).Replace(s)
}

// decodeExtValue decodes an RFC 5987 ext-value in UTF-8 (or US-ASCII):
// charset'language'percent-encoded.
func decodeExtValue(v string) (string, bool) {
	charset, rest, ok := strings.Cut(v, "'")
	if !ok {
		return "", false
	}
	_, enc, ok := strings.Cut(rest, "'")
	if !ok || !(strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "us-ascii")) {
		return "", false
	}
	s, err := url.PathUnescape(enc)
	if err != nil {
		return "", false
	}
	return decodeUTF8Lossy([]byte(s)), true
}

// newMultipartBoundary makes a boundary no body is likely to contain:
// 16 random bytes in hex behind dashes, as browsers make theirs.
func newMultipartBoundary() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "----VaultFormBoundary" + hex.EncodeToString(b[:])
}

// formNameEscaper is the HTML standard's escaping of names and filenames
// in a multipart/form-data body.
var formNameEscaper = strings.NewReplacer("\n", "%0A", "\r", "%0D", `"`, "%22")

// normalizeNewlines turns every lone CR and lone LF into CRLF, as the
// HTML standard's multipart/form-data encoding does to names and string
// values.
func normalizeNewlines(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
			sb.WriteString("\r\n")
			i++
		case c == '\r' || c == '\n':
			sb.WriteString("\r\n")
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// serializeMultipart encodes parts as the HTML standard's
// multipart/form-data encoding algorithm does, with the given boundary.
// A file with no type is sent as application/octet-stream.
func serializeMultipart(parts []formPart, boundary string) []byte {
	size := len(boundary) + 8
	for _, p := range parts {
		size += len(boundary) + len(p.name) + len(p.filename) + len(p.ctype) + len(p.value) + 128
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	for _, p := range parts {
		buf.WriteString("--" + boundary + "\r\n")
		buf.WriteString(`Content-Disposition: form-data; name="`)
		buf.WriteString(formNameEscaper.Replace(normalizeNewlines(p.name)))
		buf.WriteByte('"')
		if p.isFile {
			buf.WriteString(`; filename="`)
			buf.WriteString(formNameEscaper.Replace(p.filename))
			buf.WriteString("\"\r\nContent-Type: ")
			ct := p.ctype
			if ct == "" {
				ct = "application/octet-stream"
			}
			buf.WriteString(ct)
			buf.WriteString("\r\n\r\n")
			buf.Write(p.value)
		} else {
			buf.WriteString("\r\n\r\n")
			buf.WriteString(normalizeNewlines(string(p.value)))
		}
		buf.WriteString("\r\n")
	}
	buf.WriteString("--" + boundary + "--\r\n")
	return buf.Bytes()
}
