package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

func volumeRmCommand() *cobra.Command {
	var server string
	cmd := &cobra.Command{
		Use:   "rm NAME",
		Short: "Remove a volume (a volume.removed record, signed by an admin key); refused while a deployed version mounts it",
		Long: `Rm appends a volume.removed record signed with the operator key, which needs
the admin role. It is refused, naming them, while versions of functions
not retired mount the volume: retire those functions first. Nodes then
drop the volume's directory, and its data.`,
		Example: "  vault volume rm pgdata",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			ctx := cmd.Context()
			c, snap, err := dialNode(ctx, server)
			if err != nil {
				return err
			}
			defer c.Close()
			if snap.State.Volumes[name] == nil {
				return &exitError{1, fmt.Sprintf("remove volume %s: no such volume (vault volume ls)", name)}
			}
			if users := snap.State.VolumeUsers(name); len(users) > 0 {
				return &exitError{1, fmt.Sprintf("remove volume %s: mounted by %s; retire those functions first", name, strings.Join(users, ", "))}
			}
			// The node judges again: a deploy may have come in between.
			ack, _, err := signAndAppend(ctx, c, events.TypeVolumeRemoved, name, events.VolumeRemoved{Name: name}, ledger.AppendOptions{})
			if err != nil {
				return opError("remove volume "+name, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "volume %s removed at seq %d\n", name, ack.Seq)
			return nil
		},
	}
	addServerFlag(cmd, &server)
	return cmd
}
