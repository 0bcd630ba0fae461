package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/projector/fold"
)

// inspection is what `vault inspect --json` prints.
type inspection struct {
	Function *fold.Function             `json:"function"`
	Routes   map[string]fold.RouteOwner `json:"routes"`
	Nodes    []nodeView                 `json:"nodes"`
}

// nodeView is what one node serves of the function.
type nodeView struct {
	NodeID  string            `json:"nodeId"`
	Applied uint64            `json:"applied"`
	Served  *fold.Served      `json:"served,omitempty"`
	Failed  map[string]string `json:"failed,omitempty"`
}

func inspectCommand() *cobra.Command {
	var server string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect NAME",
		Short: "Show a function's versions, digests, signers, lifecycle history, routes and what each node serves",
		Long: `Inspect prints one function as the ledger has it: its state and traffic split,
every version with its artifact digest, routes, the sequence it was deployed at
and the keys that signed it, every lifecycle event (activate, rollback, pause,
resume, retire) with its sequence and signers, the routes it owns, and what
every node that answers serves of it, with versions a node failed to warm.`,
		Example: "  vault inspect myfn\n  vault inspect myfn --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := inspectFunction(cmd.Context(), commandInvocation(cmd, server), args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), in)
			}
			printInspection(cmd.OutOrStdout(), in)
			return nil
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// inspectFunction is function name as the ledger has it, with the routes
// it owns and what every node that answers serves of it.
func inspectFunction(ctx context.Context, iv invocation, name string) (inspection, error) {
	c, snap, f, err := iv.dialFunction(ctx, "inspect", name)
	if err != nil {
		return inspection{}, err
	}
	defer c.Close()
	nodes, err := c.Nodes(ctx, 150*time.Millisecond, 2*time.Second)
	if err != nil {
		return inspection{}, err
	}
	in := inspection{Function: f, Routes: map[string]fold.RouteOwner{}}
	for shape, o := range snap.State.Routes {
		if o.Function == name {
			in.Routes[shape] = o
		}
	}
	for _, a := range nodes {
		v := nodeView{NodeID: a.NodeID, Applied: a.Applied}
		if s, ok := a.Served[name]; ok {
			v.Served = &s
		}
		for key, reason := range a.Failed {
			if strings.HasPrefix(key, name+"@") {
				if v.Failed == nil {
					v.Failed = map[string]string{}
				}
				v.Failed[key] = reason
			}
		}
		in.Nodes = append(in.Nodes, v)
	}
	return in, nil
}

func printInspection(w io.Writer, in inspection) {
	f := in.Function
	fmt.Fprintf(w, "%s: %s", f.Name, f.Summary())
	if f.StateSeq != 0 {
		fmt.Fprintf(w, " since seq %d", f.StateSeq)
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "\nVERSIONS")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSHARE\tDEPLOYED\tSIGNED BY\tARTIFACT\tSIZE\tROUTES")
	for _, v := range f.Versions {
		share := "-"
		if p := f.Weight(v.Number); p > 0 {
			share = fmt.Sprintf("%d%%", p)
		}
		routes := strings.Join(v.Routes, " ")
		if len(v.Transferred) > 0 {
			routes += " (took " + strings.Join(v.Transferred, " ") + ")"
		}
		artifact := v.Artifact
		if v.Image != "" {
			artifact += " (image " + v.Image + ")"
		}
		if len(v.Volumes) > 0 {
			artifact += " volumes " + strings.Join(v.Volumes, ",")
		}
		if len(v.Networks) > 0 {
			artifact += " networks " + strings.Join(v.Networks, ",")
		}
		fmt.Fprintf(tw, "v%d\t%s\tseq %d\t%s\t%s\t%d\t%s\n", v.Number, share, v.DeployedSeq, strings.Join(v.DeployedBy, ","), artifact, v.Size, routes)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nHISTORY")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tEVENT\tSIGNED BY\tTHEN")
	for _, h := range f.History {
		what := h.Action
		if h.Version != 0 {
			what += fmt.Sprintf(" v%d", h.Version)
		}
		if h.Percent != 0 {
			what += fmt.Sprintf(" %d%%", h.Percent)
		}
		if h.Reason != "" {
			what += fmt.Sprintf(" (%s)", h.Reason)
		}
		then := (&fold.Function{State: h.State, Active: h.Active, Canary: h.Canary, CanaryPercent: h.CanaryPercent}).Summary()
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", h.Seq, what, strings.Join(h.By, ","), then)
	}
	if len(f.History) == 0 {
		fmt.Fprintln(tw, "-\tnever activated\t\t")
	}
	tw.Flush()

	fmt.Fprintln(w, "\nROUTES OWNED")
	for _, shape := range slices.Sorted(maps.Keys(in.Routes)) {
		o := in.Routes[shape]
		fmt.Fprintf(w, "  %s (since seq %d)\n", o.Route, o.Since)
	}
	if len(in.Routes) == 0 {
		fmt.Fprintln(w, "  none")
	}
	printSecretKeys(w, f)

	fmt.Fprintln(w, "\nNODES")
	for _, n := range in.Nodes {
		what := "not serving it"
		if n.Served != nil {
			what = node.DescribeServed(*n.Served)
		}
		fmt.Fprintf(w, "  %s (applied seq %d): %s\n", n.NodeID, n.Applied, what)
		for _, key := range slices.Sorted(maps.Keys(n.Failed)) {
			fmt.Fprintf(w, "    failed %s: %s\n", key, n.Failed[key])
		}
	}
	if len(in.Nodes) == 0 {
		fmt.Fprintln(w, "  no node answered")
	}
}
