// Package admin serves a node's operational endpoints over HTTP/1.1:
// Prometheus metrics, liveness and readiness. It is a separate listener
// from the edge's, and the node binds it on loopback unless told otherwise
// (the CLI flag decides; this package binds whatever address it is given),
// because /metrics names every function the node serves.
package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultAddr is the admin address a node uses unless told otherwise.
const DefaultAddr = "127.0.0.1:9090"

// Limits on clients. Scrapes and probes are small GETs from a known
// client; anything slower or bigger is not one of them.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
	scrapeTimeout     = 10 * time.Second // promhttp answers 503 past it
	maxScrapes        = 4                // concurrent; promhttp answers 503 past it
)

// ErrStarted is returned by a second Start.
var ErrStarted = errors.New("admin: already started")

// Server serves /metrics, /healthz and /readyz.
type Server struct {
	addr  string
	log   *slog.Logger
	srv   *http.Server
	ready func() error

	mu    sync.Mutex
	ln    net.Listener
	done  chan struct{} // closed when Serve returns
	start bool
}

// New returns a server for addr that exports reg on /metrics and asks ready
// on /readyz (a nil ready is always ready). A nil log discards.
func New(addr string, reg prometheus.Gatherer, ready func() error, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{addr: addr, log: log, ready: ready}
	mux := http.NewServeMux()
	// A "GET" pattern matches HEAD too; the mux answers other methods on
	// these paths with 405 and an Allow header, and other paths with 404.
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            promLogger{log},
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: maxScrapes,
		Timeout:             scrapeTimeout,
		EnableOpenMetrics:   true,
	}))
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	s.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return s
}

// Start binds the address and serves in the background.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.start {
		return ErrStarted
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("admin: listen: %w", err)
	}
	s.start, s.ln, s.done = true, ln, make(chan struct{})
	s.log.Info("admin listening", "addr", ln.Addr().String())
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("admin server stopped", "err", err)
		}
	}()
	return nil
}

// Addr is the bound address ("127.0.0.1:40211" for ":0"), or "" before
// Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Shutdown stops accepting, waits for requests in progress until ctx ends,
// then closes what is left. It does nothing before Start.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
		return fmt.Errorf("admin: shutdown: %w", err)
	}
	<-done
	return nil
}

// healthz says the process serves HTTP; it checks nothing else, so an
// orchestrator restarts the node only when it is wedged, never because it
// is still catching up with the ledger.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	text(w, http.StatusOK, "ok\n")
}

// readyz says whether the node should get traffic, and why not.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if s.ready != nil {
		if err := s.ready(); err != nil {
			text(w, http.StatusServiceUnavailable, "not ready: "+err.Error()+"\n")
			return
		}
	}
	text(w, http.StatusOK, "ready\n")
}

func text(w http.ResponseWriter, code int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

// promLogger passes promhttp's errors (a collector that failed, a client
// that went away mid-scrape) to the node's log.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) { l.log.Warn("metrics scrape", "err", fmt.Sprint(v...)) }
