package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

func volumeCreateCommand() *cobra.Command {
	var server string
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Declare a named volume (a volume.created record, signed by an admin key)",
		Long: `Create appends a volume.created record signed with the operator key, which
needs the admin role. NAME is 1 to 32 of a-z, 0-9 and -. Containers may
then mount it; each node makes its directory when a container needs it.`,
		Example: "  vault volume create pgdata",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return volumeCreate(cmd.Context(), commandInvocation(cmd, server), args[0])
		},
	}
	addServerFlag(cmd, &server)
	return cmd
}

// volumeCreate appends the volume.created record of volume name.
func volumeCreate(ctx context.Context, iv invocation, name string) error {
	body := events.VolumeCreated{Name: name}
	if err := body.Check(); err != nil {
		return &exitError{1, fmt.Sprintf("create volume %s: %v", name, err)}
	}
	c, snap, err := iv.dialNode(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if v := snap.State.Volumes[body.Name]; v != nil {
		return &exitError{1, fmt.Sprintf("create volume %s: it exists (created at seq %d)", body.Name, v.CreatedSeq)}
	}
	ack, _, err := signAndAppend(ctx, c, events.TypeVolumeCreated, body.Name, body, ledger.AppendOptions{})
	if err != nil {
		return opError("create volume "+body.Name, err)
	}
	fmt.Fprintf(iv.out, "volume %s created at seq %d\n", body.Name, ack.Seq)
	return nil
}
