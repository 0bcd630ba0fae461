package projector

import (
	"encoding/hex"
	"fmt"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/schemas"
)

// change is a validated event, ready to apply.
type change struct {
	ev      *events.Event
	signers []string
	apply   func(s *State)
}

// Check judges whether envelope may follow state s, without changing s.
func Check(s *State, envelope []byte) error {
	_, err := validate(s, s.Seq+1, events.ID(envelope), envelope, nil)
	return err
}

// Fold applies record seq to s. A record that fails validation changes
// nothing but is remembered in s.Rejected; Fold returns the reason too.
// Records must come in order: seq must be s.Seq+1.
func Fold(s *State, seq uint64, id string, envelope []byte) error {
	return FoldWith(s, seq, id, envelope, nil)
}

// FoldReplay records seq as rejected: it carries the event first stored at
// seq first. An event counts once; a copy stored again later (published
// around the sequencer, say after JetStream's duplicate window) would
// otherwise re-apply an old activation with no new signature.
func FoldReplay(s *State, seq uint64, id string, first uint64) error {
	if seq != s.Seq+1 {
		return fmt.Errorf("fold seq %d: state is at %d: out of order", seq, s.Seq)
	}
	err := fmt.Errorf("replays the event already stored at seq %d: %w", first, events.ErrConflict)
	s.Seq = seq
	s.Rejected = append(s.Rejected, Rejection{Seq: seq, ID: id, Reason: err.Error()})
	return err
}

// SigChecker builds the signature check for one decoded envelope, so a
// caller with verdicts at hand (a cache, parallel workers) can supply them
// without decoding the envelope a second time.
type SigChecker func(id string, env *events.Envelope) events.SigCheck

// FoldWith is Fold with signatures checked by sc (nil: ed25519).
func FoldWith(s *State, seq uint64, id string, envelope []byte, sc SigChecker) error {
	if seq != s.Seq+1 {
		return fmt.Errorf("fold seq %d: state is at %d: out of order", seq, s.Seq)
	}
	c, err := validate(s, seq, id, envelope, sc)
	s.Seq = seq
	if err != nil {
		s.Rejected = append(s.Rejected, Rejection{Seq: seq, ID: id, Reason: err.Error()})
		return err
	}
	if c.ev.Type == events.TypeGenesis {
		s.Ledger = id
	}
	c.apply(s)
	return nil
}

// advance validates envelope as record s.Seq+1, runs extra (if any) on
// the valid event, and applies it; on error s is unchanged and nothing is
// recorded.
func advance(s *State, envelope []byte, sc SigChecker, extra func(*events.Event) error) error {
	seq, id := s.Seq+1, events.ID(envelope)
	c, err := validate(s, seq, id, envelope, sc)
	if err != nil {
		return err
	}
	if extra != nil {
		if err := extra(c.ev); err != nil {
			return err
		}
	}
	s.Seq = seq
	if c.ev.Type == events.TypeGenesis {
		s.Ledger = id
	}
	c.apply(s)
	return nil
}

