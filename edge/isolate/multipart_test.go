package isolate

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestMultipartBoundary(t *testing.T) {
	for _, c := range []struct{ name, ct, want, err string }{
		{"Token", "multipart/form-data; boundary=abc", "abc", ""},
		{"Quoted", `multipart/form-data; boundary="a b:c"`, "a b:c", ""},
		{"CaseInsensitiveType", "Multipart/Form-Data; Boundary=x", "x", ""},
		{"Missing", "multipart/form-data", "", "has no boundary"},
		{"Empty", `multipart/form-data; boundary=""`, "", "has no boundary"},
		{"TooLong", "multipart/form-data; boundary=" + strings.Repeat("a", 71), "", "longer than 70"},
		{"OtherType", "multipart/mixed; boundary=a", "", `Content-Type is "multipart/mixed"`},
		{"Unparsable", "multipart/form-data; boundary", "", "bad Content-Type"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := multipartBoundary(c.ct)
			if c.err != "" {
				if err == nil || !errors.Is(err, errMultipart) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// show renders parts for comparison: name=value, files as
// name=[filename|type]value.
func showParts(parts []formPart) string {
	var s []string
	for _, p := range parts {
		if p.isFile {
			s = append(s, fmt.Sprintf("%s=[%s|%s]%s", p.name, p.filename, p.ctype, p.value))
		} else {
			s = append(s, fmt.Sprintf("%s=%s", p.name, p.value))
		}
	}
	return strings.Join(s, ";")
}

func TestParseMultipart(t *testing.T) {
	const cd = "Content-Disposition: form-data; "
	for _, c := range []struct{ name, body, want, err string }{
		{"TwoFields", "--b\r\n" + cd + "name=\"a\"\r\n\r\n1\r\n--b\r\n" + cd + "name=\"c\"\r\n\r\n2\r\n--b--\r\n", "a=1;c=2", ""},
		{"PreambleAndEpilogue", "ignored\r\nstuff\r\n--b\r\n" + cd + "name=\"a\"\r\n\r\nv\r\n--b--\r\nepilogue --b\r\n", "a=v", ""},
		{"TransportPadding", "--b \t\r\n" + cd + "name=\"a\"\r\n\r\nv\r\n--b--", "a=v", ""},
		{"ValueWithCRLFAndDashes", "--b\r\n" + cd + "name=\"a\"\r\n\r\nx\r\n--\r\n-b\r\n--b--", "a=x\r\n--\r\n-b", ""},
		{"EmptyValue", "--b\r\n" + cd + "name=\"a\"\r\n\r\n\r\n--b--", "a=", ""},
		{"NoParts", "--b--\r\n", "", ""},
		{"File", "--b\r\n" + cd + "name=\"f\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--", "f=[x.txt|text/plain]hello", ""},
		{"EmptyFilenameIsAFile", "--b\r\n" + cd + "name=\"f\"; filename=\"\"\r\n\r\n\r\n--b--", "f=[|]", ""},
		{"HeaderNamesAnyCase", "--b\r\ncontent-DISPOSITION: Form-Data; NAME=\"a\"\r\nCONTENT-type: a/b\r\n\r\nv\r\n--b--", "a=v", ""},
		{"UnquotedName", "--b\r\n" + cd + "name=a; filename=f.bin\r\n\r\nv\r\n--b--", "a=[f.bin|]v", ""},
		{"EscapesDecoded", "--b\r\n" + cd + "name=\"a%0D%0A%22b\"; filename=\"q%22.txt\"\r\n\r\nv\r\n--b--", "a\r\n\"b=[q\".txt|]v", ""},
		{"BackslashIsNotAnEscape", "--b\r\n" + cd + "name=\"a\\\"\r\n\r\nv\r\n--b--", "a\\=v", ""},
		{"FilenameStar", "--b\r\n" + cd + "name=\"f\"; filename=\"fallback\"; filename*=UTF-8''%E2%82%AC%20rates.txt\r\n\r\nv\r\n--b--", "f=[€ rates.txt|]v", ""},
		{"FilenameStarOtherCharsetIgnored", "--b\r\n" + cd + "name=\"f\"; filename=\"fallback\"; filename*=ISO-8859-1''%E4\r\n\r\nv\r\n--b--", "f=[fallback|]v", ""},
		{"SemicolonInQuotedName", "--b\r\n" + cd + "name=\"a;b=c\"\r\n\r\nv\r\n--b--", "a;b=c=v", ""},
		{"InvalidUTF8InNameAsTheEncodingStandard", "--b\r\n" + cd + "name=\"\xff\xfex\"; filename=\"\xe2\x82y\"\r\n\r\nv\r\n--b--", "\ufffd\ufffdx=[\ufffdy|]v", ""},
		{"OtherHeadersIgnored", "--b\r\nX-Thing: 1\r\n" + cd + "name=\"a\"\r\n\r\nv\r\n--b--", "a=v", ""},

		{"NoDelimiter", "just text", "", "no boundary delimiter"},
		{"LongerBoundaryIsNotOurs", "--bb\r\n" + cd + "name=\"a\"\r\n\r\nv\r\n--bb--", "", "not followed by CRLF"},
		{"BareLF", "--b\n" + cd + "name=\"a\"\n\nv\n--b--", "", "not followed by CRLF"},
		{"Unterminated", "--b\r\n" + cd + "name=\"a\"\r\n\r\nv", "", `part "a" has no closing boundary delimiter`},
		{"NoDisposition", "--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--", "", "no Content-Disposition"},
		{"NoHeaders", "--b\r\n\r\nv\r\n--b--", "", "no Content-Disposition"},
		{"NotFormData", "--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--b--", "", `"attachment", not form-data`},
		{"NoName", "--b\r\n" + cd + "filename=\"a\"\r\n\r\nv\r\n--b--", "", "has no name"},
		{"UnclosedQuote", "--b\r\n" + cd + "name=\"a\r\n\r\nv\r\n--b--", "", "no closing quote"},
		{"HeaderWithoutColon", "--b\r\n" + cd + "name=\"a\"\r\nbogus\r\n\r\nv\r\n--b--", "", "has no colon"},
		{"UnterminatedHeaders", "--b\r\n" + cd + "name=\"a\"\r\n", "", "unterminated"},
		{"HugeHeaders", "--b\r\n" + cd + "name=\"a\"\r\nX: " + strings.Repeat("x", multipartMaxHeaderBytes) + "\r\n\r\nv\r\n--b--", "", "over 16384 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			parts, err := parseMultipart([]byte(c.body), "b")
			if c.err != "" {
				if err == nil || !errors.Is(err, errMultipart) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want one containing %q (parts %q)", err, c.err, showParts(parts))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := showParts(parts); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseMultipartPartLimit(t *testing.T) {
	one := "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n"
	parts, err := parseMultipart([]byte(strings.Repeat(one, multipartMaxParts)+"--b--"), "b")
	if err != nil || len(parts) != multipartMaxParts {
		t.Fatalf("at the limit: %d parts, %v", len(parts), err)
	}
	_, err = parseMultipart([]byte(strings.Repeat(one, multipartMaxParts+1)+"--b--"), "b")
	if err == nil || !strings.Contains(err.Error(), "more than 10000 parts") {
		t.Fatalf("over the limit: err = %v", err)
	}
}

func TestSerializeMultipart(t *testing.T) {
	parts := []formPart{
		{name: "a\"b\nc", value: []byte("x\ny\rz\r\n")},
		{name: "f", value: []byte("\x00\r\n"), isFile: true, filename: "n\r\"m.bin"},
		{name: "g", value: []byte("{}"), isFile: true, filename: "g.json", ctype: "application/json"},
	}
	got := string(serializeMultipart(parts, "BND"))
	want := "--BND\r\nContent-Disposition: form-data; name=\"a%22b%0D%0Ac\"\r\n\r\nx\r\ny\r\nz\r\n\r\n" +
		"--BND\r\nContent-Disposition: form-data; name=\"f\"; filename=\"n%0D%22m.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\r\n\r\n" +
		"--BND\r\nContent-Disposition: form-data; name=\"g\"; filename=\"g.json\"\r\nContent-Type: application/json\r\n\r\n{}\r\n" +
		"--BND--\r\n"
	if got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
	back, err := parseMultipart([]byte(got), "BND")
	if err != nil {
		t.Fatal(err)
	}
	if s := showParts(back); s != "a\"b\r\nc=x\r\ny\r\nz\r\n;f=[n\r\"m.bin|application/octet-stream]\x00\r\n;g=[g.json|application/json]{}" {
		t.Fatalf("parsed back: %q", s)
	}
}

func TestNewMultipartBoundary(t *testing.T) {
	a, b := newMultipartBoundary(), newMultipartBoundary()
	if a == b || len(a) > multipartMaxBoundary || !strings.HasPrefix(a, "----") {
		t.Fatalf("boundaries %q, %q", a, b)
	}
	if _, err := multipartBoundary("multipart/form-data; boundary=" + a); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkParseMultipart(b *testing.B) {
	parts := []formPart{{name: "field", value: []byte("value")}, {name: "file", value: make([]byte, 1<<20), isFile: true, filename: "f.bin"}}
	body := serializeMultipart(parts, "boundary1234567890")
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := parseMultipart(body, "boundary1234567890"); err != nil {
			b.Fatal(err)
		}
	}
}
