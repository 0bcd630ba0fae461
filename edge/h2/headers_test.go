package h2

import (
	"net/http"
	"reflect"
	"testing"

	"golang.org/x/net/http2"
)

func TestRequestFields(t *testing.T) {
	got := make(chan *Request, 1)
	ts := startServer(t, Config{}, &funcHandler{serve: func(r *Request) {
		got <- r
		r.Respond(&Response{Status: 204})
	}}, false)
	rc := dialRaw(t, ts.addr)
	rc.hbuf.Reset()
	rc.request(1, "GET", "/p?q=1", true, "cookie", "a=1", "x-multi", "1", "cookie", "b=2", "x-multi", "2", "accept-encoding", "gzip")
	if s := rc.status(1); s != "204" {
		t.Fatalf("status %s", s)
	}
	r := <-got
	want := http.Header{"Cookie": {"a=1; b=2"}, "X-Multi": {"1", "2"}, "Accept-Encoding": {"gzip"}}
	if r.Method != "GET" || r.Path != "/p?q=1" || r.Scheme != "http" || r.Authority != "vault.test" || r.TLS ||
		!reflect.DeepEqual(r.Header, want) || !r.RemoteAddr.IsValid() {
		t.Fatalf("got %+v", r)
	}
}

func TestMalformedRequests(t *testing.T) {
	ts := startServer(t, Config{}, &testHandler{}, false)
	tests := []struct {
		name   string
		fields []string // after the four pseudo-headers
	}{
		{"ErrUppercaseName", []string{"X-Upper", "1"}},
		{"ErrConnectionHeader", []string{"connection", "keep-alive"}},
		{"ErrTransferEncoding", []string{"transfer-encoding", "chunked"}},
		{"ErrTENotTrailers", []string{"te", "gzip"}},
		{"ErrPseudoAfterRegular", []string{"x-a", "1", ":path", "/again"}},
		{"ErrResponsePseudo", []string{":status", "200"}},
		{"ErrHostMismatch", []string{"host", "other.test"}},
		{"ErrBadContentLength", []string{"content-length", "12a"}},
		{"ErrContentLengthNoBody", []string{"content-length", "5"}},
		{"ErrInvalidValue", []string{"x-a", "line\nbreak"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := dialRaw(t, ts.addr)
			rc.request(1, "GET", "/", true, tt.fields...)
			f := rc.readUntil("RST_STREAM", func(f http2.Frame) bool {
				if h, ok := f.(*http2.MetaHeadersFrame); ok {
					t.Fatalf("answered %s", h.PseudoValue("status"))
				}
				_, ok := f.(*http2.RSTStreamFrame)
				return ok
			})
			if code := f.(*http2.RSTStreamFrame).ErrCode; code != http2.ErrCodeProtocol {
				t.Fatalf("RST_STREAM %v", code)
			}
		})
	}
}
