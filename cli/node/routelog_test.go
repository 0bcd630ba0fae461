package node

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// A hub's NATS log explains another hub's refusal once a minute, drops
// NATS's copy of a refusal routeAuth logged, and passes other errors.
func TestHubNATSLoggerExplainsARefusalOnce(t *testing.T) {
	var logs bytes.Buffer
	l := newHubNATSLogger(slog.New(slog.NewTextHandler(&logs, nil)), "0123456789abcdef")
	for range 3 {
		l.Errorf("%s - rid:%d - TLS route handshake error: %v", "127.0.0.1:6222", 5, "remote error: tls: bad certificate")
	}
	if n := strings.Count(logs.String(), "another hub refused this hub's route"); n != 1 || !strings.Contains(logs.String(), "key=0123456789abcdef") {
		t.Fatalf("%d explanations, want 1:\n%s", n, logs.String())
	}
	logs.Reset()
	l.Errorf("%s - rid:%d - TLS route handshake error: %v", "127.0.0.1:6222", 6, refusedKey+"fedcba9876543210: revoked")
	if logs.Len() != 0 {
		t.Fatalf("routeAuth logged that refusal already:\n%s", logs.String())
	}
	l.Errorf("Error trying to connect to route: %v", "connection refused")
	l.Errorf("Error trying to connect to route: %v", "connection refused")
	if n := strings.Count(logs.String(), "connection refused"); n != 2 {
		t.Fatalf("other errors pass as they are (%d):\n%s", n, logs.String())
	}
}
