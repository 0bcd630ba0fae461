package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func imagePushCommand() *cobra.Command {
	var server string
	cmd := &cobra.Command{
		Use:     "push IMAGE DESTINATION",
		Short:   "Push a stored image to a registry under another name; the digest does not change",
		Example: "  vault image push registry.example.com/team/api@sha256:… other.example.com/team/api:1.4",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rc, err := registryClient(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			c, img, err := dialImage(ctx, commandInvocation(cmd, server), args[0])
			if err != nil {
				return err
			}
			defer c.Close()
			store, err := openNodeStore(ctx, c)
			if err != nil {
				return err
			}
			if err := rc.Push(ctx, pulledOf(img), store, args[1]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "pushed %s as %s\n", img.Digest, args[1])
			return nil
		},
	}
	addServerFlag(cmd, &server)
	return cmd
}
