package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"
)

// serverRequest is the body of server.stop: how long in-flight requests
// may take to finish.
type serverRequest struct {
	DrainMillis int64 `json:"drainMs,omitempty"`
}

// serverResult is what server.stop and server.start did.
type serverResult struct {
	NodeID string `json:"nodeId"`
	// Changed is false if the server already was as asked.
	Changed bool `json:"changed"`
	// Listeners are the closed (stop) or reopened (start) addresses.
	Listeners map[string]string `json:"listeners"`
	// DrainMillis is how long the in-flight requests took to finish;
	// DrainError says why some did not.
	DrainMillis int64  `json:"drainMs,omitempty"`
	DrainError  string `json:"drainError,omitempty"`
}

var errNodeStarting = errors.New("the node is still starting")

// maxServerDrain keeps a drain within the control request's reply time.
const maxServerDrain = 25 * time.Second

// serverStop stops taking traffic: the listeners close and the open
// connections drain. The projector keeps applying the ledger, so the
// routes are current when serverStart resumes.
func (n *node) serverStop(ctx context.Context, body json.RawMessage) (any, error) {
	var req serverRequest
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, fmt.Errorf("want {\"drainMs\": N}: %w", err)
		}
	}
	if n.edge == nil {
		return nil, errNodeStarting
	}
	res := serverResult{NodeID: n.id, Listeners: maps.Clone(n.edge.Addrs)}
	if n.edge.Paused() {
		return res, nil
	}
	drain := min(time.Duration(req.DrainMillis)*time.Millisecond, maxServerDrain)
	if drain <= 0 {
		drain = maxServerDrain
	}
	ctx, cancel := context.WithTimeout(ctx, drain)
	defer cancel()
	start := time.Now()
	err := n.edge.Pause(ctx)
	res.Changed, res.DrainMillis = true, time.Since(start).Milliseconds()
	if err != nil {
		res.DrainError = err.Error()
	}
	n.cfg.Log.Warn("server stopped by control request: not taking traffic", "drainMs", res.DrainMillis, "err", err)
	return res, nil
}

// serverStart binds the listeners again, on the ports they had.
func (n *node) serverStart(context.Context, json.RawMessage) (any, error) {
	if n.closing.Load() {
		return nil, errors.New("the node is shutting down")
	}
	if n.edge == nil {
		return nil, errNodeStarting
	}
	res := serverResult{NodeID: n.id}
	if n.edge.Paused() {
		if err := n.edge.Resume(); err != nil {
			return nil, err
		}
		res.Changed = true
		n.cfg.Log.Info("server started by control request: taking traffic")
	}
	res.Listeners = maps.Clone(n.edge.Addrs)
	return res, nil
}

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
			if drain <= 0 || drain > maxServerDrain {
				return fmt.Errorf("--drain %v: want more than 0 and at most %v", drain, maxServerDrain)
			}
			res, err := callServer(cmd, server, "server.stop", serverRequest{DrainMillis: drain.Milliseconds()})
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
			res, err := callServer(cmd, server, "server.start", struct{}{})
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

func callServer(cmd *cobra.Command, server, method string, body any) (serverResult, error) {
	nc, snap, err := dialNode(cmd.Context(), server)
	if err != nil {
		return serverResult{}, err
	}
	defer nc.Close()
	var res serverResult
	err = callControl(cmd.Context(), nc, snap.State.Ledger, method, body, &res)
	return res, err
}
