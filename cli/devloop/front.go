package devloop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// front is the address a developer sends requests to: it speaks HTTP/1.1
// (browsers, plain curl) and h2c, passes each request on to the node's
// h2c listener with its Host, and prints it with its status and time.
type front struct {
	addr string
	srv  *http.Server
	done chan struct{}
}

func startFront(listen, node string, out *printer) (*front, error) {
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("devloop: listen on %s: %w", listen, err)
	}
	target := &url.URL{Scheme: "http", Host: node}
	var toNode http.Protocols
	toNode.SetUnencryptedHTTP2(true) // the node speaks HTTP/2 only
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // routes match host + path
		},
		Transport:     &http.Transport{Protocols: &toNode, ForceAttemptHTTP2: true},
		FlushInterval: -1, // stream as the function writes
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "vault dev: the node did not answer: "+err.Error(), http.StatusBadGateway)
		},
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	f := &front{addr: ln.Addr().String(), done: make(chan struct{})}
	f.srv = &http.Server{Handler: printRequests(proxy, out), Protocols: &protocols, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(f.done)
		if err := f.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			out.printf("the front stopped: %v\n", err)
		}
	}()
	return f, nil
}

// close stops the front, letting requests in flight finish for a moment.
func (f *front) close() {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if f.srv.Shutdown(ctx) != nil {
		f.srv.Close()
	}
	<-f.done
}

// printRequests prints one line per request once it is answered:
// time, method, path, status and how long the answer took.
func printRequests(next http.Handler, out *printer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		out.printf("%s %s %s %d %v\n", clock(start), r.Method, r.URL.RequestURI(), sw.status, durationOf(time.Since(start)))
	})
}

// durationOf rounds d for reading: µs below a millisecond, else 0.1 ms.
func durationOf(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Microsecond)
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the flusher beneath.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
