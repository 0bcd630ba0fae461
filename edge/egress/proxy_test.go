package egress

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestProxyGrantsWhatThePolicyAllows runs the proxy on loopback against
// two upstreams: an address with no grant gets 403 for anything; with a
// grant of the first upstream's address and port, a CONNECT tunnel and a
// plain request reach it, while the second upstream, another port, and
// the metadata address are refused with the policy's reason.
func TestProxyGrantsWhatThePolicyAllows(t *testing.T) {
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "granted "+r.URL.Path) }))
	defer allowed.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "must not be reached") }))
	defer other.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := NewProxy(nil)
	go p.Serve(l)
	defer l.Close()
	proxyURL, _ := url.Parse("http://" + l.Addr().String())
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
	get := func(target string) (int, string) {
		resp, err := client.Get(target)
		if err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(allowed.URL + "/x"); code != http.StatusForbidden || !strings.Contains(body, "no egress grant") {
		t.Fatalf("without a grant: %d %q", code, body)
	}

	pol, err := NewPolicy([]string{strings.TrimPrefix(allowed.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	p.Allow(netip.MustParseAddr("127.0.0.1"), NewClient(pol, nil))
	if code, body := get(allowed.URL + "/x"); code != 200 || body != "granted /x" {
		t.Fatalf("a granted plain request: %d %q", code, body)
	}
	if code, body := get(other.URL + "/x"); code != http.StatusForbidden || !strings.Contains(body, "not in the function's allow-list") {
		t.Fatalf("another port: %d %q", code, body)
	}
	if code, body := get("http://169.254.169.254/latest/meta-data"); code != http.StatusForbidden {
		t.Fatalf("the metadata address: %d %q", code, body)
	}

	// CONNECT: a tunnel to the granted address carries any bytes.
	connect := func(target string) (net.Conn, string) {
		conn, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
		line, _ := bufio.NewReader(conn).ReadString('\n')
		return conn, line
	}
	conn, status := connect(strings.TrimPrefix(allowed.URL, "http://"))
	if !strings.Contains(status, "200") {
		t.Fatalf("CONNECT to the granted address: %q", status)
	}
	fmt.Fprintf(conn, "GET /tunnel HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	rest, _ := io.ReadAll(conn)
	conn.Close()
	if !strings.Contains(string(rest), "granted /tunnel") {
		t.Errorf("through the tunnel: %q", rest)
	}
	conn, status = connect(strings.TrimPrefix(other.URL, "http://"))
	conn.Close()
	if !strings.Contains(status, "403") {
		t.Errorf("CONNECT to another port: %q", status)
	}

	p.Forget(netip.MustParseAddr("127.0.0.1"))
	if code, _ := get(allowed.URL + "/x"); code != http.StatusForbidden {
		t.Errorf("after Forget: %d", code)
	}
}
