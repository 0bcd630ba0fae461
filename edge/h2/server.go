package h2

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("h2: server closed")

// Handler takes requests in. Both methods run on the connection's reader goroutine and must
// not block.
type Handler interface {
	// Route runs when a request's header block is complete, before its body is read. A non-nil
	// early response is sent at once (the body, if any, is discarded while keeping flow control
	// right); otherwise up to maxBody bytes of body are accepted and more is answered 413 (or
	// fails BodyStream with ErrBodyTooLarge).
	Route(r *Request) (maxBody int64, early *Response)
	// Serve gets the request as soon as its headers are complete, after the DATA frames that
	// came in the same read: with the whole Body if it was complete by then, else with a
	// BodyStream that delivers the rest as it arrives. It hands the request off and answers
	// later with r.Respond.
	Serve(r *Request)
}

// Server is an HTTP/2 server: h2c with prior knowledge, or TLS 1.3 with ALPN h2.
type Server struct {
	cfg   Config
	h     Handler
	log   *slog.Logger
	stats counters
	date  dateCache

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	closing   bool
}

// NewServer returns a server for h. Zero fields of cfg take their defaults; cfg should have
// passed Validate. A nil log discards.
func NewServer(cfg Config, h Handler, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{
		cfg:       cfg.withDefaults(),
		h:         h,
		log:       log,
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*conn]struct{}),
	}
}

// Serve accepts connections on ln until Shutdown or a listener error. With tlsConf nil it
// serves h2c with prior knowledge; otherwise TLS 1.3 with ALPN "h2" (tlsConf is cloned, its
// NextProtos and MinVersion set).
func (s *Server) Serve(ln net.Listener, tlsConf *tls.Config) error {
	if tlsConf != nil {
		tlsConf = tlsConf.Clone()
		tlsConf.MinVersion = tls.VersionTLS13
		if !slices.Contains(tlsConf.NextProtos, "h2") {
			tlsConf.NextProtos = append([]string{"h2"}, tlsConf.NextProtos...)
		}
		if !slices.Contains(tlsConf.NextProtos, "http/1.1") {
			tlsConf.NextProtos = append(tlsConf.NextProtos, "http/1.1")
		}
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := s.newConn(nc)
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			nc.Close()
			return ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.stats.conns.Add(1)
		s.stats.openConns.Add(1)
		go c.serve(tlsConf)
	}
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.stats.openConns.Add(-1)
}

// Shutdown stops accepting, sends GOAWAY (naming the last stream taken) on every connection,
// waits for open streams to be answered and their connections to close, and then returns. When
// ctx ends first, the remaining connections are closed and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for ln := range s.listeners {
		ln.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.goAway()
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		n := len(s.conns)
		if n == 0 || ctx.Err() != nil {
			for c := range s.conns {
				c.nc.Close()
			}
		}
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			// Close what is left: the check above may have run just before ctx ended.
			s.mu.Lock()
			for c := range s.conns {
				c.nc.Close()
			}
			s.mu.Unlock()
			return ctx.Err()
		case <-tick.C:
		}
	}
}
