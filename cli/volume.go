package cli

import "github.com/spf13/cobra"

func volumeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "volume",
		Short: "Named volumes for containers, as ledger facts: create, list, remove",
		Long: "A volume is a directory on every node, under its data dir, that a container mounts\n" +
			"(volumes: [{name: NAME, path: /data}] in its manifest) and that outlives its versions. Creating and\n" +
			"removing one are an admin's changes (volume.created, volume.removed records); a volume a deployed\n" +
			"version mounts cannot be removed until its function is retired.",
	}
	cmd.AddCommand(volumeCreateCommand(), volumeLsCommand(), volumeRmCommand())
	return cmd
}
