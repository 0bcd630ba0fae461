package h2

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// helloHandler answers every request inline with "hello world".
type helloHandler struct{}

func (helloHandler) Route(*Request) (int64, *Response) { return 1 << 20, nil }
func (helloHandler) Serve(r *Request) {
	r.Respond(&Response{Status: 200, Body: helloBody, Header: http.Header{"Content-Type": {"text/plain"}}})
}

// asyncHello hands requests to two worker goroutines that Respond, as Vault's executors will.
type asyncHello struct{ ch chan *Request }

func newAsyncHello(tb testing.TB) asyncHello {
	h := asyncHello{make(chan *Request, 1024)}
	for range 2 {
		go func() {
			for r := range h.ch {
				helloHandler{}.Serve(r)
			}
		}()
	}
	tb.Cleanup(func() { close(h.ch) })
	return h
}

func (h asyncHello) Route(*Request) (int64, *Response) { return 1 << 20, nil }
func (h asyncHello) Serve(r *Request)                  { h.ch <- r }

// startNetHTTP starts net/http's own h2c server (HTTP/1 off) with the same trivial handler.
func startNetHTTP(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write(helloBody)
		}),
		Protocols: new(http.Protocols),
	}
	srv.Protocols.SetUnencryptedHTTP2(true)
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// benchHello runs b.N GETs from parallel goroutines over one HTTP/2 connection.
func benchHello(b *testing.B, url string, c *http.Client) {
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := c.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

func BenchmarkServeHello(b *testing.B) {
	ts := startServer(b, Config{}, helloHandler{}, false)
	benchHello(b, ts.url("/"), ts.client())
}

func BenchmarkNetHTTPHello(b *testing.B) {
	addr := startNetHTTP(b)
	ts := &testServer{addr: addr}
	benchHello(b, ts.url("/"), ts.client())
}

var h2loadReqs = regexp.MustCompile(`finished in [^,]+, ([0-9.]+) req/s`)

// h2load runs h2load -c 16 -m 16 against addr and returns requests/s.
func h2load(b *testing.B, addr string, n int) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "h2load", "-c", "16", "-m", "16", "-n", strconv.Itoa(n), "http://"+addr+"/").CombinedOutput()
	m := h2loadReqs.FindSubmatch(out)
	if err != nil || m == nil {
		b.Fatalf("h2load: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, 0 failed`).Match(out) {
		b.Fatalf("h2load had failures:\n%s", out)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// BenchmarkH2LoadVsNetHTTP compares this engine (answering inline, and from two worker
// goroutines) with net/http's h2c server under h2load, alternating three rounds. Run with
// -benchtime=1x.
func BenchmarkH2LoadVsNetHTTP(b *testing.B) {
	if _, err := exec.LookPath("h2load"); err != nil {
		b.Skip("h2load not installed")
	}
	ours := startServer(b, Config{}, helloHandler{}, false).addr
	asyncSrv := startServer(b, Config{}, newAsyncHello(b), false)
	async := asyncSrv.addr
	theirs := startNetHTTP(b)
	n := 200000
	for _, a := range []string{ours, async, theirs} {
		h2load(b, a, 10000) // warm up
	}
	var sumOurs, sumAsync, sumTheirs float64
	before := asyncSrv.srv.Stats()
	for range b.N {
		for round := 0; round < 3; round++ {
			o := h2load(b, ours, n)
			a := h2load(b, async, n)
			t := h2load(b, theirs, n)
			b.Logf("round %d: vault/h2 %.0f req/s (async %.0f), net/http %.0f req/s, ratio %.2f (async %.2f)",
				round, o, a, t, o/t, a/t)
			sumOurs += o
			sumAsync += a
			sumTheirs += t
		}
	}
	after := asyncSrv.srv.Stats()
	b.ReportMetric(sumOurs/float64(3*b.N), "vault-req/s")
	b.ReportMetric(sumAsync/float64(3*b.N), "vault-async-req/s")
	b.ReportMetric(sumTheirs/float64(3*b.N), "nethttp-req/s")
	b.ReportMetric(sumOurs/sumTheirs, "ratio")
	b.ReportMetric(sumAsync/sumTheirs, "ratio-async")
	// Responses per socket write when other goroutines answer, as the edge's executors do:
	// how well the writer batches.
	b.ReportMetric(float64(after.Requests-before.Requests)/float64(max(1, after.Writes-before.Writes)), "async-req/write")
}

// BenchmarkServeHelloRaw measures the server alone: one connection, requests pipelined 16 at a
// time from pre-encoded frames (as h2load does), responses counted without decoding them.
func BenchmarkServeHelloRaw(b *testing.B) { benchServeRaw(b, helloHandler{}) }

// BenchmarkServeHeadersRaw is BenchmarkServeHelloRaw with an edge function's response header
// set: a few literals of the function's, and a request ID unique to each response.
func BenchmarkServeHeadersRaw(b *testing.B) {
	var n atomic.Int64
	benchServeRaw(b, &funcHandler{serve: func(r *Request) {
		r.Respond(&Response{Status: 200, Body: helloBody, Header: http.Header{
			"Content-Type":  {"text/plain; charset=utf-8"},
			"Cache-Control": {"no-store"},
			"X-Bench":       {"hello-url"},
			"X-Request-Id":  {"0123456789abcdef" + strconv.FormatInt(n.Add(1), 36)},
		}})
	}})
}

func benchServeRaw(b *testing.B, h Handler) {
	ts := startServer(b, Config{}, h, false)
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	rc := newRaw(b, nc, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 30})
	nc.SetDeadline(time.Time{})
	rc.fr.WriteWindowUpdate(0, 1<<30)
	first := rc.headerBlock("GET", "/", "user-agent", "bench")
	again := rc.headerBlock("GET", "/", "user-agent", "bench") // all indexed now
	frame := func(dst []byte, id uint32, block []byte) []byte {
		return append(appendFrameHeader(dst, len(block), http2.FrameHeaders,
			http2.FlagHeadersEndHeaders|http2.FlagHeadersEndStream, id), block...)
	}

	done := make(chan int)
	go func() {
		br := bufio.NewReaderSize(nc, 64<<10)
		var hdr [9]byte
		n := 0
		for n < b.N {
			if _, err := io.ReadFull(br, hdr[:]); err != nil {
				break
			}
			l := int(hdr[0])<<16 | int(hdr[1])<<8 | int(hdr[2])
			br.Discard(l)
			if http2.FrameType(hdr[3]) == http2.FrameData && hdr[4]&byte(http2.FlagDataEndStream) != 0 {
				n++
				if n%16 == 0 {
					done <- n
				}
			}
		}
		close(done)
	}()

	b.ReportAllocs()
	b.ResetTimer()
	id := uint32(1)
	var buf []byte
	sent := 0
	for sent < b.N {
		buf = buf[:0]
		batch := min(16, b.N-sent)
		for range batch {
			blk := again
			if id == 1 {
				blk = first
			}
			buf = frame(buf, id, blk)
			id += 2
		}
		if _, err := nc.Write(buf); err != nil {
			b.Fatal(err)
		}
		sent += batch
		if batch == 16 {
			if _, ok := <-done; !ok {
				b.Fatal("connection ended")
			}
		}
	}
	for range done {
	}
}

// BenchmarkBufferedResponse measures a 1 MiB buffered response (Response.Body) to net/http's
// client over h2c, to compare with BenchmarkStreamedResponse.
func BenchmarkBufferedResponse(b *testing.B) {
	const size = 1 << 20
	body := make([]byte, size)
	ts := startServer(b, Config{}, &funcHandler{serve: func(r *Request) {
		r.Respond(&Response{Body: body})
	}}, false)
	c := ts.client()
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		resp, err := c.Get(ts.url("/"))
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if n != size {
			b.Fatalf("got %d bytes", n)
		}
	}
}

