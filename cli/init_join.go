package cli

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
)

// runJoin makes a data directory for a node of an existing ledger: its
// genesis, checked, and a new node key.
func runJoin(cmd *cobra.Command, data, genesisPath string, keys keyProtection) error {
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
	if _, err := os.Stat(filepath.Join(data, genesisFile)); err == nil {
		return &exitError{1, fmt.Sprintf("vault init: %s is already initialised (it has a %s); nothing was changed", data, genesisFile)}
	}
	if entries, err := os.ReadDir(data); err == nil && len(entries) > 0 {
		return &exitError{1, fmt.Sprintf("vault init: %s exists and is not empty; nothing was changed", data)}
	}
	stderr := cmd.ErrOrStderr()
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if err := os.Chmod(data, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	node, err := events.GenerateSigner()
	if err != nil {
		return err
	}
	defer node.Wipe()
	lockKey(node, stderr)
	nodeKeyPath := filepath.Join(data, nodeKeyFile)
	if !keys.Plaintext {
		if keys.Passphrase, err = newPassphrase(stderr).get(nodeKeyPath, true); err != nil {
			return fmt.Errorf("save key %s: %w", nodeKeyPath, err)
		}
	}
	if err := writeKeyFile(nodeKeyPath, node, keys); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(data, genesisFile), genesis, 0o600); err != nil {
		return fmt.Errorf("write genesis: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "initialised %s to join ledger %s\n  node key %s\n  public key %s\n", data, events.ID(genesis), node.ID,
		base64.StdEncoding.EncodeToString(node.Public()))
	return nil
}
