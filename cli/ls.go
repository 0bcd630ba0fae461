package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/vault-runtime/vault/projector/fold"
)

// versionState is what one version is doing: "active", "canary 20%",
// "paused", with "(not served here)" when this node serves otherwise, or
// "served" for a version this node still serves though the ledger moved on.
func versionState(f *fold.Function, served fold.Served, v int) string {
	want := f.Weight(v)
	state := ""
	switch {
	case want == 0:
	case f.State == fold.Paused || f.State == fold.Stopped:
		state = string(f.State)
	case v == f.Canary:
		state = fmt.Sprintf("canary %d%%", want)
	case f.Canary != 0:
		state = fmt.Sprintf("active %d%%", want)
	default:
		state = "active"
	}
	has := slices.ContainsFunc(served.Versions, func(sv fold.ServedVersion) bool { return sv.Version == v })
	switch {
	case state != "" && f.State == fold.Paused && !served.Paused, state != "" && f.State == fold.Stopped && !served.Stopped:
		state += " (not served here)"
	case state != "" && f.State != fold.Paused && f.State != fold.Stopped && served.Weight(v) != want:
		state += " (not served here)"
	case state == "" && has && !served.Paused && !served.Stopped:
		state = "served"
	}
	return state
}

func lsCommand() *cobra.Command {
	var server string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "ls",
		Short:   "List functions, their versions, which one is active and its routes",
		Example: "  vault ls\n  vault ls --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return list(cmd.Context(), commandInvocation(cmd, server), asJSON)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the node's snapshot as JSON")
	return cmd
}

// list prints the functions and their versions, or the node's snapshot
// as JSON.
func list(ctx context.Context, iv invocation, asJSON bool) error {
	c, snap, err := iv.dialNode(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	out := iv.out
	if asJSON {
		return printJSON(out, snap)
	}
	names := make([]string, 0, len(snap.State.Functions))
	for name := range snap.State.Functions {
		names = append(names, name)
	}
	slices.Sort(names)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FUNCTION\tVERSION\tSTATE\tDEPLOYED AT\tARTIFACT\tROUTES")
	for _, name := range names {
		f := snap.State.Functions[name]
		served := snap.Served[name]
		for _, v := range f.Versions {
			state := versionState(f, served, v.Number)
			if f.State == fold.Retired && v.Number == len(f.Versions) {
				state = "retired"
			}
			artifact := v.Artifact[:12]
			if v.Image != "" {
				artifact += " image " + v.Image[:len("sha256:")+12]
			}
			fmt.Fprintf(tw, "%s\tv%d\t%s\tseq %d\t%s\t%s\n", name, v.Number, state, v.DeployedSeq, artifact, strings.Join(v.Routes, " "))
		}
	}
	tw.Flush()
	for _, key := range slices.Sorted(maps.Keys(snap.Failed)) {
		fmt.Fprintf(out, "not served here: %s: %s\n", key, snap.Failed[key])
	}
	fmt.Fprintf(out, "ledger %s at seq %d\n", snap.State.Ledger, snap.State.Seq)
	return nil
}
