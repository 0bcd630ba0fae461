// Package h2 is Vault's own HTTP/2 server engine: h2c with prior knowledge, or TLS 1.3 with
// ALPN "h2", built directly on golang.org/x/net/http2's Framer and hpack.
//
// # Why not net/http
//
// net/http's HTTP/2 server runs a goroutine per stream and passes every request through several
// channels (reader → serve loop → handler goroutine → write scheduler → writer). For a hello
// world that overhead is most of the cost, it leaves no room for the JavaScript call Vault
// makes per request, and it hides how requests are taken in, where Vault wants a scheduler that
// runs handlers on a bounded set of executor threads. Measured side by side on the 2-vCPU dev
// VM (BenchmarkH2LoadVsNetHTTP: h2load -c 16 -m 16 -n 200000, alternating, 3 rounds, a shared
// and noisy machine), this engine serves 7–9× net/http's hello-world requests/s (≈ 110–190k vs
// ≈ 14–25k req/s), and still 7–8× when handlers answer from other goroutines. Server-side cost
// is ≈ 8 allocations (1.2 KB) per request (BenchmarkServeHelloRaw), handler's own included.
//
// # Threading model
//
// Per connection there are exactly two goroutines, whatever the number of streams (plus one
// per streamed response while it is being read, see below):
//
//   - The reader (conn.serve) reads frames with http2.Framer through a 32 KiB bufio.Reader,
//     decodes header blocks with one hpack.Decoder, applies every frame to the connection state,
//     and calls Handler.Route and Handler.Serve inline. It owns the receive side: header
//     blocks, and request bodies until handlers take them (BodyStream reads come from the
//     handlers' goroutines, under conn.mu).
//   - The writer (conn.writeLoop) owns the socket's write side. Whoever produces output — the
//     reader (SETTINGS/PING acks, WINDOW_UPDATE, RST_STREAM, engine answers), Request.Respond on
//     any goroutine, the stall timer — appends encoded frames to conn.out under conn.mu and
//     wakes the writer, which swaps conn.out for a spare buffer and writes it in one Write. Under
//     load, many responses share one syscall. Nobody but the writer ever blocks on the socket,
//     so Respond never blocks on the network.
//
// The reader defers waking the writer while more frames are already buffered (readerBatch):
// the 16 requests h2load pipelines arrive in one read and their 16 responses leave in one write.
//
// conn.mu guards everything shared: the stream map, each stream's send state (window, pending
// body, closed flags, context), the HPACK encoder, the output buffer. Locks are short (no I/O
// under mu); a hello-world request takes it three times.
//
// # Streams and flow control
//
// A stream is created when its header block completes; it leaves the map when both sides are
// closed or it is reset, and only then stops counting toward MaxConcurrentStreams. Streams that
// the client reset while their handler still runs keep counting (conn.unanswered), so a
// rapid-reset client cannot make us run more than MaxConcurrentStreams handlers at once.
//
// Response bodies are not copied at Respond: the stream keeps a reference (st.pending) and
// scheduleLocked moves DATA into conn.out as the peer's stream and connection windows and a
// 256 KiB cap on queued DATA allow — called after Respond, WINDOW_UPDATE, SETTINGS and each
// write. A body larger than the windows waits in its stream; nothing blocks.
//
// A streamed response (Response.Stream) goes the same way, one chunk at a time: a pump
// goroutine per stream reads a chunk into st.pending and reads the next only once that one is
// in conn.out, so a client that does not open its windows stalls the producer (and
// StallTimeout resets it), and the engine closes the stream once, at EOF, error, reset or
// connection end. A stream that already holds its whole body when the handler responds
// (Buffered: a short stream its producer finished at once) skips the pump: its body goes out
// as Body does, without a content-length.
//
// Request bodies: Serve runs when a request's header block is complete, once the reader has
// applied the frames already buffered behind it (the end of its batch), so a small body sent
// with its headers still arrives whole in Request.Body; otherwise Request.BodyStream delivers
// it as it comes. Buffered body bytes count against MaxConnBodyBuffer and the Server's
// MaxBodyBuffer; a stream's window is returned only as its handler reads, and the connection's
// only as far as buffered + granted stays within the connection's budget, so a handler that
// does not read pins at most its stream's window and a connection at most its budget
// (body.go). BodyReadTimeout cuts a body that stops coming while its handler waits (408).
//
// # Protections
//
//   - ReadHeaderTimeout bounds the handshake, the preface and first SETTINGS, and each header
//     block spanning CONTINUATION frames; a block is also capped at 64 frames and
//     max(64 KiB, 4×MaxHeaderListSize) bytes (CONTINUATION flood → GOAWAY ENHANCE_YOUR_CALM).
//     Oversized header lists are still decoded (to keep HPACK in sync) but not stored, and
//     answered 431.
//   - MaxResetsPerSecond (client RST_STREAM on open streams) and MaxControlPerSecond (PING,
//     SETTINGS, PRIORITY, useless WINDOW_UPDATE, empty DATA) → GOAWAY ENHANCE_YOUR_CALM.
//   - StallTimeout: a response held at a zero window is reset (RST_STREAM CANCEL); a connection
//     whose writes block is closed (write deadline); unwritten non-DATA output beyond 4 MiB
//     closes the connection.
//   - IdleTimeout: no open stream for that long → GOAWAY NO_ERROR and close.
//
// # Deviations and choices
//
// HEAD, 204 and 304 responses carry no DATA (Response.NoBody is implied for them); 204 and 304
// carry no content-length. Request trailers are validated and dropped. CONNECT is answered 405
// (no tunnels). The Host field is not in Request.Header (it fills Authority when :authority
// is absent). Response statuses outside 200..599 become 500 (no 1xx responses).
package h2
