package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
)

// keyChangeFlags are common to every command that changes the keyring.
type keyChangeFlags struct {
	server    string
	out       string
	threshold int
	asJSON    bool
}

func (f *keyChangeFlags) add(cmd *cobra.Command) {
	addServerFlag(cmd, &f.server)
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "write an unsigned proposal to FILE instead of signing and appending")
	cmd.Flags().IntVar(&f.threshold, "threshold", 0, "also set the admin threshold to N from this change on")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print the result as JSON (summary, and seq or proposal)")
}

// run builds the change for the node's ledger, then either writes it as a
// proposal or signs it with the operator key and appends it.
func (f *keyChangeFlags) run(cmd *cobra.Command, typ events.Type, subject string, body func() any, summary string) error {
	ctx := cmd.Context()
	c, snap, err := dialNode(ctx, f.server)
	if err != nil {
		return err
	}
	defer c.Close()
	p, err := newProposal(snap.State.Ledger, typ, subject, body(), summary)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if f.out != "" {
		if err := p.write(f.out); err != nil {
			return err
		}
		if f.asJSON {
			return printJSON(out, submitResult{Summary: summary, Proposal: f.out})
		}
		fmt.Fprintf(out, "wrote unsigned proposal %q to %s\nnext: 'vault sign %s' by enough admins, then 'vault submit %s'\n",
			summary, f.out, f.out, f.out)
		return nil
	}
	signer, err := loadOperatorKey()
	if err != nil {
		return err
	}
	if err := p.Envelope.Sign(signer); err != nil {
		return err
	}
	res, err := submitEnvelope(ctx, c, snap, p.Envelope)
	var te *events.ThresholdError
	if errors.As(err, &te) {
		return fmt.Errorf("%s: %w\nwrite a proposal with -o FILE and collect signatures with 'vault sign'", summary, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", summary, err)
	}
	if _, err := c.Snapshot(ctx, res.Seq); err != nil {
		return err
	}
	if f.asJSON {
		return printJSON(out, submitResult{Summary: summary, Seq: res.Seq})
	}
	fmt.Fprintf(out, "%s (seq %d)\n", summary, res.Seq)
	return nil
}

func keysAddCommand() *cobra.Command {
	var f keyChangeFlags
	var roleNames []string
	cmd := &cobra.Command{
		Use:     "add PUBLIC-KEY --role ROLE[,ROLE]",
		Short:   "Trust a new key with some roles (key.added)",
		Example: "  vault keys add MCowBQYDK2VwAyEA… --role deploy,activate\n  vault keys add KEY --role admin --threshold 2 -o change.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, err := parsePublicKey(args[0])
			if err != nil {
				return err
			}
			roles, err := parseRoles(roleNames)
			if err != nil {
				return err
			}
			if len(roles) == 0 {
				return fmt.Errorf("keys add: name at least one --role")
			}
			id := events.KeyID(pub)
			return f.run(cmd, events.TypeKeyAdded, id, func() any {
				return events.KeyAdded{ID: id, PublicKey: pub, Roles: roles, AdminThreshold: f.threshold}
			}, fmt.Sprintf("add key %s with roles %v%s", id, roles, thresholdNote(f.threshold)))
		},
	}
	f.add(cmd)
	cmd.Flags().StringSliceVar(&roleNames, "role", nil, "role(s) of the new key: admin, deploy, activate, log, witness")
	return cmd
}

func keysRotateCommand() *cobra.Command {
	var f keyChangeFlags
	cmd := &cobra.Command{
		Use:     "rotate KEY-ID NEW-PUBLIC-KEY",
		Short:   "Replace a key by a new one that takes over its roles (key.rotated)",
		Example: "  vault keys rotate 1a2b3c4d5e6f7a8b NEWKEYBASE64",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, err := parsePublicKey(args[1])
			if err != nil {
				return err
			}
			newID := events.KeyID(pub)
			return f.run(cmd, events.TypeKeyRotated, args[0], func() any {
				return events.KeyRotated{ID: args[0], NewID: newID, NewPublicKey: pub, AdminThreshold: f.threshold}
			}, fmt.Sprintf("rotate key %s to %s%s", args[0], newID, thresholdNote(f.threshold)))
		},
	}
	f.add(cmd)
	return cmd
}

func keysRevokeCommand() *cobra.Command {
	var f keyChangeFlags
	var reason string
	cmd := &cobra.Command{
		Use:     "revoke KEY-ID",
		Short:   "Stop trusting a key from now on (key.revoked); what it signed before stays valid",
		Example: "  vault keys revoke 1a2b3c4d5e6f7a8b --reason 'laptop stolen'",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd, events.TypeKeyRevoked, args[0], func() any {
				return events.KeyRevoked{ID: args[0], Reason: reason, AdminThreshold: f.threshold}
			}, fmt.Sprintf("revoke key %s%s", args[0], thresholdNote(f.threshold)))
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the record")
	return cmd
}

func keysGrantCommand() *cobra.Command {
	return roleChangeCommand(events.TypeRoleGranted, "grant", "grant KEY-ID ROLE",
		"Give a trusted key another role (role.granted)", "  vault keys grant 1a2b3c4d5e6f7a8b activate")
}

func keysRevokeRoleCommand() *cobra.Command {
	return roleChangeCommand(events.TypeRoleRevoked, "revoke", "revoke-role KEY-ID ROLE",
		"Take a role away from a key (role.revoked)", "  vault keys revoke-role 1a2b3c4d5e6f7a8b deploy")
}

func roleChangeCommand(typ events.Type, verb, use, short, example string) *cobra.Command {
	var f keyChangeFlags
	cmd := &cobra.Command{
		Use: use, Short: short, Example: example,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return roleChange(cmd, &f, typ, args[0], args[1], verb)
		},
	}
	f.add(cmd)
	return cmd
}

func roleChange(cmd *cobra.Command, f *keyChangeFlags, typ events.Type, id, roleName, verb string) error {
	roles, err := parseRoles([]string{roleName})
	if err != nil {
		return err
	}
	if len(roles) != 1 {
		return fmt.Errorf("%s one role at a time", verb)
	}
	return f.run(cmd, typ, id, func() any {
		return events.RoleChange{ID: id, Role: roles[0], AdminThreshold: f.threshold}
	}, fmt.Sprintf("%s role %s of key %s%s", verb, roles[0], id, thresholdNote(f.threshold)))
}

func thresholdNote(t int) string {
	if t == 0 {
		return ""
	}
	return fmt.Sprintf(", admin threshold %d", t)
}
