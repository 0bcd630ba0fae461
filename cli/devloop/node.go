package devloop

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/edge"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/schemas"
)

// devNode is the throwaway node, its data directory and a client signed
// in with the throwaway operator key.
type devNode struct {
	node     *node.Node
	client   *node.Client
	operator *events.Signer
	data     string
	natsURL  string
	h2c      string
}

// closeTimeout bounds the node's drain when vault dev stops.
const closeTimeout = 5 * time.Second

// startNode makes a ledger of its own in a new temporary directory under
// tempDir and starts a node on it, on free loopback ports.
func startNode(ctx context.Context, tempDir string, log *slog.Logger) (_ *devNode, err error) {
	data, err := os.MkdirTemp(tempDir, "vault-dev-")
	if err != nil {
		return nil, fmt.Errorf("devloop: make data directory: %w", err)
	}
	dn := &devNode{data: data}
	defer func() {
		if err != nil {
			dn.close()
		}
	}()
	if dn.operator, err = events.GenerateSigner(); err != nil {
		return nil, fmt.Errorf("devloop: operator key: %w", err)
	}
	nodeKey, err := events.GenerateSigner()
	if err != nil {
		return nil, fmt.Errorf("devloop: node key: %w", err)
	}
	genesis, err := genesisEnvelope(dn.operator, nodeKey)
	if err != nil {
		nodeKey.Wipe()
		return nil, err
	}
	natsListen, err := freeLoopback()
	if err != nil {
		nodeKey.Wipe()
		return nil, err
	}
	ec := edge.DefaultConfig()
	ec.Listen = "127.0.0.1:0"
	cfg := node.Config{Data: data, Genesis: genesis, NodeKey: nodeKey, NATSListen: natsListen, NATSAuth: "keyring",
		LedgerSync: "interval", Edge: ec, MaxArtifactBytes: schemas.DefaultMaxArtifactBytes, Log: log}
	if err := cfg.Validate(); err != nil {
		nodeKey.Wipe()
		return nil, fmt.Errorf("devloop: %w", err)
	}
	// From here the node owns the node key and wipes it.
	if dn.node, err = node.Start(ctx, cfg); err != nil {
		return nil, fmt.Errorf("devloop: start node: %w", err)
	}
	dn.natsURL, dn.h2c = dn.node.NATSURL, dn.node.Addrs()["h2c"]
	op := dn.operator
	if dn.client, err = node.Dial(dn.natsURL, node.ClientConfig{Key: func() (*events.Signer, error) { return op, nil }}); err != nil {
		return nil, fmt.Errorf("devloop: %w", err)
	}
	return dn, nil
}

// close stops the node, wipes the operator key and removes the data
// directory.
func (dn *devNode) close() error {
	var errs []error
	if dn.client != nil {
		dn.client.Close()
	}
	if dn.node != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		if err := dn.node.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("devloop: stop node: %w", err))
		}
	}
	if dn.operator != nil {
		dn.operator.Wipe()
	}
	if err := os.RemoveAll(dn.data); err != nil {
		errs = append(errs, fmt.Errorf("devloop: remove data directory: %w", err))
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// genesisEnvelope is the genesis vault init writes: the operator key as
// admin with the deploy and activate roles, the node key with role log.
func genesisEnvelope(operator, nodeKey *events.Signer) ([]byte, error) {
	body := events.Genesis{
		Name: "vault-dev",
		Keys: []events.KeyGrant{
			{ID: operator.ID, PublicKey: operator.Public(), Roles: []events.Role{events.RoleAdmin, events.RoleDeploy, events.RoleActivate}},
			{ID: nodeKey.ID, PublicKey: nodeKey.Public(), Roles: []events.Role{events.RoleLog}},
		},
		AdminThreshold: 1,
	}
	payload, err := events.NewEvent("", events.TypeGenesis, body.Name, body)
	if err != nil {
		return nil, fmt.Errorf("devloop: genesis: %w", err)
	}
	env, err := events.Seal(payload, operator)
	if err != nil {
		return nil, fmt.Errorf("devloop: genesis: %w", err)
	}
	return env, nil
}

// freeLoopback is a loopback address with a port free a moment ago: the
// embedded NATS needs a concrete port.
func freeLoopback() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("devloop: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
