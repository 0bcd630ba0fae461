package schemas

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The artifact is the immutable blob a deploy stores, addressed by the
// SHA-256 of all its bytes. Layout (all integers big-endian):
//
//	offset  size  field
//	0       8     magic "VAULTART"
//	8       2     format version (1)
//	10      2     section count N (1..16)
//	12      4     reserved, zero
//	16      56*N  section table, one entry per section:
//	                2  kind (1 manifest JSON, 2 code, 3 source map JSON)
//	                2  flags, zero
//	                4  reserved, zero
//	                8  offset of the section from the start of the blob
//	                8  length in bytes
//	                32 SHA-256 of the section's bytes
//	...           section data, in table order, without gaps or overlaps
//
// The table lists known kinds only, in increasing kind order, and must
// hold a manifest and a code section; so a changed kind byte is caught
// even though the digests cover only section data.
//
// Any section is reachable in O(1) from the table; each carries its own
// digest so a reader of one section can check it without hashing the rest.
const (
	artifactMagic   = "VAULTART"
	artifactVersion = 1
	headerSize      = 16
	entrySize       = 56
	maxSections     = 16
)

// SectionKind says what a section holds.
type SectionKind uint16

const (
	SectionManifest  SectionKind = 1
	SectionCode      SectionKind = 2
	SectionSourceMap SectionKind = 3
)

// Section is one part of an artifact.
type Section struct {
	Kind SectionKind
	Data []byte
}

// EncodeArtifact lays out sections in the documented format, in kind order.
func EncodeArtifact(sections ...Section) ([]byte, error) {
	if len(sections) == 0 || len(sections) > maxSections {
		return nil, fmt.Errorf("encode artifact: %d sections (want 1..%d): %w", len(sections), maxSections, ErrInvalid)
	}
	sections = slices.Clone(sections)
	slices.SortStableFunc(sections, func(a, b Section) int { return cmp.Compare(a.Kind, b.Kind) })
	if err := checkKinds(len(sections), func(i int) SectionKind { return sections[i].Kind }); err != nil {
		return nil, fmt.Errorf("encode artifact: %w", err)
	}
	if err := checkCode(sections[0].Data, slices.ContainsFunc(sections, func(s Section) bool { return s.Kind == SectionCode })); err != nil {
		return nil, fmt.Errorf("encode artifact: %w", err)
	}
	size := headerSize + entrySize*len(sections)
	for _, s := range sections {
		size += len(s.Data)
	}
	out := make([]byte, headerSize+entrySize*len(sections), size)
	copy(out, artifactMagic)
	binary.BigEndian.PutUint16(out[8:], artifactVersion)
	binary.BigEndian.PutUint16(out[10:], uint16(len(sections)))
	for i, s := range sections {
		e := out[headerSize+entrySize*i:]
		binary.BigEndian.PutUint16(e[0:], uint16(s.Kind))
		binary.BigEndian.PutUint64(e[8:], uint64(len(out)))
		binary.BigEndian.PutUint64(e[16:], uint64(len(s.Data)))
		sum := sha256.Sum256(s.Data)
		copy(e[24:56], sum[:])
		out = append(out, s.Data...)
	}
	return out, nil
}

// Artifact is a decoded, digest-checked artifact. Its sections alias the
// input bytes.
type Artifact struct {
	sections map[SectionKind][]byte
}

// Section returns the bytes of a section, or nil when absent.
func (a *Artifact) Section(k SectionKind) []byte { return a.sections[k] }

