package isolate

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/edge/osthread"
	"github.com/vault-runtime/vault/schemas"
)

// jsCodecPrologue gives a module compress/decompress helpers over the
// stream classes, working in hex so bytes pass through a text body.
const jsCodecPrologue = `
const fromHex = (h) => Uint8Array.from({ length: h.length / 2 }, (_, i) => parseInt(h.substr(i * 2, 2), 16));
const toHex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, "0")).join("");
const run = async (stream, chunks) => {
  const w = stream.writable.getWriter();
  for (const c of chunks) w.write(c).catch(() => {});
  w.close().catch(() => {});
  const parts = [];
  const r = stream.readable.getReader();
  for (;;) { const { value, done } = await r.read(); if (done) break; parts.push(value); }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
};
`

// jsCodec runs one compression or decompression of input in a function
// and returns the output, or the error the stream failed with.
func jsCodec(t *testing.T, class, format string, input []byte, limits schemas.Limits) ([]byte, string) {
	t.Helper()
	src := jsCodecPrologue + `return {default:{async fetch(r){
		const input = fromHex(await r.text());
		try {
			return new Response("ok " + toHex(await run(new ` + class + `("` + format + `"), [input.subarray(0, 7), input.subarray(7)])));
		} catch (e) { return new Response("err " + e.name + ": " + e.message) }
	}}}`
	resp, err := invoke(t, compile(t, src, limits), "POST", hex.EncodeToString(input))
	if err != nil {
		return nil, err.Error()
	}
	body := string(resp.Body)
	if h, ok := strings.CutPrefix(body, "ok "); ok {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		return b, ""
	}
	return nil, body
}

