package h2

import (
	"errors"
	"fmt"
	"time"
)

// Config tunes one Server. The zero value of a field means "use the default" from DefaultConfig,
// so a partially filled Config is valid.
type Config struct {
	// MaxConcurrentStreams is advertised as SETTINGS_MAX_CONCURRENT_STREAMS; streams opened
	// beyond it are refused with RST_STREAM REFUSED_STREAM. Default 250 (as net/http).
	MaxConcurrentStreams uint32

	// MaxFrameSize is advertised as SETTINGS_MAX_FRAME_SIZE: the largest frame payload we accept.
	// Range 16384 to 16777215. Default 16384.
	MaxFrameSize uint32

	// MaxHeaderListSize is advertised as SETTINGS_MAX_HEADER_LIST_SIZE and counted the RFC 9113
	// way (name + value + 32 per field). A larger request header list is answered 431.
	// Default 16 KiB.
	MaxHeaderListSize uint32

	// MaxHeaderCount bounds the header fields (pseudo-headers included) of a request; more is
	// answered 431. Default 100.
	MaxHeaderCount int

	// InitialWindowSize is the per-stream receive window for request bodies
	// (SETTINGS_INITIAL_WINDOW_SIZE). Default 1 MiB.
	InitialWindowSize uint32

	// ConnWindowSize is the connection-level receive window. Default 4 MiB.
	ConnWindowSize uint32

	// ReadHeaderTimeout bounds the TLS handshake, the client preface plus its first SETTINGS,
	// and each header block (HEADERS and its CONTINUATIONs). Default 10 s.
	ReadHeaderTimeout time.Duration

	// IdleTimeout closes (GOAWAY NO_ERROR) a connection with no open stream for this long.
	// Default 120 s.
	IdleTimeout time.Duration

	// StallTimeout resets (RST_STREAM CANCEL) a response whose data cannot be sent because the
	// peer's flow-control window stays at zero this long, and closes a connection whose socket
	// writes block this long. Default 10 s.
	StallTimeout time.Duration

	// MaxResetsPerSecond bounds the RST_STREAM frames a client may send per second on one
	// connection for streams that were still open (the rapid-reset attack, CVE-2023-44487);
	// above it the connection gets GOAWAY ENHANCE_YOUR_CALM. Default 100: an honest client
	// cancels a handful of requests per second (navigations, aborted fetches), while every reset
	// of an open stream may have cost a JavaScript call, so 100/s bounds wasted work per
	// connection to about what a single well-behaved connection asks of us anyway.
	MaxResetsPerSecond int

	// MaxControlPerSecond bounds the PING, SETTINGS, PRIORITY, WINDOW_UPDATE (those that do not
	// unblock pending response data) and empty non-final DATA frames a client may send per
	// second on one connection; above it the connection gets GOAWAY ENHANCE_YOUR_CALM.
	// Default 1000: clients send a few of these per second (RTT pings, window top-ups, browser
	// priority hints), and PING and SETTINGS each make us write an ACK, so a cap keeps a
	// flood from turning into unbounded output.
	MaxControlPerSecond int

	// BodyReadTimeout bounds the gap between DATA frames of a streamed request body while the
	// handler waits in BodyStream.Read: past it Read fails with ErrBodyTimeout and the stream is
	// answered 408 (or reset, if a response started). It is counted from the last DATA frame, so
	// a slow but steady upload is fine and a client that opens a body and goes silent is not;
	// time during which the client could not send, because we held its connection window (its
	// connection's MaxConnBodyBuffer is full of unread bodies), does not count. Default 30 s.
	BodyReadTimeout time.Duration

	// MaxConnBodyBuffer bounds the request-body bytes one connection may have buffered and not
	// yet read by handlers. The connection's receive window is returned only as far as this
	// budget allows (buffered + still-granted window <= budget), so a client whose handlers do
	// not read is held by flow control, not by our memory. Values below ConnWindowSize are
	// raised to it. Default 8 MiB (twice the default ConnWindowSize: one stream whose handler
	// does not read cannot stall its neighbours on the connection).
	MaxConnBodyBuffer int64

	// MaxBodyBuffer bounds the request-body bytes buffered across all connections of the
	// Server. A DATA frame that would go beyond it is not buffered: its stream is answered 503
	// (or reset ENHANCE_YOUR_CALM if a response started) and its handler's Read fails with
	// ErrBodyBudget. Default 256 MiB.
	MaxBodyBuffer int64
}

