package cli

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector"
	"github.com/vault-runtime/vault/projector/fold"
)

func keysCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Show and change who may deploy, activate and administer the ledger",
		Long: `Keys and roles are part of the ledger: every change is a signed event that a
threshold of admin keys must sign (and, when it changes the admin set or the
threshold, a threshold of the new admin set too). With -o FILE a change is
written as an unsigned proposal instead, for 'vault sign' and 'vault submit'.`,
		Example: `  vault keys id
  vault keys add BASE64KEY --role deploy
  vault keys add BASE64KEY --role admin --threshold 2 -o change.json
  vault keys ls --at 42`,
	}
	cmd.AddCommand(keysIDCommand(), keysLsCommand(), keysAddCommand(), keysRotateCommand(), keysRevokeCommand(),
		keysGrantCommand(), keysRevokeRoleCommand(), keysCSRCommand())
	return cmd
}

func keysIDCommand() *cobra.Command {
	var keys keyProtection
	cmd := &cobra.Command{
		Use:   "id",
		Short: "Print your operator key's ID and public key (creating the key if there is none)",
		Long: `Id prints the ID and base64 public key of the operator key in $VAULT_CONFIG,
creating it on first use. Give the public key to an admin, who adds it with
'vault keys add'.`,
		Example: "  vault keys id",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keys.WorkFactor < minKeyWorkFactor || keys.WorkFactor > maxKeyWorkFactor {
				return fmt.Errorf("--key-work-factor %d: want %d to %d", keys.WorkFactor, minKeyWorkFactor, maxKeyWorkFactor)
			}
			s, created, err := operatorKey(keys, newPassphrase(cmd.ErrOrStderr()), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if created {
				path, _ := operatorKeyPath()
				fmt.Fprintf(cmd.ErrOrStderr(), "created operator key at %s\n", path)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", s.ID, base64.StdEncoding.EncodeToString(s.Public()))
			return nil
		},
	}
	cmd.Flags().IntVar(&keys.WorkFactor, "key-work-factor", defaultKeyWorkFactor, "scrypt cost of a new key file's passphrase (log2 N)")
	cmd.Flags().BoolVar(&keys.Plaintext, "insecure-plaintext-keys", false, "store a new key UNENCRYPTED (throwaway setups only)")
	return cmd
}

func keysLsCommand() *cobra.Command {
	var src ledgerSource
	var at uint64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List every key the ledger names, its roles, who added it and whether it is revoked",
		Long: `Ls shows the trust state as of now, or as of record SEQ with --at (computed by
replaying the ledger up to SEQ, also from an export file with --file).`,
		Example: "  vault keys ls\n  vault keys ls --at 12 --json\n  vault keys ls --file ledger.vexp",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := stateAt(cmd.Context(), &src, at)
			if err != nil {
				return err
			}
			if st.Keys == nil {
				return fmt.Errorf("keys ls: the ledger has no genesis yet")
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), st.Keys)
			}
			printKeys(cmd.OutOrStdout(), st)
			return nil
		},
	}
	src.addFlags(cmd)
	cmd.Flags().Uint64Var(&at, "at", 0, "the trust state after record SEQ (default: now)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the keyring as JSON")
	return cmd
}

// stateAt is the projected state after record at (0: the latest): the
// node's own state, or a replay of the node's records or an export file.
func stateAt(ctx context.Context, src *ledgerSource, at uint64) (*fold.State, error) {
	if err := src.open(); err != nil {
		return nil, err
	}
	defer src.close()
	if at == 0 && src.file == "" {
		snap, err := src.client.Snapshot(ctx, 0)
		if err != nil {
			return nil, err
		}
		return snap.State, nil
	}
	return projector.Replay(func(yield func(ledger.Record) error) error {
		return src.records(ctx, 1, at, yield)
	}, at)
}

func printKeys(w io.Writer, st *fold.State) {
	kr := st.Keys
	ids := make([]string, 0, len(kr.Keys))
	for id := range kr.Keys {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(kr.Keys[a].AddedSeq, kr.Keys[b].AddedSeq), strings.Compare(a, b))
	})
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tROLES\tADDED\tSTATUS")
	for _, id := range ids {
		k := kr.Keys[id]
		added := fmt.Sprintf("seq %d (genesis)", k.AddedSeq)
		if len(k.AddedBy) > 0 {
			added = fmt.Sprintf("seq %d by %s", k.AddedSeq, strings.Join(k.AddedBy, ","))
		}
		status := "trusted"
		switch {
		case k.RotatedTo != "":
			status = fmt.Sprintf("rotated to %s at seq %d by %s", k.RotatedTo, k.RevokedSeq, strings.Join(k.RevokedBy, ","))
		case k.Revoked():
			status = fmt.Sprintf("revoked at seq %d by %s", k.RevokedSeq, strings.Join(k.RevokedBy, ","))
		}
		roles := make([]string, len(k.Roles))
		for i, r := range k.Roles {
			roles[i] = string(r)
		}
		if len(roles) == 0 {
			roles = []string{"-"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", id, strings.Join(roles, ","), added, status)
	}
	tw.Flush()
	fmt.Fprintf(w, "admin threshold %d of %d admin keys; ledger %s at seq %d\n",
		kr.AdminThreshold, len(kr.Admins()), st.Ledger, st.Seq)
}

// parsePublicKey reads a base64 ed25519 public key as 'vault keys id'
// prints it (the ID before it is optional).
func parsePublicKey(s string) ([]byte, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return nil, fmt.Errorf("empty public key")
	}
	pub, err := base64.StdEncoding.DecodeString(fields[len(fields)-1])
	if err != nil || len(pub) != 32 {
		return nil, fmt.Errorf("public key %q: want 32 bytes in base64, as 'vault keys id' prints", s)
	}
	return pub, nil
}

func parseRoles(names []string) ([]events.Role, error) {
	var roles []events.Role
	for _, n := range names {
		for _, part := range strings.Split(n, ",") {
			r := events.Role(strings.TrimSpace(part))
			if !events.ValidRole(r) {
				return nil, fmt.Errorf("unknown role %q (roles: admin, deploy, activate, log, witness)", part)
			}
			roles = append(roles, r)
		}
	}
	return roles, nil
}
