package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
)

// Files of a node's data directory.
const (
	genesisFile = "genesis.dsse"
	nodeKeyFile = "node.key"
)

func initCommand() *cobra.Command {
	var data, name string
	cmd := &cobra.Command{
		Use:   "init --data DIR",
		Short: "Create a node's data directory, its keys and the genesis record of a new ledger",
		Long: `Init creates DIR (mode 0700) with a node key and the genesis record of a new
ledger. The genesis names the operator key (created in $VAULT_CONFIG if absent)
as the first admin with the deploy and activate roles, and the node key with
the log role. Running it on an initialised directory changes nothing.`,
		Example: "  vault init --data .vault",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInit(cmd, data, name)
		},
	}
	cmd.Flags().StringVar(&data, "data", ".vault", "data directory to create")
	cmd.Flags().StringVar(&name, "name", "vault", "human-readable name of the new ledger")
	return cmd
}

func runInit(cmd *cobra.Command, data, name string) error {
	if _, err := os.Stat(filepath.Join(data, genesisFile)); err == nil {
		return &exitError{1, fmt.Sprintf("vault init: %s is already initialised (it has a %s); nothing was changed", data, genesisFile)}
	}
	if entries, err := os.ReadDir(data); err == nil && len(entries) > 0 {
		return &exitError{1, fmt.Sprintf("vault init: %s exists and is not empty; nothing was changed", data)}
	}
	operator, created, err := operatorKey()
	if err != nil {
		return err
	}
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
	genesis, err := genesisEnvelope(name, operator, node)
	if err != nil {
		return err
	}
	if err := saveKey(filepath.Join(data, nodeKeyFile), node); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(data, genesisFile), genesis, 0o600); err != nil {
		return fmt.Errorf("write genesis: %w", err)
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "initialised %s\n  ledger   %s (%s)\n  node key %s\n", data, events.ID(genesis), name, node.ID)
	if created {
		path, _ := operatorKeyPath()
		fmt.Fprintf(out, "  operator key %s created at %s\n", operator.ID, path)
	} else {
		fmt.Fprintf(out, "  operator key %s\n", operator.ID)
	}
	return nil
}

// operatorKey loads the operator key, creating it on first use.
func operatorKey() (*events.Signer, bool, error) {
	path, err := operatorKeyPath()
	if err != nil {
		return nil, false, err
	}
	s, err := loadKey(path)
	if err == nil {
		return s, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if s, err = events.GenerateSigner(); err != nil {
		return nil, false, err
	}
	if err := saveKey(path, s); err != nil {
		return nil, false, err
	}
	return s, true, nil
}

func genesisEnvelope(name string, operator, node *events.Signer) ([]byte, error) {
	body := events.Genesis{
		Name: name,
		Keys: []events.KeyGrant{
			{ID: operator.ID, PublicKey: operator.Public(), Roles: []events.Role{events.RoleAdmin, events.RoleDeploy, events.RoleActivate}},
			{ID: node.ID, PublicKey: node.Public(), Roles: []events.Role{events.RoleLog}},
		},
		AdminThreshold: 1,
	}
	payload, err := events.NewEvent("", events.TypeGenesis, name, body)
	if err != nil {
		return nil, err
	}
	return events.Seal(payload, operator)
}
