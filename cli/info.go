package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/projector/fold"
)

func infoCommand() *cobra.Command {
	var server string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Summarise the node and the ledger: container runtime, containers by state, images, networks, volumes, functions",
		Long: `Info asks the node you are connected to for its status (a signed control
request) and reads its projected state: whether it runs containers (and why
not), how many it runs in each state, and what the ledger declares: functions
by state, images, networks with their subnets, volumes and who mounts them.`,
		Example: "  vault info\n  vault info --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return info(cmd.Context(), commandInvocation(cmd, server), asJSON)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}

// infoReport is what info prints.
type infoReport struct {
	Node       string              `json:"node"`
	Ledger     string              `json:"ledger"`
	Applied    uint64              `json:"applied"`
	Runtime    string              `json:"containerRuntime"`
	Runc       string              `json:"runc,omitempty"`
	Containers map[string]int      `json:"containers"` // by state
	Functions  map[string]int      `json:"functions"`  // by lifecycle state
	Images     int                 `json:"images"`
	Networks   map[string]string   `json:"networks"` // name: subnet ("" the node chooses)
	Volumes    map[string][]string `json:"volumes"`  // name: the versions mounting it
}

func info(ctx context.Context, iv invocation, asJSON bool) error {
	c, snap, err := iv.dialNode(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	r := infoSummary(st, snap.State)
	if asJSON {
		return printJSON(iv.out, r)
	}
	out := iv.out
	fmt.Fprintf(out, "node        %s (applied seq %d of ledger %s)\n", r.Node, r.Applied, r.Ledger)
	runtime := r.Runtime
	if r.Runc != "" {
		runtime += " (" + r.Runc + ")"
	}
	fmt.Fprintf(out, "containers  %s: %s\n", runtime, countsLine(r.Containers))
	fmt.Fprintf(out, "functions   %s\n", countsLine(r.Functions))
	fmt.Fprintf(out, "images      %d\n", r.Images)
	for _, name := range slices.Sorted(maps.Keys(r.Networks)) {
		subnet := r.Networks[name]
		if subnet == "" {
			subnet = "chosen by each node"
		}
		fmt.Fprintf(out, "network     %s: %s\n", name, subnet)
	}
	for _, name := range slices.Sorted(maps.Keys(r.Volumes)) {
		users := "unused"
		if len(r.Volumes[name]) > 0 {
			users = "mounted by " + strings.Join(r.Volumes[name], ", ")
		}
		fmt.Fprintf(out, "volume      %s: %s\n", name, users)
	}
	return nil
}

func infoSummary(st node.Status, s *fold.State) infoReport {
	r := infoReport{Node: st.NodeID, Ledger: st.Ledger, Applied: st.Applied, Runtime: st.ContainerRuntime,
		Containers: map[string]int{}, Functions: map[string]int{}, Images: len(s.Images),
		Networks: map[string]string{"default": ""}, Volumes: map[string][]string{}}
	r.Runc = st.RuncVersion
	for _, c := range st.Containers {
		r.Containers[c.State]++
	}
	for _, f := range s.Functions {
		r.Functions[string(f.State)]++
	}
	for name, n := range s.Networks {
		r.Networks[name] = n.Subnet
	}
	for name := range s.Volumes {
		r.Volumes[name] = s.VolumeUsers(name)
	}
	return r
}

// countsLine is "3 running, 1 paused", or "none".
func countsLine(counts map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
