package cli

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vault-runtime/vault/cli/registry"
)

// The logins `vault registry login` saves are in $VAULT_CONFIG/registries.age,
// mode 0600, age-encrypted to the operator key (its X25519 form, as age's
// ssh-ed25519 recipients are): only that key opens them, and a command
// that has opened the key to sign pays no second passphrase derivation.
// After a key rotation, log in again.

const credentialsFile = "registries.age"

// maxCredentials bounds the decrypted file.
const maxCredentials = 1 << 20

func credentialsPath() (string, error) {
	dir, err := configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, credentialsFile), nil
}

// credentialsIdentity is the age identity of the operator key.
func credentialsIdentity() (*agessh.Ed25519Identity, error) {
	s, err := loadOperatorKey()
	if err != nil {
		return nil, err
	}
	seed := s.Seed()
	defer clear(seed)
	return agessh.NewEd25519Identity(ed25519.NewKeyFromSeed(seed))
}

// loadCredentials reads the saved logins; none saved is an empty set and
// opens no key.
func loadCredentials() (*registry.Credentials, error) {
	path, err := credentialsPath()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return registry.ParseCredentials([]byte("{}"))
	}
	if err != nil {
		return nil, fmt.Errorf("read registry logins: %w", err)
	}
	id, err := credentialsIdentity()
	if err != nil {
		return nil, fmt.Errorf("read registry logins %s: %w", path, err)
	}
	r, err := age.Decrypt(armor.NewReader(bytes.NewReader(data)), id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			err = errors.New("they were saved for another operator key; run vault registry login again")
		}
		return nil, fmt.Errorf("read registry logins %s: %w", path, err)
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxCredentials))
	if err != nil {
		return nil, fmt.Errorf("read registry logins %s: %w", path, err)
	}
	defer clear(plain)
	return registry.ParseCredentials(plain)
}

// saveCredentials encrypts c to the credentials file, replacing it.
func saveCredentials(c *registry.Credentials) error {
	path, err := credentialsPath()
	if err != nil {
		return err
	}
	id, err := credentialsIdentity()
	if err != nil {
		return fmt.Errorf("save registry logins: %w", err)
	}
	plain := c.Marshal()
	defer clear(plain)
	var sealed bytes.Buffer
	aw := armor.NewWriter(&sealed)
	w, err := age.Encrypt(aw, id.Recipient())
	if err == nil {
		_, err = w.Write(plain)
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = aw.Close()
	}
	if err != nil {
		return fmt.Errorf("save registry logins: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save registry logins: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, sealed.Bytes(), 0o600); err != nil {
		return fmt.Errorf("save registry logins: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save registry logins: %w", err)
	}
	return nil
}

func registryCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Log in to OCI registries that images are pulled from and pushed to",
	}
	cmd.AddCommand(registryLoginCommand(), registryLogoutCommand())
	return cmd
}

func registryLoginCommand() *cobra.Command {
	var user string
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "login HOST",
		Short: "Check a user name and password with a registry and save them, encrypted",
		Example: "  vault registry login registry.example.com -u alice\n" +
			"  echo \"$TOKEN\" | vault registry login ghcr.io -u alice --password-stdin",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			host := args[0]
			if user == "" {
				return errors.New("login: --username (-u) is required")
			}
			password, err := readPassword(cmd, host, fromStdin)
			if err != nil {
				return err
			}
			login := registry.Login{Username: user, Password: password}
			if err := registry.New(registry.Options{}).CheckLogin(cmd.Context(), host, login); err != nil {
				return err
			}
			creds, err := loadCredentials()
			if err != nil {
				return err
			}
			if err := creds.Set(host, login); err != nil {
				return err
			}
			if err := saveCredentials(creds); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "logged in to %s as %s\n", host, user)
			return nil
		},
	}
	cmd.Flags().StringVarP(&user, "username", "u", "", "user name")
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password (or token) from stdin instead of a prompt")
	return cmd
}

// readPassword takes the password from stdin's first line, or a prompt.
func readPassword(cmd *cobra.Command, host string, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("login %s: read the password: %w", host, err)
		}
		if p := strings.TrimRight(line, "\r\n"); p != "" {
			return p, nil
		}
		return "", fmt.Errorf("login %s: no password on stdin", host)
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", fmt.Errorf("login %s: no terminal to type the password; use --password-stdin", host)
	}
	p, err := readHidden(fd, cmd.ErrOrStderr(), "Password for "+host+": ")
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", fmt.Errorf("login %s: empty password", host)
	}
	return p, nil
}

func registryLogoutCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "logout HOST",
		Short: "Forget the saved login of a registry",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			creds, err := loadCredentials()
			if err != nil {
				return err
			}
			if !creds.Remove(args[0]) {
				return fmt.Errorf("logout %s: not logged in", args[0])
			}
			if err := saveCredentials(creds); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "logged out of %s\n", args[0])
			return nil
		},
	}
}
