package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/vault-runtime/vault/cli/mcp"
	"github.com/vault-runtime/vault/events"
)

// The key-changing tools: the changes 'vault keys' makes, signed with the
// server's key. When that signature is not enough for the admin threshold
// the signed proposal is written to the server's proposals directory, for
// 'vault sign' and 'vault submit' by the other admins: a tool never
// appends a change the threshold has not approved.

func (o mcpOps) keysAdd(ctx context.Context, in mcp.KeysAddInput) (mcp.Output, error) {
	pub, err := parsePublicKey(in.PublicKey)
	if err != nil {
		return mcp.Output{}, err
	}
	roles, err := parseRoles(in.Roles)
	if err != nil {
		return mcp.Output{}, err
	}
	return o.changeKeyring(ctx, keysAdd(pub, roles, in.Threshold))
}

func (o mcpOps) keysRotate(ctx context.Context, in mcp.KeysRotateInput) (mcp.Output, error) {
	pub, err := parsePublicKey(in.NewPublicKey)
	if err != nil {
		return mcp.Output{}, err
	}
	return o.changeKeyring(ctx, keysRotate(in.KeyID, pub, in.Threshold))
}

func (o mcpOps) keysRevoke(ctx context.Context, in mcp.KeysRevokeInput) (mcp.Output, error) {
	return o.changeKeyring(ctx, keysRevoke(in.KeyID, in.Reason, in.Threshold))
}

func (o mcpOps) keysRole(typ events.Type, verb string) mcp.Op[mcp.KeysRoleInput] {
	return func(ctx context.Context, in mcp.KeysRoleInput) (mcp.Output, error) {
		roles, err := parseRoles([]string{in.Role})
		if err != nil {
			return mcp.Output{}, err
		}
		return o.changeKeyring(ctx, roleChangeOf(typ, verb, in.KeyID, roles[0], in.Threshold))
	}
}

// changeKeyring appends ch if the server's signature meets the threshold;
// if it counts but is not enough, it writes the signed proposal and says
// how many signatures are missing. A signature that does not count (a key
// without the admin role) is the gate's refusal, a tool error.
func (o mcpOps) changeKeyring(ctx context.Context, ch keyChange) (mcp.Output, error) {
	return o.run(func(iv invocation) error {
		return changeKeyring(ctx, iv, ch, "", false, func(p *proposal, err error) error {
			var te *events.ThresholdError
			errors.As(err, &te)
			signer := p.Envelope.Signatures[0].KeyID
			if te == nil || !slices.Contains(te.Signers, signer) {
				return fmt.Errorf("%s: %w", ch.summary, err)
			}
			path, werr := o.writeProposal(p)
			if werr != nil {
				return fmt.Errorf("%s: %w; and the proposal could not be written: %v", ch.summary, err, werr)
			}
			fmt.Fprintf(iv.out, "%s: not appended yet: %v\nwrote the proposal, signed by %s, to %s\nnext: 'vault sign %s' by %d more admin(s) (may sign: %s), then 'vault submit %s'\n",
				ch.summary, err, signer, path, path, te.Need-te.Have, orNone(te.Qualified), path)
			return nil
		})
	})
}

// writeProposal writes p to the proposals directory, named by its payload's
// digest, and returns the path.
func (o mcpOps) writeProposal(p *proposal) (string, error) {
	if err := os.MkdirAll(o.proposals, 0o700); err != nil {
		return "", fmt.Errorf("write proposal: %w", err)
	}
	sum := sha256.Sum256(p.Envelope.Payload)
	path := filepath.Join(o.proposals, "proposal-"+hex.EncodeToString(sum[:6])+".json")
	return path, p.write(path)
}

// orNone is ids joined, or "none".
func orNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return fmt.Sprint(ids)
}
