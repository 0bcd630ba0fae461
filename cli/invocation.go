package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
)

// invocation is what a command's logic needs besides its arguments: where
// it prints, the node it talks to and the key it signs with. A command
// makes one from its flags (commandInvocation); the MCP server makes one
// per tool call, with the key it was started with and buffers for output,
// so that both run the same code.
type invocation struct {
	out, errOut io.Writer
	server      string
	// key is the signing key, opened on first use.
	key func() (*events.Signer, error)
}

// commandInvocation is cmd's invocation: its output streams and the
// operator key in $VAULT_CONFIG.
func commandInvocation(cmd *cobra.Command, server string) invocation {
	return invocation{out: cmd.OutOrStdout(), errOut: cmd.ErrOrStderr(), server: server, key: loadOperatorKey}
}

// dial connects to the node (node.Client): the key signs in if the node
// demands it, and signs appends and control requests; $VAULT_NATS_CA names
// the CA of a TLS listener.
func (iv invocation) dial() (*node.Client, error) {
	return node.Dial(iv.server, node.ClientConfig{Key: iv.key, CA: os.Getenv("VAULT_NATS_CA")})
}

// dialNode connects to the node and reads its current snapshot; the
// caller closes the client.
func (iv invocation) dialNode(ctx context.Context) (*node.Client, *fold.Snapshot, error) {
	c, err := iv.dial()
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
func (iv invocation) dialFunction(ctx context.Context, verb, name string) (*node.Client, *fold.Snapshot, *fold.Function, error) {
	c, snap, err := iv.dialNode(ctx)
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
