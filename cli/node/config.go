package node

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/vault-runtime/vault/edge"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/schemas"
)

// Config is what a node is asked to run (vault serve's flags and config
// file). The caller loads the node's key and genesis: the package never
// prompts for a passphrase.
type Config struct {
	// Data is the node's data directory, made by 'vault init'.
	Data string
	// Genesis is the ledger's genesis envelope (record 1), as stored in
	// the data directory.
	Genesis []byte
	// NodeKey signs checkpoints, authenticates the node to NATS and
	// derives the keys that encrypt Data; the node owns it from Start
	// on and wipes it when it closes.
	NodeKey    *events.Signer
	NATSListen string
	// NATSCert and NATSKey enable TLS on the NATS client port; NATSAuth
	// is "none" or "keyring" (see keyringAuth).
	NATSCert, NATSKey, NATSAuth string
	// LedgerSync is "always" (fsync every write), "interval" or "" (always
	// on a hub, interval on an edge: see syncAlways).
	LedgerSync string
	// Topology says whether the node is a hub or an edge and how its
	// NATS joins the others.
	Topology Topology
	Edge     edge.Config
	// AdminListen is the admin listener's address (Prometheus /metrics,
	// /healthz, /readyz); empty disables it.
	AdminListen string
	// GCPercent is the Go garbage collector's target (as GOGC) that vault
	// serve sets for the process; 0 means its default. The node itself
	// does not set it: it is the process's, not one node's.
	GCPercent int
	// MaxLimits caps what any function's manifest may ask for.
	MaxLimits schemas.Limits
	// MaxArtifactBytes is the largest artifact the node admits in a
	// deploy, fetches and compiles; 0 means schemas.DefaultMaxArtifactBytes.
	MaxArtifactBytes int64
	// MaxImageBytes bounds an image blob the node stores and an image's
	// unpacked tree; 0 means DefaultMaxImageSize (limits.max_image_size).
	MaxImageBytes int64
	Log           *slog.Logger
	// Takeover replaces a node running on Data without refusing
	// connections (see takeOver), waiting at most TakeoverTimeout for it.
	Takeover        bool
	TakeoverTimeout time.Duration
}

// Validate refuses a config that cannot run; the messages name vault
// serve's flags.
func (cfg Config) Validate() error {
	if err := cfg.Edge.Validate(); err != nil {
		return err
	}
	if cfg.NATSAuth != "none" && cfg.NATSAuth != "keyring" {
		return fmt.Errorf("--nats-auth %q: want none or keyring", cfg.NATSAuth)
	}
	if (cfg.NATSCert == "") != (cfg.NATSKey == "") {
		return fmt.Errorf("--nats-cert and --nats-key go together")
	}
	if cfg.GCPercent < 0 {
		return fmt.Errorf("--gc-percent %d: want 0 (the default) or more; GOGC=off is for the environment", cfg.GCPercent)
	}
	if cfg.LedgerSync != "" && cfg.LedgerSync != "always" && cfg.LedgerSync != "interval" {
		return fmt.Errorf("--ledger-sync %q: want always or interval", cfg.LedgerSync)
	}
	return cfg.Topology.Validate()
}
