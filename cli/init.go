package cli

import (
	"errors"
	"fmt"
	"io"
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
	var data, name, join string
	var keys keyProtection
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "init --data DIR",
		Short: "Create a node's data directory, its keys and the genesis record of a new ledger",
		Long: `Init creates DIR (mode 0700) with a node key and the genesis record of a new
ledger. The genesis names the operator key (created in $VAULT_CONFIG if absent)
as the first admin with the deploy and activate roles, and the node key with
the log role. Running it on an initialised directory changes nothing.

With --join FILE, init makes a directory for another node of an existing
ledger instead (an edge, or another hub of a cluster): it checks that FILE is a
genesis record, copies it as the node's trust anchor and creates a node key,
whose ID it prints. The node trusts nothing it receives unless it descends
from that genesis; grant its key a role (e.g. 'vault keys add KEY --role
witness') to let it cosign checkpoints.

Both keys are stored encrypted with a passphrase (age, scrypt): it is read from
$VAULT_PASSPHRASE, else typed twice on the terminal. Every command that signs
and 'vault serve' need it again. --key-work-factor sets scrypt's cost (log2 N,
recorded in the file); each increment doubles the time every command spends
opening the key. --insecure-plaintext-keys stores the keys unencrypted, for
throwaway setups only.`,
		Example: `  vault init --data .vault
  vault init --data edge1 --join .vault/genesis.dsse
  VAULT_PASSPHRASE=... vault init --data .vault --key-work-factor 16`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keys.WorkFactor < minKeyWorkFactor || keys.WorkFactor > maxKeyWorkFactor {
				return fmt.Errorf("--key-work-factor %d: want %d to %d", keys.WorkFactor, minKeyWorkFactor, maxKeyWorkFactor)
			}
			if join != "" {
				return runJoin(cmd, data, join, keys, asJSON)
			}
			return runInit(cmd, data, name, keys, asJSON)
		},
	}
	cmd.Flags().StringVar(&join, "join", "", "make an edge's data directory for the existing ledger whose genesis record is in FILE (a hub's DIR/genesis.dsse)")
	cmd.Flags().StringVar(&data, "data", ".vault", "data directory to create")
	cmd.Flags().StringVar(&name, "name", "vault", "human-readable name of the new ledger")
	cmd.Flags().IntVar(&keys.WorkFactor, "key-work-factor", defaultKeyWorkFactor, "scrypt cost of the key files' passphrase (log2 N, 10 to 22)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print what was made as JSON")
	cmd.Flags().BoolVar(&keys.Plaintext, "insecure-plaintext-keys", false, "store the private keys UNENCRYPTED (throwaway setups only)")
	return cmd
}

func runInit(cmd *cobra.Command, data, name string, keys keyProtection, asJSON bool) error {
	if err := checkNewDataDir(data); err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	if keys.Plaintext {
		fmt.Fprintln(stderr, "vault: WARNING: --insecure-plaintext-keys: the private keys made now are stored UNENCRYPTED;")
		fmt.Fprintln(stderr, "vault: WARNING: anyone who can read them can sign as you. Use this only for throwaway setups.")
	}
	pass := newPassphrase(stderr)
	operator, created, err := operatorKey(keys, pass, stderr)
	if err != nil {
		return err
	}
	defer operator.Wipe()
	node, err := events.GenerateSigner()
	if err != nil {
		return err
	}
	defer node.Wipe()
	lockKey(node, stderr)
	genesis, err := genesisEnvelope(name, operator, node)
	if err != nil {
		return err
	}
	if err := writeDataDir(data, genesis, node, keys, pass); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if asJSON {
		res := initResult{Data: data, Ledger: events.ID(genesis), Name: name, NodeKey: node.ID, OperatorKey: operator.ID}
		if created {
			res.OperatorKeyCreated, _ = operatorKeyPath()
		}
		return printJSON(out, res)
	}
	fmt.Fprintf(out, "initialised %s\n  ledger   %s (%s)\n  node key %s\n", data, events.ID(genesis), name, node.ID)
	if created {
		path, _ := operatorKeyPath()
		fmt.Fprintf(out, "  operator key %s created at %s\n", operator.ID, path)
	} else {
		fmt.Fprintf(out, "  operator key %s\n", operator.ID)
	}
	return nil
}

// initResult is what init --json prints.
type initResult struct {
	Data   string `json:"data"`
	Ledger string `json:"ledger"`
	Name   string `json:"name,omitempty"`
	// NodeKey is the node key's ID; NodePublicKey (base64) is printed
	// for a joining node, whose key an admin grants a role.
	NodeKey       string `json:"nodeKey"`
	NodePublicKey string `json:"nodePublicKey,omitempty"`
	OperatorKey   string `json:"operatorKey,omitempty"`
	// OperatorKeyCreated is the path of the operator key, when init made it.
	OperatorKeyCreated string `json:"operatorKeyCreated,omitempty"`
}

// operatorKey loads the operator key, creating it protected as keys says
// on first use. One passphrase serves the whole command: the existing
// key's, or a new one typed twice.
func operatorKey(keys keyProtection, pass *passphrase, warn io.Writer) (*events.Signer, bool, error) {
	path, err := operatorKeyPath()
	if err != nil {
		return nil, false, err
	}
	s, err := readKeyFile(path, func() (string, error) { return pass.get(path, false) }, warn)
	if err == nil {
		return s, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if s, err = events.GenerateSigner(); err != nil {
		return nil, false, err
	}
	lockKey(s, warn)
	if !keys.Plaintext {
		if keys.Passphrase, err = pass.get(path, true); err != nil {
			return nil, false, fmt.Errorf("save key %s: %w", path, err)
		}
	}
	if err := writeKeyFile(path, s, keys); err != nil {
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

// checkNewDataDir refuses a directory that is initialised or not empty.
func checkNewDataDir(data string) error {
	if _, err := os.Stat(filepath.Join(data, genesisFile)); err == nil {
		return &exitError{1, fmt.Sprintf("vault init: %s is already initialised (it has a %s); nothing was changed", data, genesisFile)}
	}
	if entries, err := os.ReadDir(data); err == nil && len(entries) > 0 {
		return &exitError{1, fmt.Sprintf("vault init: %s exists and is not empty; nothing was changed", data)}
	}
	return nil
}

// writeDataDir creates data (mode 0700) with the node key, protected as
// keys says, and the ledger's genesis.
func writeDataDir(data string, genesis []byte, node *events.Signer, keys keyProtection, pass *passphrase) error {
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if err := os.Chmod(data, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	nodeKeyPath := filepath.Join(data, nodeKeyFile)
	if !keys.Plaintext {
		var err error
		if keys.Passphrase, err = pass.get(nodeKeyPath, true); err != nil {
			return fmt.Errorf("save key %s: %w", nodeKeyPath, err)
		}
	}
	if err := writeKeyFile(nodeKeyPath, node, keys); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(data, genesisFile), genesis, 0o600); err != nil {
		return fmt.Errorf("write genesis: %w", err)
	}
	return nil
}
