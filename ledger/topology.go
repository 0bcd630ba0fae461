package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// CosignatureStream keeps witnesses' cosignatures of checkpoints.
const CosignatureStream = "COSIGNATURES"

// Topology says where a node's copy of a stream comes from.
type Topology struct {
	// Mirror, when set, names the JetStream domain of the hub: the local
	// stream is a mirror of the hub's stream of the same name, with the
	// hub's sequence numbers, and nothing is published to it locally.
	Mirror string
	// Replicas is the hub streams' replication factor: 1 for one hub, 3
	// for a cluster of three. Mirrors are local to their node (1).
	Replicas int
}

// streamConfig adapts a hub stream's configuration to the topology.
func (t Topology) streamConfig(cfg jetstream.StreamConfig) jetstream.StreamConfig {
	if t.Mirror == "" {
		cfg.Replicas = max(t.Replicas, 1)
		if cfg.Replicas > 1 {
			// Direct gets are answered by any replica, which may not have
			// a record yet that the leader acknowledged: read through the
			// leader, so that a hub never misses a record it indexed.
			cfg.AllowDirect = false
		}
		return cfg
	}
	return MirrorConfig(cfg, t.Mirror)
}

// MirrorConfig turns a hub stream's configuration into that of a local
// mirror of it, fed from the hub's JetStream domain. A mirror takes no
// subjects of its own (it cannot be published to) and keeps the source's
// sequence numbers, subjects and message IDs.
func MirrorConfig(cfg jetstream.StreamConfig, hubDomain string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        cfg.Name,
		Description: cfg.Description + " (mirror of the hub's)",
		Storage:     cfg.Storage,
		Retention:   jetstream.LimitsPolicy,
		MaxMsgs:     -1,
		MaxBytes:    -1,
		MaxAge:      cfg.MaxAge,
		MaxMsgSize:  cfg.MaxMsgSize,
		Replicas:    1,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
		Mirror:      &jetstream.StreamSource{Name: cfg.Name, Domain: hubDomain},
	}
}

// OpenStream creates a stream as the topology wants it, or opens it if it
// exists. A stream that exists with the other role (a mirror where the
// node should hold its own, or the reverse) is refused: turning one into
// the other would lose or fork records.
func (t Topology) OpenStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return openStream(ctx, js, t.streamConfig(cfg))
}

func openStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	stream, err := js.CreateStream(ctx, cfg)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		stream, err = js.Stream(ctx, cfg.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", cfg.Name, err)
	}
	return checkRole(stream, cfg)
}

// checkRole refuses a stream that exists with the other role than cfg's.
func checkRole(stream jetstream.Stream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	have := stream.CachedInfo().Config
	switch {
	case cfg.Mirror != nil && have.Mirror == nil:
		return nil, fmt.Errorf("open stream %s: this node's stream is its own, not a mirror: an edge cannot run on a hub's data directory", cfg.Name)
	case cfg.Mirror == nil && have.Mirror != nil:
		return nil, fmt.Errorf("open stream %s: this node's stream mirrors domain %q: a hub cannot run on an edge's data directory", cfg.Name, have.Mirror.Domain)
	case cfg.Mirror != nil && mirrorDomain(have.Mirror) != cfg.Mirror.Domain:
		return nil, fmt.Errorf("open stream %s: it mirrors domain %q, not %q", cfg.Name, mirrorDomain(have.Mirror), cfg.Mirror.Domain)
	}
	return stream, nil
}

// existingStream opens a stream that must exist, since the node indexed
// records of it. JetStream leaves out of its recovery a stream whose files
// it cannot read, saying why only in its log.
func existingStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig, indexed uint64) (jetstream.Stream, error) {
	stream, err := js.Stream(ctx, cfg.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, fmt.Errorf("stream %s is gone, but this node had indexed (and acknowledged) %d records of it: %w; "+
			"JetStream did not recover it (its warnings above say why); the node will neither serve nor append until the stream is restored",
			cfg.Name, indexed, ErrLost)
	}
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", cfg.Name, err)
	}
	return checkRole(stream, cfg)
}

// mirrorDomain is the JetStream domain a mirror reads from: the server
// turns a source's Domain into the API prefix $JS.<domain>.API.
func mirrorDomain(src *jetstream.StreamSource) string {
	if src.Domain != "" || src.External == nil {
		return src.Domain
	}
	d, ok := strings.CutPrefix(src.External.APIPrefix, "$JS.")
	if !ok {
		return ""
	}
	d, _ = strings.CutSuffix(d, ".API")
	return d
}

// ArtifactStreamConfig is the stream behind the ARTIFACTS object store, as
// far as a mirror of it needs to know.
func ArtifactStreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        "OBJ_" + ArtifactBucket,
		Description: "Vault artifacts, named by the SHA-256 of their bytes",
		Storage:     jetstream.FileStorage,
	}
}

// MirrorStatus is how far a node's mirror of the hub's ledger is behind.
type MirrorStatus struct {
	// Lag is how many records the hub had that the mirror had not, when
	// the mirror last heard from the hub.
	Lag uint64 `json:"lag"`
	// LastContact is how long ago the mirror last heard from the hub
	// (negative: never).
	LastContact time.Duration `json:"lastContact"`
}

// MirrorStatus reports the mirror's lag; ok is false on a hub.
func (s *Store) MirrorStatus(ctx context.Context) (MirrorStatus, bool, error) {
	if s.mirror == "" {
		return MirrorStatus{}, false, nil
	}
	info, err := s.stream.Info(ctx)
	if err != nil {
		return MirrorStatus{}, true, fmt.Errorf("ledger mirror status: %w", err)
	}
	if info.Mirror == nil {
		return MirrorStatus{LastContact: -1}, true, nil
	}
	return MirrorStatus{Lag: info.Mirror.Lag, LastContact: info.Mirror.Active}, true, nil
}
