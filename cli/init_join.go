package cli

import (
	"encoding/base64"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
)

// runJoin makes a data directory for a node of an existing ledger: its
// genesis, checked, and a new node key.
func runJoin(cmd *cobra.Command, data, genesisPath string, keys keyProtection, asJSON bool) error {
	genesis, err := os.ReadFile(genesisPath)
	if err != nil {
		return fmt.Errorf("vault init --join: %w", err)
	}
	env, err := events.DecodeEnvelope(genesis)
	if err != nil {
		return fmt.Errorf("vault init --join %s: not a genesis record: %w", genesisPath, err)
	}
	if _, _, err := events.VerifyGenesis(env); err != nil {
		return fmt.Errorf("vault init --join %s: not a valid genesis record: %w", genesisPath, err)
	}
	if err := checkNewDataDir(data); err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	node, err := events.GenerateSigner()
	if err != nil {
		return err
	}
	defer node.Wipe()
	lockKey(node, stderr)
	if err := writeDataDir(data, genesis, node, keys, newPassphrase(stderr)); err != nil {
		return err
	}
	if asJSON {
		return printJSON(cmd.OutOrStdout(), initResult{Data: data, Ledger: events.ID(genesis), NodeKey: node.ID,
			NodePublicKey: base64.StdEncoding.EncodeToString(node.Public())})
	}
	fmt.Fprintf(cmd.OutOrStdout(), "initialised %s to join ledger %s\n  node key %s\n  public key %s\n", data, events.ID(genesis), node.ID,
		base64.StdEncoding.EncodeToString(node.Public()))
	return nil
}
