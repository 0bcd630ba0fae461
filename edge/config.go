package edge

import (
	"errors"
	"fmt"

	"github.com/vault-runtime/vault/edge/h2"
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
	return Config{Listen: "127.0.0.1:8080",
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
	if err := c.HTTP2.Validate(); err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	if err := c.Scheduler.Validate(); err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	if err := c.Shield.Validate(); err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	return nil
}
