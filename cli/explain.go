package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector"
)

// explanation is one record of the ledger in words.
type explanation struct {
	Seq  uint64 `json:"seq"`
	Text string `json:"text"`
}

// explain says who changed what in records from..to (to zero: up to the
// head), one sentence a record: the signers, what the event asked for, and
// the reason if the projector rejected it. Rejections come from replaying
// the ledger up to to, as 'vault state --at' does.
func explain(ctx context.Context, src *ledgerSource, from, to uint64) ([]explanation, error) {
	if from == 0 || to != 0 && to < from {
		return nil, fmt.Errorf("explain %d..%d: want 1 <= from <= to", from, to)
	}
	if err := src.open(); err != nil {
		return nil, err
	}
	defer src.close()
	st, err := projector.Replay(func(yield func(ledger.Record) error) error {
		return src.records(ctx, 1, to, yield)
	}, to)
	if err != nil {
		return nil, fmt.Errorf("explain: replay: %w", err)
	}
	rejected := map[uint64]string{}
	for _, r := range st.Rejected {
		rejected[r.Seq] = r.Reason
	}
	var out []explanation
	err = src.records(ctx, from, to, func(r ledger.Record) error {
		text := describeInWords(r)
		if reason, ok := rejected[r.Seq]; ok {
			text += "; REJECTED by the projector: " + reason
		}
		out = append(out, explanation{Seq: r.Seq, Text: text})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	return out, nil
}

// describeInWords is "key K1 activated hello@v2 (10% of requests)": who
// signed record r and what its event asks for.
func describeInWords(r ledger.Record) string {
	l := describeRecord(r)
	if l.Problem != "" {
		return "an undecodable record: " + l.Problem
	}
	who := "key " + strings.Join(l.Signers, " and key ")
	if len(l.Signers) == 0 {
		who = "nobody (unsigned)"
	}
	when := l.Time.UTC().Format("2006-01-02 15:04:05Z")
	return fmt.Sprintf("%s %s (at %s)", who, eventInWords(r, l), when)
}

// eventInWords is what the event of record r (described by l) does.
func eventInWords(r ledger.Record, l logLine) string {
	env, _ := events.DecodeEnvelope(r.Envelope)
	ev, _ := events.DecodeEvent(env.Payload)
	body := func(v any) bool { return json.Unmarshal(ev.Body, v) == nil }
	switch ev.Type {
	case events.TypeGenesis:
		return "created the ledger"
	case events.TypeDeployed:
		var d events.Deployed
		if body(&d) {
			what := fmt.Sprintf("deployed a new version of %s (artifact %s, routes %s)", d.Name, short(d.Artifact), strings.Join(d.Routes, " "))
			if d.Image != "" {
				what += ", running image " + d.Image
			}
			if len(d.Transfer) > 0 {
				what += ", taking over " + strings.Join(d.Transfer, " ")
			}
			return what
		}
	case events.TypeActivated:
		var a events.Activated
		if body(&a) {
			if a.Percent > 0 {
				return fmt.Sprintf("activated %s@v%d for %d%% of requests (a canary)", a.Name, a.Version, a.Percent)
			}
			return fmt.Sprintf("activated %s@v%d for all requests", a.Name, a.Version)
		}
	case events.TypeRolledBack:
		var b events.RolledBack
		if body(&b) {
			return fmt.Sprintf("rolled %s back to v%d", b.Name, b.Version)
		}
	case events.TypePaused, events.TypeResumed, events.TypeRetired, events.TypeStopped, events.TypeStarted:
		var b events.Lifecycle
		if body(&b) {
			verb := map[events.Type]string{events.TypePaused: "paused", events.TypeResumed: "resumed", events.TypeRetired: "retired",
				events.TypeStopped: "stopped", events.TypeStarted: "started"}[ev.Type]
			if b.Reason != "" {
				return fmt.Sprintf("%s %s (reason: %s)", verb, b.Name, b.Reason)
			}
			return verb + " " + b.Name
		}
	case events.TypeKeyAdded:
		var k events.KeyAdded
		if body(&k) {
			return fmt.Sprintf("added key %s with roles %v%s", k.ID, k.Roles, thresholdNote(k.AdminThreshold))
		}
	case events.TypeKeyRotated:
		var k events.KeyRotated
		if body(&k) {
			return fmt.Sprintf("rotated key %s to %s%s", k.ID, k.NewID, thresholdNote(k.AdminThreshold))
		}
	case events.TypeKeyRevoked:
		var k events.KeyRevoked
		if body(&k) {
			return fmt.Sprintf("revoked key %s%s", k.ID, thresholdNote(k.AdminThreshold))
		}
	case events.TypeRoleGranted, events.TypeRoleRevoked:
		var k events.RoleChange
		if body(&k) {
			verb := map[events.Type]string{events.TypeRoleGranted: "granted", events.TypeRoleRevoked: "revoked"}[ev.Type]
			return fmt.Sprintf("%s role %s of key %s%s", verb, k.Role, k.ID, thresholdNote(k.AdminThreshold))
		}
	case events.TypeImagePulled:
		var p events.ImagePulled
		if body(&p) {
			return fmt.Sprintf("pulled image %s:%s as %s", p.Repository, p.Tag, p.Digest)
		}
	case events.TypeImageRemoved:
		var p events.ImageRemoved
		if body(&p) {
			return "removed image " + p.Digest
		}
	}
	return fmt.Sprintf("appended %s about %q", l.Type, l.Subject)
}

// short is a digest's first 12 hex digits.
func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}
