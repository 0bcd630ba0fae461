package cli

import (
	"context"
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

// keyChange is one change of the keyring, as a command or a tool asks for it.
type keyChange struct {
	typ     events.Type
	subject string
	body    any
	summary string
}

// run makes the change for the node's ledger, or writes it as a proposal
// with -o.
func (f *keyChangeFlags) run(cmd *cobra.Command, ch keyChange) error {
	return changeKeyring(cmd.Context(), commandInvocation(cmd, f.server), ch, f.out, f.asJSON, func(_ *proposal, err error) error {
		return fmt.Errorf("%s: %w\nwrite a proposal with -o FILE and collect signatures with 'vault sign'", ch.summary, err)
	})
}

// changeKeyring builds ch for the node's ledger, then either writes it as
// an unsigned proposal to out or signs it with the invocation's key and
// appends it. When the signatures fall short of the threshold (err is a
// *events.ThresholdError saying how many are missing) short decides what
// happens to the signed proposal; nothing is appended. asJSON prints the
// outcome as a submitResult.
func changeKeyring(ctx context.Context, iv invocation, ch keyChange, out string, asJSON bool, short func(p *proposal, err error) error) error {
	c, snap, err := iv.dialNode(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	p, err := newProposal(snap.State.Ledger, ch.typ, ch.subject, ch.body, ch.summary)
	if err != nil {
		return err
	}
	if out != "" {
		if err := p.write(out); err != nil {
			return err
		}
		if asJSON {
			return printJSON(iv.out, submitResult{Summary: ch.summary, Proposal: out})
		}
		fmt.Fprintf(iv.out, "wrote unsigned proposal %q to %s\nnext: 'vault sign %s' by enough admins, then 'vault submit %s'\n",
			ch.summary, out, out, out)
		return nil
	}
	signer, err := iv.key()
	if err != nil {
		return err
	}
	if err := p.Envelope.Sign(signer); err != nil {
		return err
	}
	res, err := submitEnvelope(ctx, c, snap, p.Envelope)
	var te *events.ThresholdError
	if errors.As(err, &te) {
		return short(p, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", ch.summary, err)
	}
	if _, err := c.Snapshot(ctx, res.Seq); err != nil {
		return err
	}
	if asJSON {
		return printJSON(iv.out, submitResult{Summary: ch.summary, Seq: res.Seq})
	}
	fmt.Fprintf(iv.out, "%s (seq %d)\n", ch.summary, res.Seq)
	return nil
}

// keysAdd is the change that trusts key pub with roles.
func keysAdd(pub []byte, roles []events.Role, threshold int) keyChange {
	id := events.KeyID(pub)
	return keyChange{events.TypeKeyAdded, id, events.KeyAdded{ID: id, PublicKey: pub, Roles: roles, AdminThreshold: threshold},
		fmt.Sprintf("add key %s with roles %v%s", id, roles, thresholdNote(threshold))}
}

// keysRotate is the change that replaces key id by pub.
func keysRotate(id string, pub []byte, threshold int) keyChange {
	newID := events.KeyID(pub)
	return keyChange{events.TypeKeyRotated, id, events.KeyRotated{ID: id, NewID: newID, NewPublicKey: pub, AdminThreshold: threshold},
		fmt.Sprintf("rotate key %s to %s%s", id, newID, thresholdNote(threshold))}
}

// keysRevoke is the change that stops trusting key id.
func keysRevoke(id, reason string, threshold int) keyChange {
	return keyChange{events.TypeKeyRevoked, id, events.KeyRevoked{ID: id, Reason: reason, AdminThreshold: threshold},
		fmt.Sprintf("revoke key %s%s", id, thresholdNote(threshold))}
}

// roleChangeOf is the change that grants (typ role.granted) or takes away
// (role.revoked; verb says which) role of key id.
func roleChangeOf(typ events.Type, verb, id string, role events.Role, threshold int) keyChange {
	return keyChange{typ, id, events.RoleChange{ID: id, Role: role, AdminThreshold: threshold},
		fmt.Sprintf("%s role %s of key %s%s", verb, role, id, thresholdNote(threshold))}
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
			return f.run(cmd, keysAdd(pub, roles, f.threshold))
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
			return f.run(cmd, keysRotate(args[0], pub, f.threshold))
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
			return f.run(cmd, keysRevoke(args[0], reason, f.threshold))
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
	return f.run(cmd, roleChangeOf(typ, verb, id, roles[0], f.threshold))
}

func thresholdNote(t int) string {
	if t == 0 {
		return ""
	}
	return fmt.Sprintf(", admin threshold %d", t)
}
