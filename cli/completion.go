package cli

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/projector/fold"
)

// Shell completion (vault completion bash|zsh|fish|powershell, cobra's)
// of function names and versions, read from the node the command would
// talk to (--server, $VAULT_SERVER or the default). It never asks for a
// passphrase: a node that demands a key completes nothing.

// completionState reads the node's state for completing cmd's arguments.
func completionState(cmd *cobra.Command) (*fold.State, bool) {
	server := serverDefault()
	if f := cmd.Flags().Lookup("server"); f != nil && f.Changed {
		server = f.Value.String()
	}
	c, err := node.Dial(server, node.ClientConfig{CA: os.Getenv("VAULT_NATS_CA")})
	if err != nil {
		return nil, false
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	snap, err := c.Snapshot(ctx, 0)
	if err != nil {
		return nil, false
	}
	return snap.State, true
}

// completeFunction completes a function name as the first argument.
func completeFunction(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	st, ok := completionState(cmd)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for name, f := range st.Functions {
		if strings.HasPrefix(name, toComplete) && f.State != fold.Retired {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeRef completes NAME@vN: the names, then a name's versions.
func completeRef(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	name, _, hasAt := strings.Cut(toComplete, "@")
	if !hasAt {
		names, dir := completeFunction(cmd, args, toComplete)
		for i := range names {
			names[i] += "@"
		}
		return names, dir | cobra.ShellCompDirectiveNoSpace
	}
	st, ok := completionState(cmd)
	if !ok || st.Functions[name] == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var refs []string
	for _, v := range st.Functions[name].Versions {
		if ref := fmt.Sprintf("%s@v%d", name, v.Number); strings.HasPrefix(ref, toComplete) {
			refs = append(refs, ref)
		}
	}
	return refs, cobra.ShellCompDirectiveNoFileComp
}

// addCompletions gives the commands that take a function their
// completion.
func addCompletions(root *cobra.Command) {
	for _, cmd := range root.Commands() {
		switch strings.Fields(cmd.Use)[0] {
		case "activate":
			cmd.ValidArgsFunction = completeRef
		case "rollback", "pause", "resume", "stop", "start", "retire", "kill", "inspect", "logs", "exec":
			cmd.ValidArgsFunction = completeFunction
		}
	}
}
