package cli

import (
	"context"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/schemas"
)

// routeURLs are the URLs where routes answer on a node whose edge
// listens as listeners says ("h2c", "tls": host:port). A listener on
// every address is named by server's host, the host the CLI reached
// the node at; a route with a host keeps its host and takes the port.
// A trailing * becomes the prefix; :params stay as written.
func routeURLs(routes []string, listeners map[string]string, server string) []string {
	var urls []string
	for _, scheme := range []string{"h2c", "tls"} {
		addr := listeners[scheme]
		if addr == "" {
			continue
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			continue
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			host = "localhost"
			if u, err := url.Parse(server); err == nil && u.Hostname() != "" {
				host = u.Hostname()
			}
		}
		web := "http"
		if scheme == "tls" {
			web = "https"
		}
		for _, pattern := range routes {
			r, err := schemas.ParseRoute(pattern)
			if err != nil {
				continue
			}
			h := host
			if r.Host != "" {
				h = r.Host
			}
			urls = append(urls, web+"://"+net.JoinHostPort(h, port)+strings.TrimSuffix(r.Path, "*"))
		}
	}
	return slices.Compact(urls)
}

// nodeURLs asks the node behind c where routes answer; nil if it cannot
// say (an older node, a key without the role to ask): a deploy that
// worked must not fail on a courtesy.
func nodeURLs(ctx context.Context, c *node.Client, routes []string) []string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil {
		return nil
	}
	return routeURLs(routes, st.Listeners, c.Server())
}
