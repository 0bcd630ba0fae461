package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

func networkCreateCommand() *cobra.Command {
	var server, subnet string
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Declare a named network (a network.created record, signed by an admin key)",
		Long: `Create appends a network.created record signed with the operator key, which
needs the admin role. NAME is 1 to 32 of a-z, 0-9 and -. --subnet fixes the
network's IPv4 prefix on every node: a private one (10/8, 172.16/12,
192.168/16), from /16 to /28; without it each node chooses.`,
		Example: "  vault network create backend\n  vault network create backend --subnet 10.89.3.0/24",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return networkCreate(cmd.Context(), commandInvocation(cmd, server), args[0], subnet)
		},
	}
	cmd.Flags().StringVar(&subnet, "subnet", "", "the network's IPv4 prefix, such as 10.89.3.0/24 (default: each node chooses)")
	addServerFlag(cmd, &server)
	return cmd
}

// networkCreate appends the network.created record of network name
// (subnet: its IPv4 prefix, or empty for each node to choose).
func networkCreate(ctx context.Context, iv invocation, name, subnet string) error {
	body := events.NetworkCreated{Name: name, Subnet: subnet}
	if err := body.Check(); err != nil {
		return &exitError{1, fmt.Sprintf("create network %s: %v", name, err)}
	}
	c, snap, err := iv.dialNode(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if n := snap.State.Networks[body.Name]; n != nil {
		return &exitError{1, fmt.Sprintf("create network %s: it exists (created at seq %d)", body.Name, n.CreatedSeq)}
	}
	ack, _, err := signAndAppend(ctx, c, events.TypeNetworkCreated, body.Name, body, ledger.AppendOptions{})
	if err != nil {
		return opError("create network "+body.Name, err)
	}
	fmt.Fprintf(iv.out, "network %s created at seq %d\n", body.Name, ack.Seq)
	return nil
}
