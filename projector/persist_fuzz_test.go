package projector

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzStatePieces feeds the persisted-state decoder arbitrary keys and
// values: it must return a state or an error, never panic.
func FuzzStatePieces(f *testing.F) {
	header := func(ord uint64, kind byte, i int) string { return string(fnKey(ord, kind, i)) }
	seed := func(kv ...string) []byte {
		var b bytes.Buffer
		for _, s := range kv {
			binary.Write(&b, binary.BigEndian, uint16(len(s)))
			b.WriteString(s)
		}
		return b.Bytes()
	}
	f.Add(seed(string(metaKey), `{"format":3,"ledger":"l","seq":4}`,
		header(0, 0, 0), `{"name":"hello","state":"active","active":1}`,
		header(0, 'v', 0), `{"number":1,"artifact":"a","routes":["/"]}`,
		header(0, 'h', 0), `{"seq":3,"action":"activate","version":1,"state":"active","active":1}`,
		string(routesKey), `{"/":{"function":"hello","route":"/","since":2}}`,
		string(seqKey(rejPrefix, 4)), `{"seq":4,"id":"x","reason":"r"}`))
	f.Add(seed(header(0, 'v', 0), `{"number":2}`, string(metaKey), `{"format":3}`))
	f.Add(seed(string(keysKey), `null`, string(metaKey), `{"format":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var pieces []piece
		for len(data) >= 2 {
			n := int(binary.BigEndian.Uint16(data))
			data = data[2:]
			if n > len(data) {
				break
			}
			pieces = append(pieces, piece{raw: data[:n]})
			data = data[n:]
			if len(pieces)%2 == 0 { // key, then value
				last := &pieces[len(pieces)-2]
				last.key, last.raw = string(last.raw), pieces[len(pieces)-1].raw
				pieces = pieces[:len(pieces)-1]
			}
		}
		if len(pieces) > 0 && pieces[len(pieces)-1].key == "" {
			pieces = pieces[:len(pieces)-1]
		}
		p := &Projector{}
		if err := p.decodePieces(pieces); err != nil {
			return
		}
		st, _, err := assemble(pieces)
		if err == nil && st == nil {
			t.Fatal("no state and no error")
		}
	})
}
