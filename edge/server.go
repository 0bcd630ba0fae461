package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/vault-runtime/vault/edge/h2"
	"github.com/vault-runtime/vault/edge/listener"
	"github.com/vault-runtime/vault/edge/metrics"
	"github.com/vault-runtime/vault/edge/sched"
	"github.com/vault-runtime/vault/edge/shield"
)

// Server is the HTTP/2 front of a node: the h2 engine takes requests in,
// the shield and the router check them on the connection's goroutine, and
// the scheduler runs them on its executors.
type Server struct {
	cfg     Config
	fns     *Functions
	log     *slog.Logger
	metrics *metrics.Metrics
	shield  *shield.Shield
	sched   *sched.Scheduler
	tls     *tls.Config
	// Listen binds an address (default: listener.Listen with the config's
	// socket options).
	Listen func(addr string) (net.Listener, error)

	mu      sync.Mutex
	engine  *h2.Server // nil while paused
	pending []bound    // bound, not yet serving
	paused  bool
	// Addrs are the bound addresses, by scheme ("h2c", "tls"), once bound.
	Addrs map[string]string
}

type bound struct {
	ln     net.Listener
	scheme string
}

// NewServer serves the routes that fns publishes. It starts the
// scheduler's executors; Shutdown stops them.
func NewServer(cfg Config, fns *Functions, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sh, err := shield.New(cfg.Shield)
	if err != nil {
		return nil, fmt.Errorf("edge: %w", err)
	}
	s := &Server{cfg: cfg, fns: fns, log: log, metrics: fns.opts.Metrics, shield: sh, Addrs: map[string]string{}}
	if cfg.TLSListen != "" {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load TLS certificate: %w", err)
		}
		s.tls = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}}
	}
	var obs sched.Observer
	if s.metrics != nil {
		obs = s.metrics
	}
	s.sched = sched.New(cfg.Scheduler, obs, log.With("component", "scheduler"))
	return s, nil
}

// Scheduler is the server's admission scheduler (for its statistics).
func (s *Server) Scheduler() *sched.Scheduler { return s.sched }

// Engine is the HTTP/2 engine serving now, nil while paused.
func (s *Server) Engine() *h2.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.engine
}

// Start binds the listeners and serves in the background.
func (s *Server) Start() error {
	if err := s.Bind(); err != nil {
		return err
	}
	s.Serve()
	return nil
}

// Bind binds the listeners without accepting: connections wait in the
// kernel's queue until Serve. A node taking over a port from another
// process binds first and serves once its routes are loaded.
func (s *Server) Bind() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bindLocked()
}

func (s *Server) bindLocked() error {
	if len(s.pending) > 0 || s.engine != nil {
		return errors.New("edge: already bound")
	}
	for _, l := range []struct{ scheme, addr string }{{"h2c", s.cfg.Listen}, {"tls", s.cfg.TLSListen}} {
		if l.addr == "" {
			continue
		}
		ln, err := s.listen(s.addr(l.scheme, l.addr))
		if err != nil {
			s.closePendingLocked()
			return fmt.Errorf("listen %s on %s: %w", l.scheme, l.addr, err)
		}
		s.pending = append(s.pending, bound{ln, l.scheme})
	}
	for _, b := range s.pending {
		if s.Addrs[b.scheme] == "" { // a resumed server keeps its ports; readers need no lock
			s.Addrs[b.scheme] = b.ln.Addr().String()
		}
	}
	return nil
}

// addr is where a listener binds: after a pause, the port it had, so a
// resumed node is where its clients left it even if it was asked for :0.
func (s *Server) addr(scheme, configured string) string {
	if a := s.Addrs[scheme]; a != "" {
		return a
	}
	return configured
}

func (s *Server) listen(addr string) (net.Listener, error) {
	if s.Listen != nil {
		return s.Listen(addr)
	}
	return listener.Listen(addr, s.cfg.Sockets)
}

func (s *Server) closePendingLocked() {
	for _, b := range s.pending {
		b.ln.Close()
	}
	s.pending = nil
}

// Serve starts accepting on the bound listeners.
func (s *Server) Serve() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return
	}
	s.engine = h2.NewServer(s.cfg.HTTP2, &handler{s: s}, s.log.With("component", "h2"))
	for _, b := range s.pending {
		s.run(s.engine, b)
	}
	s.pending = nil
	s.paused = false
}

func (s *Server) run(engine *h2.Server, b bound) {
	s.log.Info("edge listening", "scheme", b.scheme, "addr", b.ln.Addr().String())
	var conf *tls.Config
	if b.scheme == "tls" {
		conf = s.tls
	}
	go func() {
		if err := engine.Serve(b.ln, conf); err != nil && !errors.Is(err, h2.ErrServerClosed) {
			s.log.Error("edge listener stopped", "scheme", b.scheme, "err", err)
		}
	}()
}

// Pause stops taking traffic: the listeners close, open connections are
// told to go away, and in-flight requests finish until ctx ends. The
// routes stay live, so Resume serves the current state at once.
func (s *Server) Pause(ctx context.Context) error {
	s.mu.Lock()
	engine := s.engine
	s.engine, s.paused = nil, true
	s.closePendingLocked()
	s.mu.Unlock()
	s.log.Info("edge paused: draining")
	if engine == nil {
		return nil
	}
	return engine.Shutdown(ctx)
}

// Resume binds the listeners again, on the ports they had, and serves.
func (s *Server) Resume() error {
	s.mu.Lock()
	if !s.paused {
		s.mu.Unlock()
		return nil
	}
	err := s.bindLocked()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	s.Serve()
	s.log.Info("edge resumed")
	return nil
}

// Paused reports whether the server stopped taking traffic.
func (s *Server) Paused() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.paused
}

// Shutdown stops accepting, waits for in-flight requests until ctx ends,
// and stops the scheduler.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	engine := s.engine
	s.engine = nil
	s.closePendingLocked()
	s.mu.Unlock()
	var err error
	if engine != nil {
		err = engine.Shutdown(ctx)
	}
	s.sched.Close()
	return err
}
