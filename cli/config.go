package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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
	def := os.Getenv("VAULT_SERVER")
	if def == "" {
		def = defaultServer
	}
	cmd.Flags().StringVar(server, "server", def, "NATS URL of a Vault node (default from $VAULT_SERVER)")
}

// keyFile is the on-disk form of a private key (mode 0600).
type keyFile struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Seed []byte `json:"seed"`
}

func saveKey(path string, s *events.Signer) error {
	data, err := json.MarshalIndent(keyFile{Kind: "ed25519", ID: s.ID, Seed: s.Seed()}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("save key: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("save key %s: %w", path, err)
	}
	return f.Close()
}

func loadKey(path string) (*events.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load key: %w", err)
	}
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		return nil, fmt.Errorf("load key %s: %w", path, err)
	}
	s, err := events.NewSigner(kf.Seed)
	if err != nil {
		return nil, fmt.Errorf("load key %s: %w", path, err)
	}
	if s.ID != kf.ID {
		return nil, fmt.Errorf("load key %s: id %s does not match the key (%s)", path, kf.ID, s.ID)
	}
	return s, nil
}

func loadOperatorKey() (*events.Signer, error) {
	path, err := operatorKeyPath()
	if err != nil {
		return nil, err
	}
	s, err := loadKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no operator key at %s: run 'vault init' first or set VAULT_CONFIG", path)
	}
	return s, err
}
