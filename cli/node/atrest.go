package node

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// HKDF-SHA256 labels (info) of the keys a node derives from its node
// key's seed to encrypt its data directory. Each use has its own label,
// so no two share key material, and none is ever stored: whoever can
// open node.key can derive them again.
const (
	jetStreamKeyLabel = "vault/v1 node at-rest: JetStream storage"
	pebbleSealLabel   = "vault/v1 node at-rest: pebble values"
)

// atRestKeys derives the JetStream storage key (for server.Options's
// JetStreamKey, which NATS uses as an HMAC key) and the pebble Sealer.
func atRestKeys(node *events.Signer) (jetStream string, seal *ledger.Sealer, err error) {
	seed := node.Seed()
	defer clear(seed)
	js, err := hkdf.Key(sha256.New, seed, nil, jetStreamKeyLabel, 32)
	if err != nil {
		return "", nil, fmt.Errorf("derive JetStream key: %w", err)
	}
	defer clear(js)
	sk, err := hkdf.Key(sha256.New, seed, nil, pebbleSealLabel, ledger.SealKeySize)
	if err != nil {
		return "", nil, fmt.Errorf("derive pebble key: %w", err)
	}
	defer clear(sk)
	if seal, err = ledger.NewSealer(sk); err != nil {
		return "", nil, err
	}
	return hex.EncodeToString(js), seal, nil
}