func goDecompress(format string, b []byte) ([]byte, error) {
	var r io.Reader
	var err error
	switch format {
	case "gzip":
		r, err = gzip.NewReader(bytes.NewReader(b))
	case "deflate":
		r, err = zlib.NewReader(bytes.NewReader(b))
	default:
		r = flate.NewReader(bytes.NewReader(b))
	}
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func goCompress(t *testing.T, format string, level int, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch format {
	case "gzip":
		var z *gzip.Writer
		z, err = gzip.NewWriterLevel(&buf, level)
		if err == nil {
			// Header fields a decompressor must skip.
			z.Name, z.Comment, z.Extra, z.ModTime = "file.txt", "a comment", []byte("xx"), time.Unix(1700000000, 0)
		}
		w = z
	case "deflate":
		w, err = zlib.NewWriterLevel(&buf, level)
	default:
		w, err = flate.NewWriter(&buf, level)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCompressionStreamInteropWithGo: what CompressionStream makes, Go's
// standard decompressors (which read what Deno and browsers make) read
// back, and DecompressionStream reads what Go's compressors make at every
// level, gzip header fields included.
func TestCompressionStreamInteropWithGo(t *testing.T) {
	input := []byte(strings.Repeat("streams round trip ✓ ", 400) + "end")
	for _, format := range []string{"gzip", "deflate", "deflate-raw"} {
		t.Run(format, func(t *testing.T) {
			out, jsErr := jsCodec(t, "CompressionStream", format, input, schemas.Limits{})
			if jsErr != "" {
				t.Fatal(jsErr)
			}
			if len(out) >= len(input)/4 {
				t.Errorf("compressed %d bytes to %d", len(input), len(out))
			}
			back, err := goDecompress(format, out)
			if err != nil || !bytes.Equal(back, input) {
				t.Fatalf("Go cannot read CompressionStream's %s: %v", format, err)
			}
			for _, level := range []int{flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression, flate.HuffmanOnly} {
				got, jsErr := jsCodec(t, "DecompressionStream", format, goCompress(t, format, level, input), schemas.Limits{})
				if jsErr != "" || !bytes.Equal(got, input) {
					t.Fatalf("level %d: DecompressionStream got %d bytes, %s", level, len(got), jsErr)
				}
			}
		})
	}
}

// TestDecompressionStreamErrorsAreTypeErrors: corrupt and trailing data
// fail the stream with a TypeError naming what is wrong.
func TestDecompressionStreamErrorsAreTypeErrors(t *testing.T) {
	good := goCompress(t, "gzip", flate.DefaultCompression, []byte("hello"))
	corrupt := append([]byte(nil), good...)
	corrupt[len(corrupt)-5] ^= 0xff // the CRC
	tests := []struct {
		name, want string
		input      []byte
	}{
		{"Trailing", "err TypeError: there is data after the end of the compressed stream", append(append([]byte(nil), good...), "garbage"...)},
		{"Checksum", "err TypeError: the compressed data is not valid: gzip: invalid checksum", corrupt},
		{"Truncated", "err TypeError: the compressed data ended early", good[:len(good)-3]},
		{"NotGzip", "err TypeError: the compressed data is not valid: gzip: invalid header", []byte("plain text, not gzip")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := jsCodec(t, "DecompressionStream", "gzip", tt.input, schemas.Limits{}); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDecompressionBombHitsTheMemoryLimit: output is charged against the
// invocation's memory limit as it is made, so a small input that expands
// without bound fails the invocation instead of the node. The function
// only counts the output, so nothing but the decompressor's own charge
// can trip the limit before it is all made.
func TestDecompressionBombHitsTheMemoryLimit(t *testing.T) {
	bomb := goCompress(t, "gzip", flate.BestSpeed, make([]byte, 24<<20))
	if len(bomb) > 256<<10 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	src := jsCodecPrologue + `return {default:{async fetch(r){
		const ds = new DecompressionStream("gzip");
		const w = ds.writable.getWriter();
		w.write(fromHex(await r.text())).catch(() => {});
		w.close().catch(() => {});
		let n = 0;
		const reader = ds.readable.getReader();
		for (;;) { const { value, done } = await reader.read(); if (done) break; n += value.length; }
		return new Response("read " + n);
	}}}`
	// Roomy time limits: the memory limit is what must stop it.
	p := compile(t, src, schemas.Limits{MemoryMB: 16, CPUMillis: 120000, WallMillis: 120000})
	resp, err := invoke(t, p, "POST", hex.EncodeToString(bomb))
	// The charge or the heap sampler, whichever sees it first.
	if !errors.Is(err, ErrMemory) {
		t.Fatalf("got %v %q, want the memory limit", err, respBody(resp))
	}
}

// TestInflaterChargesOutputAsItIsMade: push hands each piece of output to
// charge before keeping it, so a charge that throws (as inst.charge does
// over the limit) stops the decompression after the first piece over,
// and ends the reader goroutine.
func TestInflaterChargesOutputAsItIsMade(t *testing.T) {
	bomb := goCompress(t, "gzip", flate.BestSpeed, make([]byte, 8<<20))
	h, err := newInflater("gzip")
	if err != nil {
		t.Fatal(err)
	}
	type overLimit struct{}
	var charged float64
	func() {
		defer func() {
			if r := recover(); r != (overLimit{}) {
				t.Fatalf("push did not stop at the charge: recovered %v", r)
			}
		}()
		_, _ = h.push(bomb, meter{bytes: func(n float64) {
			charged += n
			if charged > 1<<20 {
				panic(overLimit{})
			}
		}})
	}()
	if charged > 1<<20+64<<10 {
		t.Fatalf("charged %v bytes, want it to stop just over 1 MiB", charged)
	}
	select {
	case <-h.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the reader goroutine did not end after the charge failed")
	}
}

func respBody(r *Response) string {
	if r == nil {
		return ""
	}
	return string(r.Body)
}

// TestInflaterGoroutineEnds: a decompressor's goroutine ends when the
// stream is closed, and when the stream is dropped without finishing.
func TestInflaterGoroutineEnds(t *testing.T) {
	h, err := newInflater("gzip")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.push([]byte{0x1f, 0x8b}, meter{}); err != nil {
		t.Fatal(err)
	}
	h.close()
	select {
	case <-h.exited:
	default:
		t.Fatal("close returned with the goroutine still running")
	}
	if _, err := h.push([]byte{1}, meter{}); err == nil {
		t.Fatal("push after close worked")
	}

	dropped := func() chan struct{} {
		h, err := newInflater("deflate-raw")
		if err != nil {
			t.Fatal(err)
		}
		return h.exited
	}()
	deadline := time.After(10 * time.Second)
	for {
		runtime.GC()
		select {
		case <-dropped:
			return
		case <-deadline:
			t.Fatal("the goroutine of a dropped inflater never ended")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestDecompressionCPUIsMetered: the decompressor works on a goroutine of
// its own, whose thread's CPU the watchdog does not read; collect hands
// that goroutine's CPU time to the meter (the invocation's watchdog, via
// addCPU), so decompression cannot escape the CPU limit.
func TestDecompressionCPUIsMetered(t *testing.T) {
	gz := goCompress(t, "gzip", flate.BestSpeed, bytes.Repeat([]byte("0123456789abcdef"), 4<<20))
	h, err := newInflater("gzip")
	if err != nil {
		t.Fatal(err)
	}
	var cpu time.Duration
	m := meter{cpu: func(d time.Duration) { cpu += d }}
	start := osthread.Self()
	for i := 0; i < len(gz); i += 4096 {
		if _, err := h.push(gz[i:min(i+4096, len(gz))], m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.finish(m); err != nil {
		t.Fatal(err)
	}
	own := osthread.Self() - start
	// 64 MiB of output takes tens of ms to make; the calling thread only
	// waits and copies.
	if cpu < 5*time.Millisecond {
		t.Fatalf("metered %v of decompressor CPU for 64 MiB (the caller's own thread used %v)", cpu, own)
	}
}

// TestAddCPUTripsTheLimit: CPU added from another thread counts at once.
func TestAddCPUTripsTheLimit(t *testing.T) {
	captureHosts = func(inst *instance, _ *goja.Object) {
		_ = inst.vm.Set("__addCPU", func() { inst.watch.addCPU(time.Second) })
	}
	defer func() { captureHosts = nil }()
	p := compile(t, `return {default:{fetch(){ __addCPU(); return new Response("not stopped") }}}`, schemas.Limits{CPUMillis: 50, WallMillis: 60000})
	resp, err := invoke(t, p, "GET", "")
	if !errors.Is(err, ErrCPUTime) {
		t.Fatalf("got %v %q, want the CPU limit", err, respBody(resp))
	}
}

// TestIdleInflatersHoldNoThreads: a decompressor waiting for input has
// let its OS thread go, so many open DecompressionStreams do not pin as
// many threads.
func TestIdleInflatersHoldNoThreads(t *testing.T) {
	gz := goCompress(t, "gzip", flate.BestSpeed, []byte("hello"))
	before := pprof.Lookup("threadcreate").Count()
	var open []*inflater
	for range 300 {
		h, err := newInflater("gzip")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.push(gz[:12], meter{}); err != nil {
			t.Fatal(err)
		}
		open = append(open, h)
	}
	grown := pprof.Lookup("threadcreate").Count() - before
	for _, h := range open {
		h.close()
	}
	if grown > 100 {
		t.Fatalf("300 idle decompressors made %d threads", grown)
	}
}

func TestCodecRejectsUnknownFormats(t *testing.T) {
	if _, err := newInflater("br"); !errors.Is(err, errFormat) {
		t.Fatalf("inflater: %v", err)
	}
	if _, err := newDeflater("zstd"); !errors.Is(err, errFormat) {
		t.Fatalf("deflater: %v", err)
	}
}
