package schemas

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// testSections are three sections as BuildArtifact lays them out.
func testSections() []Section {
	return []Section{
		{SectionManifest, []byte(`{"name":"hello","entry":"index.ts","routes":["/"],"limits":{}}`)},
		{SectionCode, []byte(`var __vault_module=(()=>{return{default:{fetch(){}}}})();`)},
		{SectionSourceMap, []byte(`{"version":3,"sources":["index.ts"],"mappings":""}`)},
	}
}

func mustEncode(t testing.TB, sections ...Section) []byte {
	t.Helper()
	blob, err := EncodeArtifact(sections...)
	if err != nil {
		t.Fatalf("EncodeArtifact: %v", err)
	}
	return blob
}

func TestArtifactRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		sections []Section
	}{
		{"ThreeSections", testSections()},
		{"NoSourceMap", []Section{{SectionManifest, []byte("{}")}, {SectionCode, []byte("x")}}},
		{"EmptySection", []Section{{SectionManifest, []byte("{}")}, {SectionSourceMap, nil}, {SectionCode, []byte("code")}}},
		{"EmptyCode", []Section{{SectionManifest, []byte("{}")}, {SectionCode, nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blob := mustEncode(t, tt.sections...)
			a, err := DecodeArtifact(blob)
			if err != nil {
				t.Fatalf("DecodeArtifact: %v", err)
			}
			for _, s := range tt.sections {
				got := a.Section(s.Kind)
				if got == nil {
					t.Errorf("section %d missing", s.Kind)
				}
				if !bytes.Equal(got, s.Data) {
					t.Errorf("section %d = %q, want %q", s.Kind, got, s.Data)
				}
			}
			if got := a.Section(99); got != nil {
				t.Errorf("absent section 99 = %q, want nil", got)
			}
		})
	}
}

// TestArtifactLayout checks the encoding against the documented layout
// field by field, so the format cannot drift while both directions agree.
func TestArtifactLayout(t *testing.T) {
	sections := testSections()
	blob := mustEncode(t, sections...)
	be := binary.BigEndian
	if string(blob[:8]) != "VAULTART" {
		t.Errorf("magic %q", blob[:8])
	}
	if v := be.Uint16(blob[8:]); v != 1 {
		t.Errorf("version %d", v)
	}
	if n := be.Uint16(blob[10:]); n != 3 {
		t.Errorf("section count %d", n)
	}
	if r := be.Uint32(blob[12:]); r != 0 {
		t.Errorf("reserved %#x", r)
	}
	off := uint64(16 + 56*len(sections))
	for i, s := range sections {
		e := blob[16+56*i : 16+56*(i+1)]
		sum := sha256.Sum256(s.Data)
		switch {
		case be.Uint16(e[0:]) != uint16(s.Kind):
			t.Errorf("entry %d kind %d, want %d", i, be.Uint16(e[0:]), s.Kind)
		case be.Uint16(e[2:]) != 0 || be.Uint32(e[4:]) != 0:
			t.Errorf("entry %d flags/reserved %x", i, e[2:8])
		case be.Uint64(e[8:]) != off:
			t.Errorf("entry %d offset %d, want %d", i, be.Uint64(e[8:]), off)
		case be.Uint64(e[16:]) != uint64(len(s.Data)):
			t.Errorf("entry %d length %d, want %d", i, be.Uint64(e[16:]), len(s.Data))
		case !bytes.Equal(e[24:56], sum[:]):
			t.Errorf("entry %d digest %x, want %x", i, e[24:56], sum)
		case !bytes.Equal(blob[off:off+uint64(len(s.Data))], s.Data):
			t.Errorf("entry %d data at %d differs", i, off)
		}
		off += uint64(len(s.Data))
	}
	if off != uint64(len(blob)) {
		t.Errorf("blob is %d bytes, sections end at %d", len(blob), off)
	}
}

// TestArtifactByteFlip flips the low bit of every byte in turn. Every
// header field is checked and every section has a digest, so no flipped
// blob may decode.
func TestArtifactByteFlip(t *testing.T) {
	tests := []struct {
		name     string
		sections []Section
	}{
		{"ThreeSections", testSections()},
		{"ManifestAndCode", testSections()[:2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blob := mustEncode(t, tt.sections...)
			for i := range blob {
				flipped := bytes.Clone(blob)
				flipped[i] ^= 0x01
				a, err := DecodeArtifact(flipped)
				if err == nil {
					t.Errorf("byte %d (%s) flipped %#02x -> %#02x: DecodeArtifact accepted it; sections %v",
						i, artifactField(i, len(tt.sections)), blob[i], flipped[i], sectionKinds(a))
					continue
				}
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("byte %d: error %v is not ErrInvalid", i, err)
				}
			}
		})
	}
}

