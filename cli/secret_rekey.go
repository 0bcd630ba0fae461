package cli

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/edge/secret"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

func secretRekeyCommand() *cobra.Command {
	var server string
	cmd := &cobra.Command{
		Use:   "rekey [NAME]",
		Short: "Re-encrypt secrets to the node keys the ledger trusts now (after a node joined or left)",
		Long: `A secret is encrypted to the node keys trusted when it was put and to the key of
the operator who put it. A node whose key was trusted later cannot open it, and
does not serve the function's versions (it logs an error naming this command).
Rekey opens each secret of NAME (or of every function) that misses a node key the
ledger trusts now, or is encrypted to a key it no longer trusts, with your
operator key; encrypts the same value again to the current node keys and yours;
and appends one secret.put per secret. It can open only secrets that were
encrypted to your key: those put (or last rekeyed) by you.`,
		Example: "  vault keys add EDGE_PUBLIC_KEY --role witness && vault secret rekey\n  vault secret rekey shop",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, snap, err := dialNode(ctx, server)
			if err != nil {
				return err
			}
			defer c.Close()
			fns, err := rekeyFunctions(snap.State, args)
			if err != nil {
				return err
			}
			s, err := newSealer(snap.State, "secret rekey")
			if err != nil {
				return err
			}
			id, err := s.identity()
			if err != nil {
				return fmt.Errorf("secret rekey: %w", err)
			}
			out := cmd.OutOrStdout()
			var errs []error
			rekeyed, current := 0, 0
			for _, f := range fns {
				for _, key := range f.SecretKeys() {
					sec := f.Secrets[key]
					if !stale(sec, s.nodes, snap.State.Keys) {
						current++
						continue
					}
					op := fmt.Sprintf("rekey %s %s", f.Name, key)
					put, err := reseal(s, id, f.Name, key, sec)
					if err != nil {
						errs = append(errs, fmt.Errorf("%s: %w", op, err))
						continue
					}
					res, after, err := signAndAppend(ctx, c, events.TypeSecretPut, f.Name, put, ledger.AppendOptions{})
					if err == nil {
						err = reportApplied(cmd.OutOrStdout(), after, res.Seq, f.Name, op)
					}
					if err != nil {
						errs = append(errs, opError(op, err))
						continue
					}
					rekeyed++
					fmt.Fprintf(out, "secret %s of %s re-encrypted at seq %d to %d node key(s) and yours\n", key, f.Name, res.Seq, len(s.nodes))
				}
			}
			fmt.Fprintf(out, "%d secret(s) re-encrypted, %d already current\n", rekeyed, current)
			return errors.Join(errs...)
		},
	}
	addServerFlag(cmd, &server)
	return cmd
}

// rekeyFunctions are the function named, or every function not retired,
// in name order.
func rekeyFunctions(st *fold.State, args []string) ([]*fold.Function, error) {
	if len(args) == 1 {
		f := st.Functions[args[0]]
		if f == nil {
			return nil, fmt.Errorf("secret rekey %s: no function %q is deployed", args[0], args[0])
		}
		return []*fold.Function{f}, nil
	}
	var fns []*fold.Function
	for _, name := range slices.Sorted(maps.Keys(st.Functions)) {
		if f := st.Functions[name]; f.State != fold.Retired {
			fns = append(fns, f)
		}
	}
	return fns, nil
}

// reseal opens sec with the operator's identity and encrypts the value
// again to the current recipients.
func reseal(s *sealer, id *secret.Identity, fn, key string, sec fold.Secret) (events.SecretPut, error) {
	value, err := id.Open(sec.Ciphertext)
	if errors.Is(err, secret.ErrNotRecipient) {
		return events.SecretPut{}, fmt.Errorf("it is not encrypted to your key %s (set at seq %d by %v): its author rekeys it, or put the value again", id.ID(), sec.Seq, sec.By)
	}
	if err != nil {
		return events.SecretPut{}, err
	}
	defer clear(value)
	return s.seal(fn, key, value)
}

// stale reports whether sec needs re-encrypting: a node key it misses,
// or a recipient the ledger no longer trusts. Who else can open it (the
// operator who put it) does not matter.
func stale(sec fold.Secret, nodes []secret.Recipient, kr *events.Keyring) bool {
	for _, r := range nodes {
		if !slices.Contains(sec.Recipients, r.ID) {
			return true
		}
	}
	for _, id := range sec.Recipients {
		if k := kr.Keys[id]; k == nil || k.Revoked() {
			return true
		}
	}
	return false
}