func validate(s *State, seq uint64, id string, envelope []byte, sc SigChecker) (*change, error) {
	env, err := events.DecodeEnvelope(envelope)
	if err != nil {
		return nil, err
	}
	var check events.SigCheck
	if sc != nil {
		check = sc(id, env)
	}
	if s.Ledger == "" {
		if seq != 1 {
			return nil, fmt.Errorf("no genesis before seq %d: %w", seq, events.ErrInvalidEvent)
		}
		return validateGenesis(env)
	}
	ev, err := events.DecodeEvent(env.Payload)
	if err != nil {
		return nil, err
	}
	if ev.Ledger != s.Ledger {
		return nil, fmt.Errorf("event names ledger %q, this is %q: %w", ev.Ledger, s.Ledger, events.ErrWrongLedger)
	}
	if events.IsKeyEvent(ev.Type) {
		kc, err := s.Keys.Change(env, ev, seq, check)
		if err != nil {
			return nil, err
		}
		return &change{ev: ev, signers: kc.Signers, apply: func(s *State) { s.Keys = kc.Next }}, nil
	}
	role, err := events.RequiredRole(ev.Type)
	if err != nil {
		return nil, err
	}
	signers, err := s.Keys.VerifyWith(env, role, 1, check)
	if err != nil {
		return nil, err
	}
	c := &change{ev: ev, signers: signers}
	switch ev.Type {
	case events.TypeDeployed:
		err = validateDeployed(seq, id, c)
	case events.TypeActivated:
		err = validateActivated(s, seq, c)
	default:
		err = fmt.Errorf("event type %q: %w", ev.Type, events.ErrInvalidEvent)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func validateGenesis(env *events.Envelope) (*change, error) {
	_, kr, err := events.VerifyGenesis(env)
	if err != nil {
		return nil, err
	}
	ev, _ := events.DecodeEvent(env.Payload)
	return &change{ev: ev, apply: func(s *State) { s.Keys = kr }}, nil
}

func validateDeployed(seq uint64, id string, c *change) error {
	d, err := events.DecodeBody[events.Deployed](c.ev)
	if err != nil {
		return err
	}
	switch {
	case !events.ValidFunctionName(d.Name):
		return fmt.Errorf("deploy: function name %q: %w", d.Name, events.ErrInvalidEvent)
	case c.ev.Subject != d.Name:
		return fmt.Errorf("deploy: subject %q differs from name %q: %w", c.ev.Subject, d.Name, events.ErrInvalidEvent)
	case !validDigest(d.Artifact):
		return fmt.Errorf("deploy %s: artifact %q is not a SHA-256: %w", d.Name, d.Artifact, events.ErrInvalidEvent)
	case d.Size <= 0:
		return fmt.Errorf("deploy %s: artifact size %d: %w", d.Name, d.Size, events.ErrInvalidEvent)
	}
	for _, r := range d.Routes {
		if _, err := schemas.ParseRoute(r); err != nil {
			return fmt.Errorf("deploy %s: %v: %w", d.Name, err, events.ErrInvalidEvent)
		}
	}
	c.apply = func(s *State) {
		f := s.Functions[d.Name]
		if f == nil {
			f = &Function{Name: d.Name}
			s.Functions[d.Name] = f
		}
		f.Versions = append(f.Versions, Version{
			Number: len(f.Versions) + 1, Artifact: d.Artifact, Size: d.Size, Routes: d.Routes,
			DeployedSeq: seq, DeployedBy: c.signers, EventID: id,
		})
	}
	return nil
}

func validateActivated(s *State, seq uint64, c *change) error {
	a, err := events.DecodeBody[events.Activated](c.ev)
	if err != nil {
		return err
	}
	f := s.Functions[a.Name]
	switch {
	case f == nil:
		return fmt.Errorf("activate %s: no such function: %w", a.Name, events.ErrNotFound)
	case c.ev.Subject != a.Name:
		return fmt.Errorf("activate: subject %q differs from name %q: %w", c.ev.Subject, a.Name, events.ErrInvalidEvent)
	case a.Version < 1 || a.Version > len(f.Versions):
		return fmt.Errorf("activate %s@v%d: no such version (latest is v%d): %w", a.Name, a.Version, len(f.Versions), events.ErrNotFound)
	case f.Versions[a.Version-1].Artifact != a.Artifact:
		return fmt.Errorf("activate %s@v%d: artifact %s is not the deployed %s: %w",
			a.Name, a.Version, a.Artifact, f.Versions[a.Version-1].Artifact, events.ErrDigestMismatch)
	}
	c.apply = func(s *State) {
		f := s.Functions[a.Name]
		f.Active = a.Version
		f.ActivatedSeq = seq
	}
	return nil
}

func validDigest(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}