// artifactField names the layout field that holds byte i.
func artifactField(i, n int) string {
	switch {
	case i < 8:
		return "magic"
	case i < 10:
		return "version"
	case i < 12:
		return "section count"
	case i < headerSize:
		return "reserved"
	case i < headerSize+entrySize*n:
		e, o := (i-headerSize)/entrySize, (i-headerSize)%entrySize
		field := "digest"
		switch {
		case o < 2:
			field = "kind"
		case o < 4:
			field = "flags"
		case o < 8:
			field = "reserved"
		case o < 16:
			field = "offset"
		case o < 24:
			field = "length"
		}
		return fmt.Sprintf("entry %d %s", e, field)
	}
	return "section data"
}

func sectionKinds(a *Artifact) []SectionKind {
	var kinds []SectionKind
	for k := range 1 << 16 {
		if a.Section(SectionKind(k)) != nil {
			kinds = append(kinds, SectionKind(k))
		}
	}
	return kinds
}

func TestArtifactTruncated(t *testing.T) {
	blob := mustEncode(t, testSections()...)
	for n := range len(blob) {
		if _, err := DecodeArtifact(blob[:n]); !errors.Is(err, ErrInvalid) {
			t.Errorf("DecodeArtifact(first %d of %d bytes) = %v, want ErrInvalid", n, len(blob), err)
		}
	}
}

func TestArtifactTrailingBytes(t *testing.T) {
	blob := mustEncode(t, testSections()...)
	for _, extra := range [][]byte{{0}, []byte("x"), make([]byte, 56), blob} {
		if _, err := DecodeArtifact(append(bytes.Clone(blob), extra...)); !errors.Is(err, ErrInvalid) {
			t.Errorf("DecodeArtifact with %d trailing bytes = %v, want ErrInvalid", len(extra), err)
		}
	}
}

func TestDecodeArtifactRejects(t *testing.T) {
	be := binary.BigEndian
	valid := mustEncode(t, testSections()...)
	patch := func(f func(b []byte)) []byte {
		b := bytes.Clone(valid)
		f(b)
		return b
	}
	entry := func(i int) int { return headerSize + entrySize*i }
	tests := []struct {
		name string
		blob []byte
	}{
		{"Empty", nil},
		{"ShortHeader", valid[:15]},
		{"BadMagic", patch(func(b []byte) { copy(b, "VAULTARX") })},
		{"Version0", patch(func(b []byte) { be.PutUint16(b[8:], 0) })},
		{"Version2", patch(func(b []byte) { be.PutUint16(b[8:], 2) })},
		{"ZeroSections", patch(func(b []byte) { be.PutUint16(b[10:], 0) })},
		{"SeventeenSections", patch(func(b []byte) { be.PutUint16(b[10:], 17) })},
		{"MaxSectionCount", patch(func(b []byte) { be.PutUint16(b[10:], 0xffff) })},
		{"FewerSectionsClaimed", patch(func(b []byte) { be.PutUint16(b[10:], 2) })},
		{"MoreSectionsClaimed", patch(func(b []byte) { be.PutUint16(b[10:], 4) })},
		{"ReservedHeader", patch(func(b []byte) { b[15] = 1 })},
		{"TableTruncated", valid[:headerSize+entrySize*2+10]},
		{"Flags", patch(func(b []byte) { be.PutUint16(b[entry(1)+2:], 1) })},
		{"ReservedEntry", patch(func(b []byte) { b[entry(2)+7] = 0x80 })},
		{"OffsetGap", patch(func(b []byte) { be.PutUint64(b[entry(1)+8:], be.Uint64(b[entry(1)+8:])+1) })},
		{"OffsetOverlap", patch(func(b []byte) { be.PutUint64(b[entry(1)+8:], be.Uint64(b[entry(1)+8:])-1) })},
		{"OffsetHuge", patch(func(b []byte) { be.PutUint64(b[entry(0)+8:], 1<<63) })},
		{"LengthHuge", patch(func(b []byte) { be.PutUint64(b[entry(2)+16:], ^uint64(0)) })},
		{"LengthPastEnd", patch(func(b []byte) {
			be.PutUint64(b[entry(2)+16:], be.Uint64(b[entry(2)+16:])+1)
		})},
		{"LengthShort", patch(func(b []byte) {
			be.PutUint64(b[entry(2)+16:], be.Uint64(b[entry(2)+16:])-1)
		})},
		{"DigestFirstByte", patch(func(b []byte) { b[entry(0)+24] ^= 0xff })},
		{"DigestLastByte", patch(func(b []byte) { b[entry(1)+55] ^= 0x01 })},
		{"DataCorrupt", patch(func(b []byte) { b[len(b)-1] ^= 0xff })},
		{"DuplicateKind", patch(func(b []byte) { be.PutUint16(b[entry(2):], uint16(SectionManifest)) })},
		{"DuplicateEmptyKind", func() []byte {
			b := mustEncode(t, Section{SectionManifest, nil}, Section{SectionCode, nil}, Section{SectionSourceMap, nil})
			be.PutUint16(b[entry(2):], uint16(SectionCode))
			return b
		}()},
		{"UnknownKind", patch(func(b []byte) { be.PutUint16(b[entry(2):], 4) })},
		{"KindsOutOfOrder", func() []byte {
			b := mustEncode(t, Section{SectionManifest, nil}, Section{SectionCode, nil}, Section{SectionSourceMap, nil})
			be.PutUint16(b[entry(0):], uint16(SectionCode))
			be.PutUint16(b[entry(1):], uint16(SectionManifest))
			return b
		}()},
		{"CodeBecomesSourceMap", func() []byte {
			b := mustEncode(t, Section{SectionManifest, nil}, Section{SectionCode, []byte("x")})
			be.PutUint16(b[entry(1):], uint16(SectionSourceMap))
			return b
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := DecodeArtifact(tt.blob)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("DecodeArtifact = %v, %v; want ErrInvalid", a, err)
			}
			if a != nil {
				t.Errorf("DecodeArtifact returned %v with an error", a)
			}
		})
	}
}