// DefaultConfig returns the defaults documented on each Config field.
func DefaultConfig() Config {
	return Config{
		MaxConcurrentStreams: 250,
		MaxFrameSize:         16384,
		MaxHeaderListSize:    16 << 10,
		MaxHeaderCount:       100,
		InitialWindowSize:    1 << 20,
		ConnWindowSize:       4 << 20,
		ReadHeaderTimeout:    10 * time.Second,
		IdleTimeout:          120 * time.Second,
		StallTimeout:         10 * time.Second,
		MaxResetsPerSecond:   100,
		MaxControlPerSecond:  1000,
		BodyReadTimeout:      30 * time.Second,
		MaxConnBodyBuffer:    8 << 20,
		MaxBodyBuffer:        256 << 20,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxConcurrentStreams == 0 {
		c.MaxConcurrentStreams = d.MaxConcurrentStreams
	}
	if c.MaxFrameSize == 0 {
		c.MaxFrameSize = d.MaxFrameSize
	}
	if c.MaxHeaderListSize == 0 {
		c.MaxHeaderListSize = d.MaxHeaderListSize
	}
	if c.MaxHeaderCount == 0 {
		c.MaxHeaderCount = d.MaxHeaderCount
	}
	if c.InitialWindowSize == 0 {
		c.InitialWindowSize = d.InitialWindowSize
	}
	if c.ConnWindowSize == 0 {
		c.ConnWindowSize = d.ConnWindowSize
	}
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.StallTimeout == 0 {
		c.StallTimeout = d.StallTimeout
	}
	if c.MaxResetsPerSecond == 0 {
		c.MaxResetsPerSecond = d.MaxResetsPerSecond
	}
	if c.MaxControlPerSecond == 0 {
		c.MaxControlPerSecond = d.MaxControlPerSecond
	}
	if c.BodyReadTimeout == 0 {
		c.BodyReadTimeout = d.BodyReadTimeout
	}
	if c.MaxConnBodyBuffer == 0 {
		c.MaxConnBodyBuffer = d.MaxConnBodyBuffer
	}
	if c.MaxConnBodyBuffer > 0 {
		c.MaxConnBodyBuffer = max(c.MaxConnBodyBuffer, int64(c.ConnWindowSize))
	}
	if c.MaxBodyBuffer == 0 {
		c.MaxBodyBuffer = d.MaxBodyBuffer
	}
	return c
}

const maxWindow = 1<<31 - 1

// Validate reports every field out of its allowed range. Zero fields are valid (they mean the
// default).
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(field, allowed string, v any) {
		errs = append(errs, fmt.Errorf("h2: config %s = %v: must be %s", field, v, allowed))
	}
	if c.MaxFrameSize != 0 && (c.MaxFrameSize < 16384 || c.MaxFrameSize > 1<<24-1) {
		bad("MaxFrameSize", "between 16384 and 16777215", c.MaxFrameSize)
	}
	if c.MaxHeaderListSize != 0 && c.MaxHeaderListSize < 1024 {
		bad("MaxHeaderListSize", "at least 1024", c.MaxHeaderListSize)
	}
	if c.MaxHeaderCount < 0 || c.MaxHeaderCount > 10000 {
		bad("MaxHeaderCount", "between 1 and 10000 (0 = default)", c.MaxHeaderCount)
	}
	if c.InitialWindowSize != 0 && (c.InitialWindowSize < 65535 || c.InitialWindowSize > maxWindow) {
		bad("InitialWindowSize", "between 65535 and 2147483647", c.InitialWindowSize)
	}
	if c.ConnWindowSize != 0 && (c.ConnWindowSize < 65535 || c.ConnWindowSize > maxWindow) {
		bad("ConnWindowSize", "between 65535 and 2147483647", c.ConnWindowSize)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"ReadHeaderTimeout", c.ReadHeaderTimeout}, {"IdleTimeout", c.IdleTimeout}, {"StallTimeout", c.StallTimeout},
		{"BodyReadTimeout", c.BodyReadTimeout}} {
		if d.v < 0 {
			bad(d.name, "positive (0 = default)", d.v)
		}
	}
	if c.MaxResetsPerSecond < 0 {
		bad("MaxResetsPerSecond", "positive (0 = default)", c.MaxResetsPerSecond)
	}
	if c.MaxControlPerSecond < 0 {
		bad("MaxControlPerSecond", "positive (0 = default)", c.MaxControlPerSecond)
	}
	if c.MaxConnBodyBuffer < 0 {
		bad("MaxConnBodyBuffer", "positive (0 = default)", c.MaxConnBodyBuffer)
	}
	if c.MaxBodyBuffer < 0 {
		bad("MaxBodyBuffer", "positive (0 = default)", c.MaxBodyBuffer)
	}
	return errors.Join(errs...)
}
