package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// passphraseEnv names the variable that supplies the key passphrase to
// scripts, services and tests; people type it at the prompt instead.
const passphraseEnv = "VAULT_PASSPHRASE"

// passphrase obtains the passphrase of the key files once per command:
// from $VAULT_PASSPHRASE, else typed on the terminal (stdin), the prompt
// on prompts.
type passphrase struct {
	prompts io.Writer
	value   string
}

func newPassphrase(prompts io.Writer) *passphrase { return &passphrase{prompts: prompts} }

// get returns the passphrase, asking for it the first time. For a key
// named by path it asks for that key's passphrase; with confirm (a new
// passphrase) it asks twice.
func (p *passphrase) get(path string, confirm bool) (string, error) {
	if p.value != "" {
		return p.value, nil
	}
	if v := os.Getenv(passphraseEnv); v != "" {
		p.value = v
		return v, nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", fmt.Errorf("no passphrase: set %s or run vault on a terminal to type it", passphraseEnv)
	}
	prompt := "Passphrase for " + path + ": "
	if confirm {
		prompt = "New passphrase for vault keys: "
	}
	v, err := readHidden(fd, p.prompts, prompt)
	if err != nil {
		return "", err
	}
	if v == "" {
		return "", errors.New("empty passphrase")
	}
	if confirm {
		again, err := readHidden(fd, p.prompts, "Repeat the passphrase: ")
		if err != nil {
			return "", err
		}
		if again != v {
			return "", errors.New("the passphrases do not match")
		}
	}
	p.value = v
	return v, nil
}

// readHidden reads a line from the terminal without echoing it.
func readHidden(fd int, prompts io.Writer, prompt string) (string, error) {
	fmt.Fprint(prompts, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(prompts)
	if err != nil {
		return "", fmt.Errorf("read passphrase: %w", err)
	}
	defer clear(b)
	return string(b), nil
}
