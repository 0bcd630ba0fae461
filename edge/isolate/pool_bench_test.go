package isolate

import (
	"context"
	"io"
	"runtime"
	"testing"
)

// BenchmarkStreamBursts is bursts of 64 streamed responses at once, each
// holding its instance until the test ends its request body: the cost of
// a burst includes building the instances the pool did not keep from the
// one before.
func BenchmarkStreamBursts(b *testing.B) {
	p := compileBench(b, `return {default:{fetch(r){ return new Response(r.body) }}}`)
	const burst = 64
	writers := make([]*io.PipeWriter, burst)
	streams := make([]io.ReadCloser, burst)
	b.ReportAllocs()
	for b.Loop() {
		for i := range burst {
			pr, pw := io.Pipe()
			resp, err := p.Invoke(context.Background(), &Request{ID: "s", Method: "POST", URL: "http://x/", BodyStream: pr})
			if err != nil {
				b.Fatal(err)
			}
			writers[i], streams[i] = pw, resp.Stream
		}
		for i := range burst {
			_ = writers[i].Close()
			if _, err := io.ReadAll(streams[i]); err != nil {
				b.Fatal(err)
			}
		}
		for live, idle := p.Isolates(); live != idle; live, idle = p.Isolates() {
			runtime.Gosched() // the pumps hand their instances back
		}
	}
}