// DecodeArtifact checks the layout and every section digest. It never
// panics on any input and allocates nothing proportional to claimed sizes.
func DecodeArtifact(blob []byte) (*Artifact, error) {
	bad := func(format string, args ...any) (*Artifact, error) {
		return nil, fmt.Errorf("decode artifact: "+format+": %w", append(args, ErrInvalid)...)
	}
	if len(blob) < headerSize || string(blob[:8]) != artifactMagic {
		return bad("not an artifact (bad magic)")
	}
	if v := binary.BigEndian.Uint16(blob[8:]); v != artifactVersion {
		return bad("format version %d, this build reads %d", v, artifactVersion)
	}
	n := int(binary.BigEndian.Uint16(blob[10:]))
	if n == 0 || n > maxSections {
		return bad("%d sections (want 1..%d)", n, maxSections)
	}
	if binary.BigEndian.Uint32(blob[12:]) != 0 {
		return bad("reserved header bytes are not zero")
	}
	next := uint64(headerSize + entrySize*n)
	if uint64(len(blob)) < next {
		return bad("section table truncated")
	}
	a := &Artifact{sections: make(map[SectionKind][]byte, n)}
	for i := range n {
		e := blob[headerSize+entrySize*i:]
		kind := SectionKind(binary.BigEndian.Uint16(e[0:]))
		off, length := binary.BigEndian.Uint64(e[8:]), binary.BigEndian.Uint64(e[16:])
		switch {
		case binary.BigEndian.Uint16(e[2:]) != 0 || binary.BigEndian.Uint32(e[4:]) != 0:
			return bad("section %d: flags or reserved bytes are not zero", i)
		case off != next:
			return bad("section %d: offset %d, want %d (sections must follow each other)", i, off, next)
		case length > uint64(len(blob))-off:
			return bad("section %d: length %d runs past the end", i, length)
		}
		data := blob[off : off+length : off+length]
		if sum := sha256.Sum256(data); !bytes.Equal(sum[:], e[24:56]) {
			return bad("section %d (kind %d): digest mismatch", i, kind)
		}
		a.sections[kind] = data
		next = off + length
	}
	if next != uint64(len(blob)) {
		return bad("%d trailing bytes after the last section", uint64(len(blob))-next)
	}
	kindAt := func(i int) SectionKind {
		return SectionKind(binary.BigEndian.Uint16(blob[headerSize+entrySize*i:]))
	}
	if err := checkKinds(n, kindAt); err != nil {
		return nil, fmt.Errorf("decode artifact: %w", err)
	}
	_, hasCode := a.sections[SectionCode]
	if err := checkCode(a.sections[SectionManifest], hasCode); err != nil {
		return nil, fmt.Errorf("decode artifact: %w", err)
	}
	return a, nil
}

// checkCode requires a code section in a function's artifact and none in
// a container's, which is its manifest alone (the image is the code). A
// manifest that does not decode is Manifest's to refuse.
func checkCode(manifest []byte, hasCode bool) error {
	var m struct {
		Kind string `json:"kind"`
	}
	container := json.Unmarshal(manifest, &m) == nil && m.Kind == KindContainer
	switch {
	case container && hasCode:
		return fmt.Errorf("a container's artifact has a code section: %w", ErrInvalid)
	case !container && !hasCode:
		return fmt.Errorf("a manifest and a code section are required: %w", ErrInvalid)
	}
	return nil
}

// checkKinds requires known kinds in strictly increasing order, including
// a manifest.
func checkKinds(n int, kind func(int) SectionKind) error {
	var prev SectionKind
	hasManifest := false
	for i := range n {
		k := kind(i)
		switch {
		case k < SectionManifest || k > SectionSourceMap:
			return fmt.Errorf("section %d has unknown kind %d: %w", i, k, ErrInvalid)
		case k <= prev:
			return fmt.Errorf("section %d: kind %d after kind %d (kinds must increase): %w", i, k, prev, ErrInvalid)
		}
		prev = k
		hasManifest = hasManifest || k == SectionManifest
	}
	if !hasManifest {
		return fmt.Errorf("a manifest section is required: %w", ErrInvalid)
	}
	return nil
}

// Manifest decodes the manifest section.
func (a *Artifact) Manifest() (*Manifest, error) {
	raw := a.Section(SectionManifest)
	if raw == nil {
		return nil, fmt.Errorf("artifact manifest: no manifest section: %w", ErrInvalid)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("artifact manifest: %v: %w", err, ErrInvalid)
	}
	return &m, nil
}

// DefaultMaxArtifactBytes is the largest artifact a deploy uploads and a
// node admits, fetches and compiles, unless configured otherwise: 25 MiB,
// Cloudflare Workers' limit. A node's memory grows by many times an
// artifact's size while it compiles one (about 19× for a 100 MB bundle).
const DefaultMaxArtifactBytes int64 = 25 << 20

// ErrTooLarge marks an artifact over a size limit.
var ErrTooLarge = errors.New("schemas: artifact too large")

// SizeError is an artifact of Size bytes over a limit of Limit bytes.
type SizeError struct {
	Size, Limit int64
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("the artifact is %s, over the limit of %s", FormatSize(e.Size), FormatSize(e.Limit))
}

func (e *SizeError) Unwrap() error { return ErrTooLarge }

// CheckArtifactSize returns a *SizeError if size exceeds limit (0 or
// less: DefaultMaxArtifactBytes).
func CheckArtifactSize(size, limit int64) error {
	if limit <= 0 {
		limit = DefaultMaxArtifactBytes
	}
	if size > limit {
		return &SizeError{Size: size, Limit: limit}
	}
	return nil
}

// FormatSize writes n bytes for a reader: "25 MiB (26214400 bytes)",
// "1.5 KiB (1536 bytes)", "300 bytes".
func FormatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size {
			v := strings.TrimSuffix(strconv.FormatFloat(float64(n)/float64(u.size), 'f', 1, 64), ".0")
			return fmt.Sprintf("%s %s (%d bytes)", v, u.name, n)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
