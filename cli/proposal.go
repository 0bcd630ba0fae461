package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

const proposalKind = "vault.proposal.v1"

// proposal is a ledger event waiting for signatures: `vault keys … -o`
// writes it unsigned, `vault sign` adds one signature, `vault submit`
// appends it once enough admins signed.
type proposal struct {
	Kind     string           `json:"kind"`
	Summary  string           `json:"summary"`
	Envelope *events.Envelope `json:"envelope"`
}

func newProposal(ledgerID string, typ events.Type, subject string, body any, summary string) (*proposal, error) {
	payload, err := events.NewEvent(ledgerID, typ, subject, body)
	if err != nil {
		return nil, err
	}
	return &proposal{Kind: proposalKind, Summary: summary,
		Envelope: &events.Envelope{PayloadType: events.PayloadType, Payload: payload, Signatures: []events.Signature{}}}, nil
}

func readProposal(path string) (*proposal, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read proposal: %w", err)
	}
	var p proposal
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("read proposal %s: %v", path, err)
	}
	if p.Kind != proposalKind || p.Envelope == nil || p.Envelope.PayloadType != events.PayloadType {
		return nil, fmt.Errorf("read proposal %s: not a %s file", path, proposalKind)
	}
	if _, err := events.DecodeEvent(p.Envelope.Payload); err != nil {
		return nil, fmt.Errorf("read proposal %s: %w", path, err)
	}
	return &p, nil
}

// write replaces path atomically (a rename), mode 0600.
func (p *proposal) write(path string) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write proposal: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write proposal: %w", err)
	}
	return nil
}

// submitEnvelope checks env against the node's current state and appends
// it. Too few signatures is reported as how many are missing, and nothing
// is appended.
func submitEnvelope(ctx context.Context, c *node.Client, snap *fold.Snapshot, env *events.Envelope) (ledger.Appended, error) {
	if len(env.Signatures) == 0 {
		return ledger.Appended{}, errors.New("nobody has signed it yet: run 'vault sign FILE' first")
	}
	stored, err := env.Encode()
	if err != nil {
		return ledger.Appended{}, err
	}
	if err := fold.Check(snap.State, stored); err != nil {
		var te *events.ThresholdError
		if errors.As(err, &te) {
			return ledger.Appended{}, fmt.Errorf("needs %d more %s signature(s): %w", te.Need-te.Have, te.Role, err)
		}
		return ledger.Appended{}, err
	}
	return c.Append(ctx, stored, ledger.AppendOptions{})
}
