package h2

import "sync/atomic"

// Stats is a snapshot of a Server's counters, for metrics.
type Stats struct {
	OpenConns    int64 // connections being served
	OpenStreams  int64 // streams open or half-closed
	Conns        int64 // connections accepted
	Requests     int64 // request header blocks accepted as streams
	BytesRead    int64 // after TLS
	BytesWritten int64 // after TLS
	Writes       int64 // socket writes: Requests/Writes is the batching factor

	HTTP1Rejected     int64 // HTTP/1.x requests answered 505
	TLSErrors         int64 // failed handshakes, TLS below 1.3
	ProtocolErrors    int64 // other connection errors (GOAWAY PROTOCOL_ERROR, COMPRESSION_ERROR...)
	BadHeaders        int64 // malformed requests reset with PROTOCOL_ERROR
	HeaderTooLarge    int64 // answered 431
	BodyTooLarge      int64 // answered 413
	Refused           int64 // streams refused (concurrency limit, shutting down)
	RapidReset        int64 // GOAWAY for too many client resets
	ContinuationFlood int64 // GOAWAY for an endless header block
	ControlFlood      int64 // GOAWAY for too many control frames
	Stalls            int64 // responses reset after StallTimeout at a zero window
	WriteStalls       int64 // connections closed because writes blocked StallTimeout
	IdleClosed        int64 // connections closed by IdleTimeout

	BodyBuffered     int64 // request-body bytes buffered now, not yet read by handlers
	BodyBufferedPeak int64 // the most BodyBuffered has been
	BodyTimeouts     int64 // request bodies cut by BodyReadTimeout
	BodyBudget       int64 // request bodies refused because MaxBodyBuffer was full
}

type counters struct {
	openConns, openStreams, conns, requests, bytesRead, bytesWritten, writes atomic.Int64

	http1Rejected, tlsErrors, protocolErrors, badHeaders, headerTooLarge, bodyTooLarge,
	refused, rapidReset, continuationFlood, controlFlood, stalls, writeStalls, idleClosed atomic.Int64

	bodyBuffered, bodyBufferedPeak, bodyTimeouts, bodyBudget atomic.Int64
}

// Stats returns the current counters.
func (s *Server) Stats() Stats {
	c := &s.stats
	return Stats{
		OpenConns: c.openConns.Load(), OpenStreams: c.openStreams.Load(), Conns: c.conns.Load(),
		Requests: c.requests.Load(), BytesRead: c.bytesRead.Load(), BytesWritten: c.bytesWritten.Load(), Writes: c.writes.Load(),
		HTTP1Rejected: c.http1Rejected.Load(), TLSErrors: c.tlsErrors.Load(),
		ProtocolErrors: c.protocolErrors.Load(), BadHeaders: c.badHeaders.Load(),
		HeaderTooLarge: c.headerTooLarge.Load(), BodyTooLarge: c.bodyTooLarge.Load(),
		Refused: c.refused.Load(), RapidReset: c.rapidReset.Load(),
		ContinuationFlood: c.continuationFlood.Load(), ControlFlood: c.controlFlood.Load(),
		Stalls: c.stalls.Load(), WriteStalls: c.writeStalls.Load(), IdleClosed: c.idleClosed.Load(),
		BodyBuffered: c.bodyBuffered.Load(), BodyBufferedPeak: c.bodyBufferedPeak.Load(),
		BodyTimeouts: c.bodyTimeouts.Load(), BodyBudget: c.bodyBudget.Load(),
	}
}
