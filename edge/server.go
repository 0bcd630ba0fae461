package edge

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vault-runtime/vault/edge/h2"
	"github.com/vault-runtime/vault/edge/isolate"
	"github.com/vault-runtime/vault/edge/listener"
	"github.com/vault-runtime/vault/edge/sched"
	"github.com/vault-runtime/vault/edge/shield"
)

// Config says where and how the edge listens.
type Config struct {
	// Listen is the h2c (prior knowledge) address; empty disables it.
	Listen string
	// TLSListen is the TLS 1.3 address; it needs CertFile and KeyFile.
	TLSListen         string
	CertFile, KeyFile string
	// ReadHeaderTimeout and IdleTimeout bound slow or idle clients.
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
	// MaxConcurrentStreams per connection (HTTP/2 SETTINGS).
	MaxConcurrentStreams int
	// HTTP2 tunes the HTTP/2 engine: SETTINGS, windows, timeouts and
	// frame-level abuse limits.
	HTTP2 h2.Config
	// Scheduler admits requests to the isolates.
	Scheduler sched.Config
	// Shield limits each client's request rate per route.
	Shield shield.Config
	// Sockets are the edge listeners' socket options.
	Sockets listener.Options
}

// DefaultConfig listens for h2c on loopback.
func DefaultConfig() Config {
	return Config{Listen: "127.0.0.1:8080", ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 120 * time.Second, MaxConcurrentStreams: 250,
		HTTP2: h2.DefaultConfig(), Scheduler: sched.DefaultConfig(), Shield: shield.DefaultConfig(),
		Sockets: listener.DefaultOptions()}
}

// Validate reports a config that cannot start.
func (c Config) Validate() error {
	if c.Listen == "" && c.TLSListen == "" {
		return errors.New("edge: no listener: set an h2c or a TLS address")
	}
	if c.TLSListen != "" && (c.CertFile == "" || c.KeyFile == "") {
		return errors.New("edge: a TLS listener needs a certificate and a key file")
	}
	return nil
}

// Server is the HTTP/2 front of a node.
type Server struct {
	cfg Config
	fns *Functions
	log *slog.Logger
	// Listen binds an address (default net.Listen "tcp"); the node sets it
	// to bind with its socket options.
	Listen func(addr string) (net.Listener, error)

	mu      sync.Mutex
	pending []bound // bound, not yet serving
	servers []*http.Server
	paused  bool
	// Addrs are the bound addresses, by scheme ("h2c", "tls"), once bound.
	Addrs map[string]string
}

// NewServer serves the routes that fns publishes.
func NewServer(cfg Config, fns *Functions, log *slog.Logger) *Server {
	return &Server{cfg: cfg, fns: fns, log: log, Addrs: map[string]string{}}
}

func (s *Server) httpServer(tlsOn bool) *http.Server {
	var p http.Protocols
	p.SetHTTP1(true) // only to answer 505 with an explanation
	if tlsOn {
		p.SetHTTP2(true)
	} else {
		p.SetUnencryptedHTTP2(true)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, tlsOn) })
	return &http.Server{
		Handler:           h,
		Protocols:         &p,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: s.cfg.MaxConcurrentStreams},
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
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
	if err := s.cfg.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bindLocked()
}

func (s *Server) bindLocked() error {
	if len(s.pending) > 0 || len(s.servers) > 0 {
		return errors.New("edge: already bound")
	}
	if s.cfg.Listen != "" {
		ln, err := s.listen(s.addr("h2c", s.cfg.Listen))
		if err != nil {
			return fmt.Errorf("listen h2c on %s: %w", s.cfg.Listen, err)
		}
		s.pending = append(s.pending, bound{s.httpServer(false), ln, "h2c"})
	}
	if s.cfg.TLSListen != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.CertFile, s.cfg.KeyFile)
		if err != nil {
			s.closePendingLocked()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		ln, err := s.listen(s.addr("tls", s.cfg.TLSListen))
		if err != nil {
			s.closePendingLocked()
			return fmt.Errorf("listen TLS on %s: %w", s.cfg.TLSListen, err)
		}
		srv := s.httpServer(true)
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert},
			NextProtos: []string{"h2", "http/1.1"}}
		s.pending = append(s.pending, bound{srv, tls.NewListener(ln, srv.TLSConfig), "tls"})
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
	return net.Listen("tcp", addr)
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
	for _, b := range s.pending {
		s.run(b)
	}
	s.pending = nil
	s.paused = false
}

type bound struct {
	srv    *http.Server
	ln     net.Listener
	scheme string
}

func (s *Server) run(b bound) {
	s.servers = append(s.servers, b.srv)
	s.log.Info("edge listening", "scheme", b.scheme, "addr", b.ln.Addr().String())
	go func() {
		if err := b.srv.Serve(b.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("edge listener stopped", "scheme", b.scheme, "err", err)
		}
	}()
}

