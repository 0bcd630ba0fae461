package h2

import (
	"net/http"
	"strconv"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// TestResponseHeaderEncoding sends responses whose fields mix repeats (memoized), new values
// (inserted into the dynamic table, which renumbers it) and unique request IDs, across a
// peer's change of its table size, and checks that a standard decoder reads every field back.
// A memo that replayed indices after an insertion, or ahead of a table size update, fails it.
func TestResponseHeaderEncoding(t *testing.T) {
	ts := startServer(t, Config{}, &funcHandler{serve: func(r *Request) {
		i, _ := strconv.Atoi(r.Path[1:])
		r.Respond(&Response{
			Status: []int{200, 200, 404, 201}[i%4],
			Header: http.Header{
				"Content-Type": {"text/plain"},
				"X-N":          {strconv.Itoa(i % 7)},
				"X-Every":      {strconv.Itoa(i / 5)},
				"X-Request-Id": {"req-" + strconv.Itoa(i)},
			},
			Body: make([]byte, i%3),
		})
	}}, false)
	rc := dialRaw(t, ts.addr)
	id := uint32(1)
	for i := range 300 {
		switch i {
		case 100: // the peer shrinks its table to nothing
			rc.hdec.SetAllowedMaxDynamicTableSize(0)
			if err := rc.fr.WriteSettings(http2.Setting{ID: http2.SettingHeaderTableSize, Val: 0}); err != nil {
				t.Fatal(err)
			}
		case 200: // and lets it grow again, to less than before
			rc.hdec.SetAllowedMaxDynamicTableSize(1024)
			if err := rc.fr.WriteSettings(http2.Setting{ID: http2.SettingHeaderTableSize, Val: 1024}); err != nil {
				t.Fatal(err)
			}
		}
		if err := rc.request(id, "GET", "/"+strconv.Itoa(i), true); err != nil {
			t.Fatal(err)
		}
		f := rc.readUntil("response headers", func(f http2.Frame) bool {
			if ga, ok := f.(*http2.GoAwayFrame); ok {
				t.Fatalf("request %d: GOAWAY %v", i, ga.ErrCode)
			}
			_, ok := f.(*http2.MetaHeadersFrame)
			return ok && f.Header().StreamID == id
		}).(*http2.MetaHeadersFrame)
		if f.Truncated {
			t.Fatalf("request %d: truncated header block", i)
		}
		got := map[string]string{}
		for _, hf := range f.Fields {
			if _, dup := got[hf.Name]; dup {
				t.Fatalf("request %d: %s twice", i, hf.Name)
			}
			got[hf.Name] = hf.Value
		}
		want := map[string]string{
			":status":        strconv.Itoa([]int{200, 200, 404, 201}[i%4]),
			"content-type":   "text/plain",
			"x-n":            strconv.Itoa(i % 7),
			"x-every":        strconv.Itoa(i / 5),
			"x-request-id":   "req-" + strconv.Itoa(i),
			"content-length": strconv.Itoa(i % 3),
			"date":           got["date"],
		}
		if len(got) != len(want) || got["date"] == "" {
			t.Fatalf("request %d: fields %v, want %v", i, got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("request %d: %s = %q, want %q (all: %v)", i, k, got[k], v, got)
			}
		}
		id += 2
	}
}

func TestAppendHpackInt(t *testing.T) {
	// RFC 7541 C.1.1–C.1.3 with a zero flag prefix.
	tests := []struct {
		n    uint
		i    uint64
		want []byte
	}{
		{5, 10, []byte{10}},
		{5, 1337, []byte{31, 154, 10}},
		{8, 42, []byte{42}},
		{7, 127, []byte{127, 0}},
	}
	for _, tt := range tests {
		if got := appendHpackInt(nil, tt.n, tt.i); string(got) != string(tt.want) {
			t.Errorf("appendHpackInt(%d, %d) = %v, want %v", tt.n, tt.i, got, tt.want)
		}
	}
}

// TestRequestIDNotIndexed checks that a unique x-request-id is sent as a literal without
// indexing, so it does not evict reusable entries from the peer's table.
func TestRequestIDNotIndexed(t *testing.T) {
	c := &conn{}
	c.henc = hpack.NewEncoder(&c.hsink)
	c.writeFieldLocked(":status", "200")
	c.writeLiteralLocked("x-request-id", "abc")
	var fields []hpack.HeaderField
	d := hpack.NewDecoder(4096, func(f hpack.HeaderField) { fields = append(fields, f) })
	if _, err := d.Write(c.hsink.b); err != nil {
		t.Fatal(err)
	}
	if len(fields) != 2 || fields[1].Name != "x-request-id" || fields[1].Value != "abc" {
		t.Fatalf("decoded %v", fields)
	}
	// :status 200 is static index 8 (0x88); then 0000 0000: literal without indexing, new name.
	if c.hsink.b[0] != 0x88 || c.hsink.b[1] != 0x00 {
		t.Fatalf("block % x: want 88 00 …", c.hsink.b)
	}
}

// TestTableSizeUpdateOpensBlock checks that after the peer shrinks its table, the next block
// starts with the size update (RFC 7541 §4.2), even when its fields were memoized.
func TestTableSizeUpdateOpensBlock(t *testing.T) {
	c := &conn{}
	c.henc = hpack.NewEncoder(&c.hsink)
	block := func() []byte {
		c.hsink.b = c.hsink.b[:0]
		c.writeFieldLocked(":status", "200")
		c.writeFieldLocked("content-type", "text/plain")
		return append([]byte(nil), c.hsink.b...)
	}
	block()
	if b := block(); len(b) != 2 { // both indexed, the second from the memo
		t.Fatalf("repeated block % x, want two indexed fields", b)
	}
	c.setPeerTableSizeLocked(0)
	if b := block(); b[0] != 0x20 {
		t.Fatalf("block after shrinking the table: % x, want a size update (20) first", b)
	}
}

// TestMemoAnswersRepeatedBlocks checks that a response header set sent again is answered from
// the memo alone (fields of one response must not evict each other), for header sets of the
// edge: a function's literal headers, and the edge's own text answers.
func TestMemoAnswersRepeatedBlocks(t *testing.T) {
	sets := map[string][][2]string{
		"hello-url": {{":status", "200"}, {"content-type", "text/plain; charset=utf-8"},
			{"cache-control", "no-store"}, {"x-bench", "hello-url"}, {"content-length", "18"},
			{"date", "Mon, 07 Dec 2026 20:14:00 GMT"}},
		"hello": {{":status", "200"}, {"content-type", "text/plain;charset=UTF-8"},
			{"content-length", "12"}, {"date", "Mon, 07 Dec 2026 20:14:00 GMT"}},
		"overloaded": {{":status", "503"}, {"content-type", "text/plain; charset=utf-8"},
			{"retry-after", "1"}, {"content-length", "80"}, {"date", "Mon, 07 Dec 2026 20:14:00 GMT"}},
	}
	for name, fields := range sets {
		t.Run(name, func(t *testing.T) {
			c := &conn{}
			c.henc = hpack.NewEncoder(&c.hsink)
			block := func() []byte {
				c.hsink.b = c.hsink.b[:0]
				for _, f := range fields {
					c.writeFieldLocked(f[0], f[1])
				}
				return append([]byte(nil), c.hsink.b...)
			}
			block()
			first, misses := block(), c.memo.misses
			if again := block(); c.memo.misses != misses || string(again) != string(first) {
				t.Fatalf("third block: %d fields missed the memo, bytes % x then % x", c.memo.misses-misses, first, again)
			}
		})
	}
}

// TestMemoKeepsEngineFieldsApart checks that a handler's header named like a field the engine
// writes itself (content-length, here with the same value as the engine's) is still dropped
// once the engine's field is memoized: one content-length, the engine's.
func TestMemoKeepsEngineFieldsApart(t *testing.T) {
	ts := startServer(t, Config{}, &funcHandler{serve: func(r *Request) {
		r.Respond(&Response{Body: []byte("hi"), Header: http.Header{"content-length": {"2"}, ":status": {"200"}}})
	}}, false)
	rc := dialRaw(t, ts.addr)
	for i := range 3 {
		id := uint32(2*i + 1)
		rc.request(id, "GET", "/", true)
		f := rc.readUntil("response headers", func(f http2.Frame) bool {
			_, ok := f.(*http2.MetaHeadersFrame)
			return ok && f.Header().StreamID == id
		}).(*http2.MetaHeadersFrame)
		n := map[string]int{}
		for _, hf := range f.Fields {
			n[hf.Name]++
		}
		if n["content-length"] != 1 || n[":status"] != 1 {
			t.Fatalf("response %d: fields %v", i, f.Fields)
		}
	}
}
