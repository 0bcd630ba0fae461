//go:build vaultpprof

package cli

import (
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // the profiler's handlers, on http.DefaultServeMux
	"os"
)

// A binary built with -tags vaultpprof serves Go's profiler on the
// loopback address VAULT_PPROF names (e.g. 127.0.0.1:6061), so that a
// node under load (make bench-peers, with VAULT_BUILD_TAGS=vaultpprof)
// can be profiled. Release builds have no such listener; an address that
// is not loopback is refused.
func init() {
	addr := os.Getenv("VAULT_PPROF")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		slog.Error("pprof: VAULT_PPROF must be a loopback host:port", "addr", addr)
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof: listen", "addr", addr, "err", err)
		}
	}()
}