// Pause stops taking traffic: the listeners close, open connections are
// told to go away, and in-flight requests finish until ctx ends. The
// routes stay live, so Resume serves the current state at once.
func (s *Server) Pause(ctx context.Context) error {
	s.mu.Lock()
	servers := s.servers
	s.servers, s.paused = nil, true
	s.closePendingLocked()
	s.mu.Unlock()
	s.log.Info("edge paused: draining")
	return shutdownAll(ctx, servers)
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

// Shutdown stops accepting and waits for in-flight requests until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	servers := s.servers
	s.servers = nil
	s.closePendingLocked()
	s.mu.Unlock()
	return shutdownAll(ctx, servers)
}

func shutdownAll(ctx context.Context, servers []*http.Server) error {
	var errs []error
	for _, srv := range servers {
		errs = append(errs, srv.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

const http1Refusal = "Vault serves HTTP/2 only: use h2c with prior knowledge (curl --http2-prior-knowledge) or TLS with ALPN h2.\n"

func (s *Server) serve(w http.ResponseWriter, r *http.Request, tlsOn bool) {
	id := newRequestID()
	w.Header().Set("X-Request-Id", id)
	if r.ProtoMajor != 2 {
		w.Header().Set("Connection", "close")
		http.Error(w, http1Refusal, http.StatusHTTPVersionNotSupported)
		return
	}
	t, ok := s.fns.lookup(r.Host, r.URL.Path)
	if !ok {
		http.Error(w, fmt.Sprintf("no route for %s%s (request id %s)", r.Host, r.URL.Path, id), http.StatusNotFound)
		return
	}
	if t.paused {
		w.Header().Set("Retry-After", strconv.Itoa(pausedRetryAfter))
		http.Error(w, fmt.Sprintf("%s is paused (request id %s)", t.fn, id), http.StatusServiceUnavailable)
		return
	}
	c := t.pick()
	limits := c.program.Limits()
	var body []byte
	var err error
	if r.ContentLength != 0 { // -1 (unknown) or a length: read it
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, limits.RequestBodyBytes))
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		http.Error(w, fmt.Sprintf("request body exceeds %d bytes (request id %s)", limits.RequestBodyBytes, id), http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		http.Error(w, fmt.Sprintf("reading request body: %v (request id %s)", err, id), http.StatusBadRequest)
		return
	}
	scheme := "http"
	if tlsOn {
		scheme = "https"
	}
	ctx, cancel := context.WithCancelCause(r.Context())
	done := t.calls.start(cancel)
	resp, err := c.program.Invoke(ctx, &isolate.Request{
		ID: id, Method: r.Method, URL: scheme + "://" + r.Host + r.URL.RequestURI(), Header: r.Header, Body: body,
	})
	done()
	if err != nil {
		s.fail(w, t.fn, c.version, id, err, context.Cause(ctx))
		cancel(nil)
		return
	}
	cancel(nil)
	h := w.Header()
	for k, vs := range resp.Header {
		if !connectionSpecific[k] {
			h[k] = vs
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	if r.Method != http.MethodHead {
		w.Write(resp.Body)
	}
}

// connectionSpecific headers are illegal in HTTP/2 responses.
var connectionSpecific = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Transfer-Encoding": true, "Upgrade": true,
}

// pausedRetryAfter is the Retry-After, in seconds, of a paused route.
const pausedRetryAfter = 5

func (s *Server) fail(w http.ResponseWriter, fn string, version int, id string, err, cause error) {
	status, what := http.StatusInternalServerError, "the function failed"
	switch {
	case errors.Is(cause, ErrKilled):
		status, what = http.StatusServiceUnavailable, "the invocation was killed by an operator"
	case errors.Is(err, isolate.ErrCPUTime), errors.Is(err, isolate.ErrWallTime), errors.Is(err, isolate.ErrMemory):
		// The limit and the measured use: the caller can tell a slow
		// function from a broken one.
		status, what = http.StatusServiceUnavailable, "the function exceeded a limit: "+strings.TrimPrefix(err.Error(), "isolate: ")
	case errors.Is(err, isolate.ErrOverloaded):
		status, what = http.StatusServiceUnavailable, "the function used a lot of CPU recently and the node's share for such functions is taken; retry later"
	case errors.Is(err, isolate.ErrResponseTooLarge):
		status, what = http.StatusInternalServerError, "the function's response exceeded a limit: "+strings.TrimPrefix(err.Error(), "isolate: ")
	case errors.Is(err, isolate.ErrCanceled):
		status, what = 499, "the request was canceled"
	}
	s.log.Warn("invocation failed", "fn", fn, "version", version, "request", id, "status", status, "err", err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	http.Error(w, fmt.Sprintf("%s (request id %s)", what, id), status)
}

// Request IDs are a random per-process prefix and a counter: unique, cheap
// (no syscall per request), and they sort by arrival within a process.
var (
	requestPrefix = func() uint32 {
		var b [4]byte
		rand.Read(b[:])
		return binary.BigEndian.Uint32(b[:])
	}()
	requestCounter atomic.Uint64
)

func newRequestID() string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], requestPrefix)
	binary.BigEndian.PutUint64(b[4:], requestCounter.Add(1))
	return hex.EncodeToString(b[:])
}
