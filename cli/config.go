package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
)

const defaultServer = "nats://127.0.0.1:4222"

// configDir is $VAULT_CONFIG, else $XDG_CONFIG_HOME/vault, else ~/.config/vault.
func configDir() (string, error) {
	if d := os.Getenv("VAULT_CONFIG"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "vault"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find config directory: %w (set VAULT_CONFIG)", err)
	}
	return filepath.Join(home, ".config", "vault"), nil
}

func operatorKeyPath() (string, error) {
	dir, err := configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "operator.key"), nil
}

// addServerFlag registers --server with its environment default.
func addServerFlag(cmd *cobra.Command, server *string) {
	cmd.Flags().StringVar(server, "server", serverDefault(), "NATS URL of a Vault node ($VAULT_SERVER, else server: in $VAULT_CONFIG/config.yaml)")
}

// openedOperatorKeys holds the operator keys this process has opened, by
// path: a command may sign more than once (a NATS sign-in, then an event),
// and each opening costs a scrypt derivation and perhaps a prompt.
var openedOperatorKeys sync.Map // path → *events.Signer

// loadOperatorKey opens the operator key in $VAULT_CONFIG, once per process.
func loadOperatorKey() (*events.Signer, error) {
	path, err := operatorKeyPath()
	if err != nil {
		return nil, err
	}
	if s, ok := openedOperatorKeys.Load(path); ok {
		return s.(*events.Signer), nil
	}
	s, err := loadKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no operator key at %s: run 'vault init' first or set VAULT_CONFIG", path)
	}
	if err != nil {
		return nil, err
	}
	openedOperatorKeys.Store(path, s)
	return s, nil
}
