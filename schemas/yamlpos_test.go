package schemas

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// sample is what readSample fills: one field of each kind the reader reads.
type sample struct {
	S     string
	L     []string
	B     bool
	I     int64
	Z     int64
	D     time.Duration
	F     float64
	C     string
	Inner struct{ A, B string }
}

var sampleKeys = []string{"s", "l", "b", "i", "z", "d", "f", "c", "inner"}

// readSample reads data with a YAMLReader into a sample, with one key of
// each kind; it is the reader's tests' and fuzz target's schema.
func readSample(data []byte) (*sample, error) {
	r := NewYAMLReader("t.yaml", data)
	root := r.Document()
	if root == nil {
		return nil, r.Err()
	}
	var s sample
	r.Fields(root, Mapping{Keys: sampleKeys, NotMapping: "a sample is a mapping"}, func(key, val *yaml.Node) {
		switch key.Value {
		case "s":
			s.S, _ = r.String(val)
		case "l":
			s.L, _ = r.Strings(val)
		case "b":
			s.B, _ = r.Bool(val)
		case "i":
			s.I, _ = r.Int(val, 1, 100)
		case "z":
			s.Z, _ = r.Size(val, math.MaxUint32)
		case "d":
			s.D, _ = r.Duration(val)
		case "f":
			s.F, _ = r.Number(val)
		case "c":
			s.C, _ = r.OneOf(val, "red", "green")
		case "inner":
			r.Fields(val, Mapping{Name: "inner", Keys: []string{"a", "b"}, NotMapping: "inner must be a mapping"}, func(key, val *yaml.Node) {
				v, _ := r.String(val)
				if key.Value == "a" {
					s.Inner.A = v
				} else {
					s.Inner.B = v
				}
			})
		}
	})
	if err := r.Finish("a sample"); err != nil {
		return nil, err
	}
	return &s, nil
}

