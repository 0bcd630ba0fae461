package h2

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		name := "h2c"
		if useTLS {
			name = "TLS"
		}
		t.Run(name, func(t *testing.T) {
			ts := startServer(t, Config{}, &testHandler{}, useTLS)
			c := ts.client()
			tests := []struct {
				name, method, path string
				body               []byte
				status             int
				want               []byte
			}{
				{"Hello", "GET", "/", nil, 200, helloBody},
				{"Echo", "POST", "/echo", []byte("ping"), 200, []byte("ping")},
				{"EchoLarge", "POST", "/echo", makeBody(900 << 10), 200, makeBody(900 << 10)},
				{"BigResponse", "GET", "/big?n=3000000", nil, 200, makeBody(3000000)},
				{"Head", "HEAD", "/big?n=5", nil, 200, nil},
				{"Early", "POST", "/early", makeBody(100000), 403, []byte("forbidden\n")},
				{"Slow", "GET", "/slow?ms=50", nil, 200, []byte("slow")},
				{"TooLarge", "POST", "/echo", makeBody(2 << 20), 413, nil},
				{"TooLargeStreamed", "POST", "/echo", makeBody(2 << 20), 413, nil},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					var body *bytes.Reader
					if tt.body != nil {
						body = bytes.NewReader(tt.body)
					}
					req, _ := http.NewRequest(tt.method, ts.url(tt.path), nil)
					if body != nil {
						req, _ = http.NewRequest(tt.method, ts.url(tt.path), body)
					}
					if strings.HasSuffix(tt.name, "Streamed") {
						req, _ = http.NewRequest(tt.method, ts.url(tt.path), io.MultiReader(body))
					}
					resp, err := c.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					got := readAll(t, resp)
					if resp.StatusCode != tt.status {
						t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
					}
					if tt.want != nil && !bytes.Equal(got, tt.want) {
						t.Fatalf("body %d bytes %.40q, want %d bytes", len(got), got, len(tt.want))
					}
					if tt.method == "HEAD" && (len(got) != 0 || resp.ContentLength != 5) {
						t.Fatalf("HEAD: body %q, content-length %d", got, resp.ContentLength)
					}
					if resp.ProtoMajor != 2 {
						t.Fatalf("proto %s", resp.Proto)
					}
				})
			}
		})
	}
}
