package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"github.com/vault-runtime/vault/cli/node"
)

func serverCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Stop or start a node's HTTP traffic while it keeps following the ledger",
		Long: `Server stop and start are control requests, signed with your operator key (role
admin), to the node at --server.

'vault server stop' closes the node's edge listeners (new connections are
refused), tells open HTTP/2 connections to go away (GOAWAY) and waits for the
requests in flight to finish (--drain). The node keeps running: it follows and
applies the ledger and answers the CLI, so deploys and activations made while
it is stopped are live when 'vault server start' reopens the same ports.

Use it to take a node out of a load balancer's rotation, or to hold traffic
while you change several functions at once. 'vault status' shows whether the
server is serving or paused.`,
		Example: `  vault server stop --server nats://10.0.0.5:4222
  vault deploy ./myfn && vault activate myfn@v4
  vault server start --server nats://10.0.0.5:4222`,
	}
	cmd.AddCommand(serverStopCommand(), serverStartCommand())
	return cmd
}

func serverStopCommand() *cobra.Command {
	var server string
	var drain time.Duration
	cmd := &cobra.Command{
		Use:   "stop",
		Short: "Stop taking traffic: close the listeners and drain in-flight requests",
		Long: `Stop closes the node's edge listeners and drains its connections; requests in
flight finish (up to --drain). The node keeps applying the ledger.`,
		Example: "  vault server stop\n  vault server stop --drain 5s",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if drain <= 0 || drain > node.MaxServerDrain {
				return fmt.Errorf("--drain %v: want more than 0 and at most %v", drain, node.MaxServerDrain)
			}
			res, err := callServer(cmd, server, func(c *node.Client, ctx context.Context) (node.ServerResult, error) {
				return c.ServerStop(ctx, drain)
			})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if !res.Changed {
				fmt.Fprintf(out, "node %s: already paused\n", res.NodeID)
				return nil
			}
			for _, k := range slices.Sorted(maps.Keys(res.Listeners)) {
				fmt.Fprintf(out, "paused: %s %s closed\n", k, res.Listeners[k])
			}
			if res.DrainError != "" {
				fmt.Fprintf(out, "drain: not all in-flight requests finished within %v (%s); they go on until they end\n", drain, res.DrainError)
			} else {
				fmt.Fprintf(out, "drained in-flight requests in %v\n", time.Duration(res.DrainMillis)*time.Millisecond)
			}
			fmt.Fprintf(out, "node %s still applies the ledger; 'vault server start' resumes\n", res.NodeID)
			return nil
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().DurationVar(&drain, "drain", 20*time.Second, "how long in-flight requests may take to finish (at most 25s)")
	return cmd
}

func serverStartCommand() *cobra.Command {
	var server string
	cmd := &cobra.Command{
		Use:     "start",
		Short:   "Take traffic again on the ports the node had",
		Example: "  vault server start",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := callServer(cmd, server, (*node.Client).ServerStart)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if !res.Changed {
				fmt.Fprintf(out, "node %s: already serving\n", res.NodeID)
			}
			for _, k := range slices.Sorted(maps.Keys(res.Listeners)) {
				fmt.Fprintf(out, "serving: %s %s\n", k, res.Listeners[k])
			}
			return nil
		},
	}
	addServerFlag(cmd, &server)
	return cmd
}

// callServer dials the node at server and runs call (ServerStop or
// ServerStart) on it.
func callServer(cmd *cobra.Command, server string, call func(*node.Client, context.Context) (node.ServerResult, error)) (node.ServerResult, error) {
	c, _, err := dialNode(cmd.Context(), server)
	if err != nil {
		return node.ServerResult{}, err
	}
	defer c.Close()
	return call(c, cmd.Context())
}