// BenchmarkFollowStream compares two ways for a handler to make a cancelable context that
// follows its stream: deriving it from Request.Context, and CancelOnReset.
func BenchmarkFollowStream(b *testing.B) {
	got := make(chan *Request, 1)
	ts := startServer(b, Config{}, &funcHandler{serve: func(r *Request) { got <- r }}, false)
	rc := dialRaw(b, ts.addr)
	rc.request(1, "GET", "/", true)
	req := <-got
	b.Run("Derived", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_, cancel := context.WithCancelCause(req.Context())
			cancel(nil)
		}
	})
	b.Run("CancelOnReset", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_, cancel := context.WithCancelCause(context.Background())
			req.CancelOnReset(cancel)
			cancel(nil)
		}
	})
	req.Respond(&Response{Status: 204})
}

// BenchmarkWriteResponse measures the engine's encoding of one response (HPACK and framing)
// with an edge function's header set, without the network: Respond's work under conn.mu.
func BenchmarkWriteResponse(b *testing.B) {
	srv := NewServer(Config{}, helloHandler{}, nil)
	c := srv.newConn(&net.TCPConn{})
	hdr := http.Header{
		"Content-Type":  {"text/plain; charset=utf-8"},
		"Cache-Control": {"no-store"},
		"X-Bench":       {"hello-url"},
		"X-Request-Id":  {"0123456789abcdef01234567"},
	}
	resp := &Response{Status: 200, Body: helloBody, Header: hdr}
	b.ReportAllocs()
	for i := range b.N {
		st := &stream{c: c, id: uint32(2*i + 1), recvClosed: true, sendWindow: 1 << 20}
		st.req.Method = "GET"
		c.mu.Lock()
		c.streams[st.id] = st
		c.out, c.sendWindow = c.out[:0], 1<<30
		c.writeResponseLocked(st, resp)
		c.mu.Unlock()
	}
}