func TestYAMLReaderValues(t *testing.T) {
	got, err := readSample([]byte(`
s: hello
l: [a, "b", 3]
b: true
i: 0x10
z: 16 KiB
d: 1m30s
f: 2.5
c: green
inner: {a: x, b: ""}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := &sample{S: "hello", L: []string{"a", "b", "3"}, B: true, I: 16, Z: 16 << 10, D: 90 * time.Second, F: 2.5, C: "green"}
	want.Inner.A = "x"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read %+v\nwant %+v", got, want)
	}
}

func TestYAMLReaderErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"ErrSyntax", "s: [\n", "t.yaml:1:1: did not find expected node content"},
		{"ErrNotAMapping", "- s\n", "t.yaml:1:1: a sample is a mapping"},
		{"ErrInnerNotAMapping", "inner: [a]\n", "t.yaml:1:8: inner must be a mapping"},
		{"ErrString", "s: [a]\n", "t.yaml:1:4: want a string"},
		{"ErrStringNull", "s: ~\n", "t.yaml:1:4: want a string"},
		{"ErrStrings", "l: a\n", "t.yaml:1:4: want a list of strings"},
		{"ErrStringsItem", "l:\n  - a\n  - {b: c}\n  - [d]\n", "t.yaml:3:5: want a string"},
		{"ErrBool", "b: yes\n", "t.yaml:1:4: want true or false"},
		{"ErrInt", "i: 1.5\n", "t.yaml:1:4: want a whole number"},
		{"ErrIntQuoted", "i: \"5\"\n", "t.yaml:1:4: want a whole number"},
		{"ErrIntOverflow", "i: 99999999999999999999\n", "t.yaml:1:4: want a whole number"},
		{"ErrIntBelow", "i: 0\n", "t.yaml:1:4: 0 is out of range: want 1 to 100"},
		{"ErrIntAbove", "i:   101\n", "t.yaml:1:6: 101 is out of range: want 1 to 100"},
		{"ErrSizeUnit", "z: 1KB\n", `t.yaml:1:4: size "1KB": want whole bytes or a whole number of KiB, MiB or GiB, such as 16KiB`},
		{"ErrSizeOverflow", "z: 4GiB\n", `t.yaml:1:4: size "4GiB": at most 4294967295 bytes`},
		{"ErrSizeNotScalar", "z: [1]\n", "t.yaml:1:4: want a size: whole bytes or a whole number of KiB, MiB or GiB, such as 16KiB"},
		{"ErrDuration", "d: 10\n", `t.yaml:1:4: want a duration such as "10s" or "1m30s"`},
		{"ErrDurationNegative", "d: -1s\n", "t.yaml:1:4: duration -1s must not be negative"},
		{"ErrNumber", "f: fast\n", "t.yaml:1:4: want a number, 0 or more"},
		{"ErrNumberNegative", "f: -0.5\n", "t.yaml:1:4: want a number, 0 or more"},
		{"ErrNumberNaN", "f: .nan\n", "t.yaml:1:4: want a number, 0 or more"},
		{"ErrOneOf", "c: blue\n", `t.yaml:1:4: "blue": want red or green`},
		{"ErrDuplicateKey", "s: a\nb: true\ns: b\n", `t.yaml:3:1: duplicate key "s" (first at line 1)`},
		{"ErrDuplicateKeyInner", "inner:\n  a: x\n  a: y\n", `t.yaml:3:3: duplicate key "a" in inner (first at line 2)`},
		{"ErrUnknownKey", "s: a\nss: b\n", `t.yaml:2:1: unknown key "ss" (known: s, l, b, i, z, d, f, c, inner)`},
		{"ErrUnknownKeyInner", "inner: {a: x, c: y}\n", `t.yaml:1:15: unknown key "c" in inner (known: a, b)`},
		{"ErrSecondDocument", "s: a\n---\ns: b\n", `t.yaml:2:1: a sample is one YAML document; remove everything from this "---" on`},
		{"ErrSecondDocumentSyntax", "s: a\n---\ns: [\n", "t.yaml:3:1: did not find expected node content"},
		{"ErrEveryProblemInFileOrder", "inner: {c: 1}\nb: 1\ns: [x]\nb: 2\n", strings.Join([]string{
			`t.yaml:1:9: unknown key "c" in inner (known: a, b)`,
			`t.yaml:2:4: want true or false`,
			`t.yaml:3:4: want a string`,
			`t.yaml:4:1: duplicate key "b" (first at line 2)`,
		}, "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := readSample([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("read %+v; want %s", s, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			var pe PosErrors
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalid) {
				t.Errorf("error %T is not PosErrors wrapping ErrInvalid", err)
			}
		})
	}
}

func TestYAMLReaderEmpty(t *testing.T) {
	for _, data := range []string{"", "# only a comment\n"} {
		r := NewYAMLReader("t.yaml", []byte(data))
		if root := r.Document(); root != nil || r.Err() != nil {
			t.Errorf("%q: Document = %v, Err = %v; want nil, nil", data, root, r.Err())
		}
		if err := r.Finish("a sample"); err != nil {
			t.Errorf("%q: Finish = %v", data, err)
		}
	}
}

func TestYAMLReaderDuplicateWording(t *testing.T) {
	r := NewYAMLReader("t.yaml", []byte("a: 1\na: 2\n"))
	r.Fields(r.Document(), Mapping{
		Duplicate: func(key string, first int) string { return fmt.Sprintf("%s again, after line %d", key, first) },
	}, func(key, val *yaml.Node) {})
	if err := r.Finish("t"); err == nil || err.Error() != "t.yaml:2:1: a again, after line 1" {
		t.Errorf("err = %v", err)
	}
}

func TestYAMLReaderPlace(t *testing.T) {
	r := NewYAMLReader("t.yaml", []byte("sec:\n  max_size: 1\n  min_size: 2\n"))
	sec := r.Document().Content[1]
	named := map[string]*yaml.Node{"MaxSize": sec.Content[1], "MinSize": sec.Content[3]}
	keys := map[string]string{"MaxSize": "max_size", "MinSize": "min_size"}
	r.Place(sec, nil, named, keys)
	r.Place(sec, errors.New("MinSize 2 above MaxSize 1\nMaxSizeX is not MaxSize's word\nsomething else"), named, keys)
	want := strings.Join([]string{
		"t.yaml:2:3: something else",
		"t.yaml:2:13: MaxSizeX is not max_size's word",
		"t.yaml:3:13: min_size 2 above max_size 1",
	}, "\n")
	if err := r.Finish("t"); err == nil || err.Error() != want {
		t.Errorf("err:\n%v\nwant\n%s", err, want)
	}
}

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{{"0", 0}, {"16384", 16384}, {"16KiB", 16 << 10}, {"1 MiB", 1 << 20}, {"2GiB", 2 << 30}, {"512B", 512}} {
		if got, err := ParseSize(tt.in, 1<<40); err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "-1", "1KB", "1.5KiB", "KiB", "1kib", "1 iB", "0x10"} {
		if got, err := ParseSize(in, 1<<40); err == nil {
			t.Errorf("ParseSize(%q) = %d; want an error", in, got)
		}
	}
}
