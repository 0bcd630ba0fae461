package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/projector/fold"
)

func imageLsCommand() *cobra.Command {
	var server string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "ls",
		Short:   "List the images in the ledger: each pull's repository and tag, the digest, size, when and by whom",
		Example: "  vault image ls\n  vault image ls --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return imageList(cmd.Context(), commandInvocation(cmd, server), asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the images as JSON, by digest")
	addServerFlag(cmd, &server)
	return cmd
}

// imageList prints the images the ledger holds.
func imageList(ctx context.Context, iv invocation, asJSON bool) error {
	c, snap, err := iv.dialNode(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	images := snap.State.Images
	out := iv.out
	if asJSON {
		if images == nil {
			images = map[string]*fold.Image{}
		}
		return printJSON(out, images)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPOSITORY\tTAG\tDIGEST\tSIZE\tPULLED AT\tBY")
	for _, digest := range slices.Sorted(maps.Keys(images)) {
		img := images[digest]
		for _, p := range img.Pulls {
			tag := p.Tag
			if tag == "" {
				tag = "<none>"
			}
			by := ""
			if len(p.By) > 0 {
				by = p.By[0]
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\tseq %d\t%s\n", p.Repository, tag, digest[:len("sha256:")+12], size(img.Size), p.Seq, by)
		}
	}
	return tw.Flush()
}
