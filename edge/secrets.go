package edge

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/vault-runtime/vault/edge/secret"
	"github.com/vault-runtime/vault/projector/fold"
)

// ErrSecretClash is a version whose manifest has a var of the same name
// as one of its function's secrets: neither silently wins.
var ErrSecretClash = errors.New("a var and a secret share a name")

// env is what version code reads as env: the manifest's vars and the
// function's secrets, opened with this node's key. The values live in
// the compiled program only, never on disk or in a log line; an error
// names keys, never values.
func (f *Functions) env(fn string, vars map[string]string, secrets map[string]fold.Secret) (map[string]string, error) {
	if len(secrets) == 0 {
		return vars, nil
	}
	id := f.opts.Secrets
	if id == nil {
		return nil, fmt.Errorf("open secrets of %s: this node has no key to open secrets with", fn)
	}
	env := maps.Clone(vars)
	if env == nil {
		env = map[string]string{}
	}
	for _, key := range slices.Sorted(maps.Keys(secrets)) {
		sec := secrets[key]
		if _, ok := vars[key]; ok {
			return nil, fmt.Errorf("secret %s of %s: its manifest has a var %s too; remove one (vault secret rm %s %s, or the var from vault.yaml): %w",
				key, fn, key, fn, key, ErrSecretClash)
		}
		if !slices.Contains(sec.Recipients, id.ID()) {
			return nil, notRecipient(fn, key, sec, id.ID(), secret.ErrNotRecipient)
		}
		value, err := id.Open(sec.Ciphertext)
		if errors.Is(err, secret.ErrNotRecipient) {
			return nil, notRecipient(fn, key, sec, id.ID(), err)
		}
		if err != nil {
			return nil, fmt.Errorf("open secret %s of %s (put at seq %d): %w", key, fn, sec.Seq, err)
		}
		env[key] = string(value)
		clear(value)
	}
	return env, nil
}

// notRecipient says what to do about a secret this node cannot open:
// it was put before the node's key was trusted.
func notRecipient(fn, key string, sec fold.Secret, node string, err error) error {
	return fmt.Errorf("secret %s of %s (put at seq %d) is not encrypted to this node's key %s, trusted after it was put? "+
		"An operator re-encrypts it to every node key with 'vault secret rekey %s': %w", key, fn, sec.Seq, node, fn, err)
}
