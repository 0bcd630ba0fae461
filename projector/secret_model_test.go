package projector

import (
	"fmt"
	"slices"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
)

var modelSecretKeys = []string{"API_TOKEN", "DB_PASSWORD", "signing_key"}

// secret puts or removes a secret of a random function, and reports
// whether projection must accept it: not for a retired function, nor
// the removal of a key the function does not have.
func (m *ledgerModel) secret() ([]byte, bool) {
	l, rng := m.l, m.rng
	name, f, ok := m.pick(fold.Inactive, fold.Active, fold.Paused, fold.Retired)
	if !ok {
		return m.next()
	}
	if m.secrets == nil {
		m.secrets = map[string][]string{}
	}
	key := modelSecretKeys[rng.IntN(len(modelSecretKeys))]
	has := slices.Contains(m.secrets[name], key)
	valid := f.state != fold.Retired
	if rng.IntN(3) == 0 {
		valid = valid && has
		if valid {
			m.secrets[name] = slices.DeleteFunc(m.secrets[name], func(k string) bool { return k == key })
		}
		return l.Seal(l.ID, events.TypeSecretRemoved, name, events.SecretRemoved{Function: name, Key: key}, l.Deployer), valid
	}
	if valid && !has {
		m.secrets[name] = append(m.secrets[name], key)
	}
	put := events.SecretPut{Function: name, Key: key, Recipients: []string{l.Logger.ID, l.Operator.ID},
		Ciphertext: fmt.Appendf(nil, "age-encryption.org/v1\n%d", rng.Uint64())}
	return l.Seal(l.ID, events.TypeSecretPut, name, put, l.Operator), valid
}
