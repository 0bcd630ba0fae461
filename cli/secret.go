package cli

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/edge/secret"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
)

// Secrets are values a function reads as env.KEY that are not in its
// artifact. Each change is a ledger event (secret.put, secret.removed)
// signed by a deploy key; the value travels and rests only encrypted with
// age to the node keys the ledger trusts (log and witness roles) and to
// the putting operator's own key, so that `vault secret rekey` can open
// it again and re-encrypt it to node keys trusted later.

func secretCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secret",
		Short: "Set, list and remove a function's secrets (env.KEY), encrypted to the node keys",
		Long: `A secret is a value a function reads as env.KEY that is not in its artifact.
Each change is a signed ledger event, so an auditor sees who set which key of
which function at which seq, and never the value: it is encrypted with age to
every node key the ledger trusts (the log and witness roles) and to your own
operator key. Nodes open it when they compile the function and keep it in memory
only. A node whose key is trusted after a put cannot open it until an operator
runs 'vault secret rekey', which re-encrypts every secret to the current node
keys.`,
	}
	cmd.AddCommand(secretPutCommand(), secretLsCommand(), secretRmCommand(), secretRekeyCommand())
	return cmd
}

// nodeRecipients are the keys nodes open secrets with: the trusted keys
// holding a node role (log for hubs, witness for edges), in ID order.
func nodeRecipients(kr *events.Keyring) []secret.Recipient {
	var out []secret.Recipient
	if kr == nil {
		return nil
	}
	for _, id := range slices.Sorted(maps.Keys(kr.Keys)) {
		k := kr.Keys[id]
		if k.Has(events.RoleLog) || k.Has(events.RoleWitness) {
			out = append(out, secret.Recipient{ID: k.ID, PublicKey: k.PublicKey})
		}
	}
	return out
}

// sealer encrypts secrets for one command: to the node keys of a state
// and to the operator's key, which can open them again.
type sealer struct {
	nodes    []secret.Recipient
	operator *events.Signer
}

func newSealer(st *fold.State, op string) (*sealer, error) {
	nodes := nodeRecipients(st.Keys)
	if len(nodes) == 0 {
		return nil, fmt.Errorf("%s: the ledger trusts no node key (log or witness role) to encrypt to", op)
	}
	operator, err := loadOperatorKey()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return &sealer{nodes: nodes, operator: operator}, nil
}

// recipients are the node keys, then the operator's (once).
func (s *sealer) recipients() []secret.Recipient {
	out := slices.Clone(s.nodes)
	if !slices.ContainsFunc(out, func(r secret.Recipient) bool { return r.ID == s.operator.ID }) {
		out = append(out, secret.Recipient{ID: s.operator.ID, PublicKey: s.operator.Public()})
	}
	return out
}

// seal builds the body of a secret.put of value.
func (s *sealer) seal(fn, key string, value []byte) (events.SecretPut, error) {
	to := s.recipients()
	ct, err := secret.Seal(value, to)
	if err != nil {
		return events.SecretPut{}, err
	}
	put := events.SecretPut{Function: fn, Key: key, Ciphertext: ct}
	for _, r := range to {
		put.Recipients = append(put.Recipients, r.ID)
	}
	if err := put.Check(); err != nil {
		return events.SecretPut{}, err
	}
	return put, nil
}

// identity opens secrets encrypted to the operator's key.
func (s *sealer) identity() (*secret.Identity, error) {
	return secret.NewIdentity(s.operator.ID, ed25519.PrivateKey(s.operator.Memory()))
}

// reportWarm says whether the node compiled fn with its secrets as of
// seq, and why not if it could not: the put or removal is recorded
// either way.
func reportWarm(out io.Writer, after *fold.Snapshot, fn string, seq uint64) {
	if s, ok := after.Served[fn]; ok && len(s.Versions) > 0 && s.Versions[0].Secrets == seq {
		fmt.Fprintf(out, "%s serves them on this node from now on\n", fn)
		return
	}
	for _, key := range slices.Sorted(maps.Keys(after.Failed)) {
		if strings.HasPrefix(key, fn+"@") {
			fmt.Fprintf(out, "warning: this node could not compile %s with them: %s\n", key, after.Failed[key])
		}
	}
}
