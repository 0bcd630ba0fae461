package h2

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testHandler answers by path:
//
//	/echo       the request body
//
// A streamed body (BodyStream) is read whole first, on another goroutine.
//
//	/big?n=N    N bytes
//	/slow?ms=N  after N ms, from another goroutine
//	/ctx        when the request's context is canceled (reported on canceled)
//	/early      an early 403 from Route
//	anything    "hello world"
type testHandler struct {
	maxBody  int64
	canceled chan string
	served   chan string
}

func (h *testHandler) Route(r *Request) (int64, *Response) {
	if r.Path == "/early" {
		return 0, &Response{Status: 403, Body: []byte("forbidden\n")}
	}
	if h.maxBody == 0 {
		return 1 << 20, nil
	}
	return h.maxBody, nil
}

var helloBody = []byte("hello world")

func (h *testHandler) Serve(r *Request) {
	if r.BodyStream != nil {
		// Like a function that reads its request first: the body is read whole on another
		// goroutine, then the request is answered as if it had come complete.
		go func() {
			b, err := io.ReadAll(r.BodyStream)
			if err != nil {
				r.Respond(&Response{Status: 500}) // a no-op when the engine answered (413, 408)
				return
			}
			r.Body, r.BodyStream = b, nil
			h.Serve(r)
		}()
		return
	}
	if h.served != nil {
		select {
		case h.served <- r.Path:
		default:
		}
	}
	path, query, _ := strings.Cut(r.Path, "?")
	arg, _ := strconv.Atoi(strings.TrimPrefix(query, "n="))
	switch path {
	case "/echo":
		r.Respond(&Response{Status: 200, Body: r.Body, Header: http.Header{"Content-Type": {"application/octet-stream"}}})
	case "/big":
		r.Respond(&Response{Status: 200, Body: makeBody(arg)})
	case "/slow":
		ms, _ := strconv.Atoi(strings.TrimPrefix(query, "ms="))
		go func() {
			time.Sleep(time.Duration(ms) * time.Millisecond)
			r.Respond(&Response{Status: 200, Body: []byte("slow")})
		}()
	case "/ctx":
		go func() {
			<-r.Context().Done()
			if h.canceled != nil {
				h.canceled <- r.Path
			}
			r.Respond(&Response{Status: 499})
		}()
	default:
		r.Respond(&Response{Status: 200, Body: helloBody, Header: http.Header{"Content-Type": {"text/plain"}}})
	}
}

func makeBody(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

type testServer struct {
	srv  *Server
	addr string
	tls  *tls.Config // client config when serving TLS
}

func startServer(t testing.TB, cfg Config, h Handler, useTLS bool) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var log *slog.Logger
	if os.Getenv("H2_DEBUG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ts := &testServer{srv: NewServer(cfg, h, log), addr: ln.Addr().String()}
	var serverTLS *tls.Config
	if useTLS {
		serverTLS, ts.tls = testTLS(t)
	}
	done := make(chan error, 1)
	go func() { done <- ts.srv.Serve(ln, serverTLS) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ts.srv.Shutdown(ctx)
		<-done
	})
	return ts
}

// client returns an HTTP/2-only client for the server (net/http's transport; x/net's
// http2.Transport is deprecated in its favour).
func (ts *testServer) client() *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols), ForceAttemptHTTP2: true}
	if ts.tls != nil {
		tr.TLSClientConfig = ts.tls
		tr.Protocols.SetHTTP2(true)
	} else {
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	return &http.Client{Transport: tr, Timeout: 20 * time.Second}
}

func (ts *testServer) url(path string) string {
	if ts.tls != nil {
		return "https://" + ts.addr + path
	}
	return "http://" + ts.addr + path
}

var (
	certServer *tls.Config
	certClient *tls.Config
)

// testTLS makes a self-signed certificate for 127.0.0.1.
func testTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	if certServer != nil {
		return certServer, certClient
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "vault-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	certServer = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	certClient = &tls.Config{RootCAs: pool, NextProtos: []string{"h2"}}
	return certServer, certClient
}

func readAll(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eventually polls cond until it holds or d has passed, and reports whether
// it held: a wait for something observable, never a sleep that hopes.
func eventually(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}