func TestEncodeArtifactRejects(t *testing.T) {
	tests := []struct {
		name     string
		sections []Section
	}{
		{"NoSections", nil},
		{"SeventeenSections", make([]Section, 17)},
		{"DuplicateKind", []Section{{SectionManifest, []byte("{}")}, {SectionCode, nil}, {SectionManifest, []byte("{}")}}},
		{"DuplicateEmptyKind", []Section{{SectionCode, nil}, {SectionCode, nil}}},
		{"NoManifest", []Section{{SectionCode, []byte("x")}}},
		{"NoCode", []Section{{SectionManifest, []byte("{}")}, {SectionSourceMap, nil}}},
		{"UnknownKind", []Section{{SectionManifest, nil}, {SectionCode, nil}, {9, nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if blob, err := EncodeArtifact(tt.sections...); !errors.Is(err, ErrInvalid) || blob != nil {
				t.Errorf("EncodeArtifact = %d bytes, %v; want ErrInvalid", len(blob), err)
			}
		})
	}
}

func TestArtifactManifest(t *testing.T) {
	want := &Manifest{
		Name: "hello", Entry: "src/index.ts", Routes: []string{"/", "api.example.com/v1/:id"},
		Limits: Limits{CPUMillis: 10, MemoryMB: 64}, Vars: map[string]string{"GREETING": "hi"},
	}
	mj, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		a, err := DecodeArtifact(mustEncode(t, Section{SectionCode, []byte("x")}, Section{SectionManifest, mj}))
		if err != nil {
			t.Fatalf("DecodeArtifact: %v", err)
		}
		got, err := a.Manifest()
		if err != nil {
			t.Fatalf("Manifest: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Manifest = %+v, want %+v", got, want)
		}
	})
	t.Run("ErrInvalidManifestNotJSON", func(t *testing.T) {
		a, err := DecodeArtifact(mustEncode(t, Section{SectionManifest, []byte("name: hello")}, Section{SectionCode, nil}))
		if err != nil {
			t.Fatal(err)
		}
		if m, err := a.Manifest(); !errors.Is(err, ErrInvalid) {
			t.Errorf("Manifest = %+v, %v; want ErrInvalid", m, err)
		}
	})
	t.Run("Container", func(t *testing.T) {
		container := []byte(`{"name":"api","kind":"container","image":"r.example/api:1","port":8080}`)
		a, err := DecodeArtifact(mustEncode(t, Section{SectionManifest, container}))
		if err != nil {
			t.Fatalf("a container's artifact: %v", err)
		}
		if m, err := a.Manifest(); err != nil || m.Kind != KindContainer || m.Port != 8080 {
			t.Errorf("Manifest = %+v, %v", m, err)
		}
		if _, err := EncodeArtifact(Section{SectionManifest, container}, Section{SectionCode, []byte("x")}); !errors.Is(err, ErrInvalid) {
			t.Errorf("a container's artifact with code: %v, want ErrInvalid", err)
		}
	})
}

func TestCheckArtifactSize(t *testing.T) {
	if DefaultMaxArtifactBytes != 25<<20 {
		t.Errorf("DefaultMaxArtifactBytes = %d, want 25 MiB", DefaultMaxArtifactBytes)
	}
	for _, tt := range []struct {
		size, limit int64
		want        string // "" for no error
	}{
		{DefaultMaxArtifactBytes, 0, ""},
		{DefaultMaxArtifactBytes + 1, 0, "the artifact is 25 MiB (26214401 bytes), over the limit of 25 MiB (26214400 bytes)"},
		{1536, 1024, "the artifact is 1.5 KiB (1536 bytes), over the limit of 1 KiB (1024 bytes)"},
		{1024, 1024, ""},
		{100 << 20, 200 << 20, ""},
		{300, 200, "the artifact is 300 bytes, over the limit of 200 bytes"},
	} {
		err := CheckArtifactSize(tt.size, tt.limit)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckArtifactSize(%d, %d) = %v, want nil", tt.size, tt.limit, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want || !errors.Is(err, ErrTooLarge)):
			t.Errorf("CheckArtifactSize(%d, %d) = %v, want %q wrapping ErrTooLarge", tt.size, tt.limit, err, tt.want)
		}
	}
}
