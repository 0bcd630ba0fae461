package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

func imageRmCommand() *cobra.Command {
	var server string
	cmd := &cobra.Command{
		Use:     "rm IMAGE",
		Short:   "Remove an image from the ledger (refused while a deployed version uses it); nodes drop its unpacked tree",
		Example: "  vault image rm registry.example.com/team/api:1.4",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, img, err := dialImage(ctx, commandInvocation(cmd, server), args[0])
			if err != nil {
				return err
			}
			defer c.Close()
			ack, _, err := signAndAppend(ctx, c, events.TypeImageRemoved, img.Digest, events.ImageRemoved{Digest: img.Digest}, ledger.AppendOptions{})
			if err != nil {
				return opError("remove image "+img.Digest, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s at seq %d\n", img.Digest, ack.Seq)
			return nil
		},
	}
	addServerFlag(cmd, &server)
	return cmd
}

// pulledOf is the image.pulled body describing img's blobs.
func pulledOf(img *fold.Image) events.ImagePulled {
	return events.ImagePulled{Digest: img.Digest, Platform: img.Platform, Manifest: img.Manifest, Config: img.Config, Layers: img.Layers}
}
