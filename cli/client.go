package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

// dial connects to the node at server (node.Client): the operator key
// signs in if the node demands it, and signs appends and control
// requests; $VAULT_NATS_CA names the CA of a TLS listener.
func dial(server string) (*node.Client, error) {
	return node.Dial(server, node.ClientConfig{Key: loadOperatorKey, CA: os.Getenv("VAULT_NATS_CA")})
}

// dialNode connects to a node and reads its current snapshot; the caller
// closes the client.
func dialNode(ctx context.Context, server string) (*node.Client, *fold.Snapshot, error) {
	c, err := dial(server)
	if err != nil {
		return nil, nil, err
	}
	snap, err := c.Snapshot(ctx, 0)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, snap, nil
}

// dialFunction is dialNode for a command about one function: it fails,
// naming verb, if the node has no function called name.
func dialFunction(ctx context.Context, server, verb, name string) (*node.Client, *fold.Snapshot, *fold.Function, error) {
	c, snap, err := dialNode(ctx, server)
	if err != nil {
		return nil, nil, nil, err
	}
	f := snap.State.Functions[name]
	if f == nil {
		c.Close()
		return nil, nil, nil, fmt.Errorf("%s %s: no function %q is deployed", verb, name, name)
	}
	return c, snap, f, nil
}

// appended is an acknowledged append and when the acknowledgement came.
type appended struct {
	ledger.Appended
	At time.Time
}

// signAndAppend builds an event for the node's ledger, signs it with the
// operator key, appends it and waits until the node applied it.
func signAndAppend(ctx context.Context, c *node.Client, typ events.Type, subject string, body any, opts ledger.AppendOptions) (appended, *fold.Snapshot, error) {
	ack, err := c.SignAndAppend(ctx, typ, subject, body, opts)
	if err != nil {
		return appended{}, nil, err
	}
	res := appended{Appended: ack, At: time.Now()}
	snap, err := c.Snapshot(ctx, res.Seq)
	if err != nil {
		return res, nil, err
	}
	return res, snap, nil
}

// opError is err of the operation op ("activate shop@v2"), which it names
// once: a gate's refusal already starts with it ("activate shop@v2: shop
// is paused (since seq 12, v1): resume it first").
func opError(op string, err error) error {
	if strings.HasPrefix(err.Error(), op+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
