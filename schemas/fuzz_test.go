package schemas

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/vault-runtime/vault/events"
)

func FuzzDecodeArtifact(f *testing.F) {
	f.Add(mustEncode(f, testSections()...))
	f.Add(mustEncode(f, Section{SectionManifest, nil}, Section{SectionCode, nil}))
	f.Add(mustEncode(f, Section{SectionManifest, []byte("{}")}, Section{SectionCode, []byte("x")}, Section{SectionSourceMap, nil}))
	f.Add(mustEncode(f, Section{SectionManifest, []byte(`{"name":"api","kind":"container","image":"r.example/api:1","port":80}`)}))
	f.Add([]byte(artifactMagic))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, blob []byte) {
		a, err := DecodeArtifact(blob)
		if err != nil {
			if a != nil || !errors.Is(err, ErrInvalid) {
				t.Errorf("DecodeArtifact = %v, %v; want nil, ErrInvalid", a, err)
			}
			return
		}
		// Re-encoding the sections in table order must give back the input:
		// the decoder accepts exactly one spelling of each artifact.
		n := int(binary.BigEndian.Uint16(blob[10:]))
		sections := make([]Section, n)
		for i := range sections {
			kind := SectionKind(binary.BigEndian.Uint16(blob[headerSize+entrySize*i:]))
			data := a.Section(kind)
			if data == nil {
				t.Fatalf("table entry %d names kind %d, which Section does not return", i, kind)
			}
			off := binary.BigEndian.Uint64(blob[headerSize+entrySize*i+8:])
			if len(data) > 0 && &data[0] != &blob[off] {
				t.Errorf("section %d does not alias the input at offset %d", kind, off)
			}
			sections[i] = Section{kind, data}
		}
		again, err := EncodeArtifact(sections...)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(again, blob) {
			t.Errorf("re-encoded artifact differs from the input:\n got %x\nwant %x", again, blob)
		}
		_, _ = a.Manifest()
	})
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte("name: hello\nentry: index.ts\nroutes:\n  - /\n  - api.example.com/v1/:id\nlimits:\n  cpu_ms: 10\nvars:\n  A: b\n"))
	f.Add([]byte("name: hello\nentry: [index.ts\n"))
	f.Add([]byte("{name: h, entry: x.ts, bogus: 1}"))
	f.Add([]byte("name: &a h\nentry: *a\n"))
	f.Add([]byte("---\n"))
	f.Add([]byte(""))
	f.Add([]byte("name: db\nkind: container\nimage: x:1\nport: 80\nvolumes: [{name: pgdata, path: /data, read_only: true}]\nnetworks: [backend]\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest("vault.yaml", data)
		if err != nil {
			if m != nil || !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseManifest = %+v, %v; want nil, ErrInvalid", m, err)
			}
			var pe PosErrors
			if !errors.As(err, &pe) || len(pe) == 0 {
				t.Fatalf("error %v is not a non-empty PosErrors", err)
			}
			for _, e := range pe {
				if e.File != "vault.yaml" || e.Line < 1 || e.Col < 1 || e.Msg == "" {
					t.Errorf("bad position error %#v", e)
				}
			}
			return
		}
		if m.Name == "" || m.Entry == "" && m.Kind != KindContainer {
			t.Errorf("parsed manifest without name or entry: %+v", m)
		}
		if m.Container != nil {
			for _, v := range m.Container.Volumes {
				if !events.ValidResourceName(v.Name) || CheckVolumePath(v.Path) != nil {
					t.Errorf("accepted volume %+v", v)
				}
			}
			for _, n := range m.Container.NetworkNames() {
				if !events.ValidResourceName(n) {
					t.Errorf("accepted network %q", n)
				}
			}
		}
		for _, r := range m.Routes {
			if _, err := ParseRoute(r); err != nil {
				t.Errorf("accepted route %q does not parse: %v", r, err)
			}
		}
		for _, v := range []int64{m.Limits.CPUMillis, m.Limits.WallMillis, m.Limits.MemoryMB, m.Limits.RequestBodyBytes, m.Limits.ResponseBodyBytes} {
			if v < 0 {
				t.Errorf("negative limit in %+v", m.Limits)
			}
		}
	})
}

// FuzzYAMLReader reads arbitrary input with the sample schema of
// yamlpos_test.go, one key of each kind. Seeds: testdata/fuzz/FuzzYAMLReader.
func FuzzYAMLReader(f *testing.F) {
	f.Add([]byte("s: a\nl: [b]\nb: false\ni: 7\nz: 1MiB\nd: 5s\nf: 0\nc: red\ninner: {a: x}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := readSample(data)
		again, errAgain := readSample(data)
		if fmt.Sprint(err) != fmt.Sprint(errAgain) || !reflect.DeepEqual(s, again) {
			t.Fatalf("two reads differ: %+v, %v and %+v, %v", s, err, again, errAgain)
		}
		if err != nil {
			var pe PosErrors
			if s != nil || !errors.As(err, &pe) || len(pe) == 0 || !errors.Is(err, ErrInvalid) {
				t.Fatalf("readSample = %+v, %v; want nil and a non-empty PosErrors", s, err)
			}
			for i, e := range pe {
				if e.File != "t.yaml" || e.Line < 1 || e.Col < 1 || e.Msg == "" {
					t.Errorf("bad position error %#v", e)
				}
				if i > 0 && (e.Line < pe[i-1].Line || e.Line == pe[i-1].Line && e.Col < pe[i-1].Col) {
					t.Errorf("errors out of file order: %v before %v", pe[i-1], e)
				}
			}
			return
		}
		if s == nil {
			return // no document: nothing read, nothing wrong
		}
		if s.I != 0 && (s.I < 1 || s.I > 100) || s.Z < 0 || s.Z > math.MaxUint32 || s.D < 0 ||
			s.F < 0 || math.IsNaN(s.F) || math.IsInf(s.F, 0) || s.C != "" && s.C != "red" && s.C != "green" {
			t.Errorf("accepted a value out of its range: %+v", s)
		}
	})
}
