package cli

import "github.com/spf13/cobra"

func networkCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "network",
		Short: "Named networks for containers, as ledger facts: create, list",
		Long: "A network is a bridge on every node; the containers on one reach each other, and not those on\n" +
			"another. The network \"default\" always exists; a container manifest joins others with networks: [NAME].\n" +
			"Creating one is an admin's change (a network.created record).",
	}
	cmd.AddCommand(networkCreateCommand(), networkLsCommand())
	return cmd
}
