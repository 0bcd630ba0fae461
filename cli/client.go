package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

// dialNode is invocation.dialNode with the operator key.
func dialNode(ctx context.Context, server string) (*node.Client, *fold.Snapshot, error) {
	return invocation{server: server, key: loadOperatorKey}.dialNode(ctx)
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
