package integration

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDiffAnswers checks the comparison the differential suite rests on:
// what two correct servers may differ in passes, what an app would see
// differently does not.
func TestDiffAnswers(t *testing.T) {
	answer := func(status int, body string, kv ...string) diffAnswer {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return diffAnswer{status: status, header: h, body: []byte(body)}
	}
	base := answer(200, "hello", "Content-Type", "text/plain", "Date", "Mon, 07 Dec 2026 06:00:00 GMT",
		"Server", "deno", "Content-Length", "5", "Vary", "Origin", "Vary", "Accept", "Set-Cookie", "a=1", "Set-Cookie", "b=2")
	for _, tc := range []struct {
		name  string
		other diffAnswer
		want  string // a substring of the differences; "" for none
	}{
		{"same but date, server, length, request ID and split field lines", answer(200, "hello", "Content-Type", "text/plain",
			"Date", "Tue, 08 Dec 2026 00:00:00 GMT", "X-Request-Id", "r1", "Vary", "Origin, Accept", "Set-Cookie", "a=1", "Set-Cookie", "b=2"), ""},
		{"status", answer(201, "hello", "Content-Type", "text/plain", "Vary", "Origin, Accept", "Set-Cookie", "a=1", "Set-Cookie", "b=2"), "status: deno 200, peer 201"},
		{"content type", answer(200, "hello", "Content-Type", "text/plain; charset=utf-8", "Vary", "Origin, Accept", "Set-Cookie", "a=1", "Set-Cookie", "b=2"), "header content-type"},
		{"a missing header", answer(200, "hello", "Content-Type", "text/plain", "Set-Cookie", "a=1", "Set-Cookie", "b=2"), `header vary: deno "Origin, Accept", peer (absent)`},
		{"cookies combined", answer(200, "hello", "Content-Type", "text/plain", "Vary", "Origin, Accept", "Set-Cookie", "a=1, b=2"), "header set-cookie"},
		{"cookies reordered", answer(200, "hello", "Content-Type", "text/plain", "Vary", "Origin, Accept", "Set-Cookie", "b=2", "Set-Cookie", "a=1"), "header set-cookie"},
		{"body", answer(200, "hellO", "Content-Type", "text/plain", "Vary", "Origin, Accept", "Set-Cookie", "a=1", "Set-Cookie", "b=2"), "first difference at byte 4"},
		{"empty body", answer(200, "", "Content-Type", "text/plain", "Vary", "Origin, Accept", "Set-Cookie", "a=1", "Set-Cookie", "b=2"), "peer 0 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(diffAnswers(base, tc.other, "peer"), "\n")
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("differences:\n%s\nwant %q", got, tc.want)
			}
		})
	}
}

// TestSSEEvents checks that event streams are split as the EventSource
// parser splits them, whatever the line endings.
func TestSSEEvents(t *testing.T) {
	got := sseEvents([]byte(": hi\r\n\r\nid: 1\ndata: a\n\nevent: e\rdata: b\r\r"))
	want := []string{": hi", "id: 1\ndata: a", "event: e\ndata: b"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("sseEvents = %q, want %q", got, want)
	}
	d := diffAnswer{status: 200, header: http.Header{"Content-Type": {"text/event-stream"}}, body: []byte("data: 1\n\ndata: 2\n\n")}
	v := diffAnswer{status: 200, header: http.Header{"Content-Type": {"text/event-stream"}}, body: []byte("data: 1\n\n")}
	if diffs := strings.Join(diffAnswers(d, v, "peer"), "\n"); !strings.Contains(diffs, `event 1: deno "data: 2", peer ""`) {
		t.Fatalf("a missing event is not named:\n%s", diffs)
	}
}

// TestDiffOrigin checks that each peer's own origin reads alike in both
// answers, and nothing else is rewritten.
func TestDiffOrigin(t *testing.T) {
	h := ownOrigin(http.Header{"Www-Authenticate": {`Bearer realm="http://127.0.0.1:10001/a"`}, "Location": {"http://127.0.0.1:10002/b"}}, "http://127.0.0.1:10001")
	if got := h.Get("Www-Authenticate"); got != `Bearer realm="{{ORIGIN}}/a"` {
		t.Errorf("own origin not replaced: %q", got)
	}
	if got := h.Get("Location"); got != "http://127.0.0.1:10002/b" {
		t.Errorf("another origin replaced: %q", got)
	}
}

// TestReadEvents checks how a Streamed answer is timed: from the read that
// completes the first event to the end of the stream, whatever the chunks.
func TestReadEvents(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   time.Duration // each Read takes a second of the fake clock
	}{
		{"streamed", []string{"data: 1\n", "\n", "data: 2\n\n"}, 2 * time.Second},
		{"first event split at CRLF", []string{"data: 1\r\n\r", "\n", "data: 2\n\n"}, 2 * time.Second},
		{"buffered: everything in one read", []string{"data: 1\n\ndata: 2\n\n"}, time.Second},
		{"no event", []string{"data: 1"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := time.Unix(0, 0)
			r := &chunkReader{chunks: tc.chunks, tick: func() { clock = clock.Add(time.Second) }}
			got, early, err := readEvents(r, func() time.Time { return clock })
			if err != nil || string(got) != strings.Join(tc.chunks, "") || early != tc.want {
				t.Fatalf("readEvents = %q, %v, %v; want %q, %v", got, early, err, strings.Join(tc.chunks, ""), tc.want)
			}
		})
	}
}

// chunkReader returns one chunk a Read, and io.EOF after the last; each
// Read calls tick first.
type chunkReader struct {
	chunks []string
	tick   func()
}

func (r *chunkReader) Read(p []byte) (int, error) {
	r.tick()
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0])
	r.chunks = r.chunks[1:]
	return n, nil
}

// TestDiffStreamed checks that an answer sent only once its handler ended
// differs from a streamed one, though its bytes are the same.
func TestDiffStreamed(t *testing.T) {
	h := http.Header{"Content-Type": {"text/event-stream"}}
	d := diffAnswer{status: 200, header: h, body: []byte("data: 1\n\n"), early: 1500 * time.Millisecond}
	v := d
	v.early = 3 * time.Millisecond
	if diffs := strings.Join(diffAnswers(d, v, "peer"), "\n"); !strings.Contains(diffs, "streaming: the first event came 1.5s before the end from deno, 3ms from peer") {
		t.Fatalf("a buffered answer is not told apart:\n%s", diffs)
	}
	v.early = 1200 * time.Millisecond
	if diffs := diffAnswers(d, v, "peer"); len(diffs) != 0 {
		t.Fatalf("two streamed answers differ: %q", diffs)
	}
}
