package fold

import (
	"encoding/hex"
	"fmt"

	"github.com/vault-runtime/vault/events"
)

// change is a validated event, ready to apply.
type change struct {
	ev      *events.Event
	seq     uint64
	id      string
	signers []string
	apply   func(s *State)
}

// Check judges whether envelope may follow state s, without changing s.
func Check(s *State, envelope []byte) error {
	_, err := validate(s, s.Seq+1, events.ID(envelope), envelope, nil)
	return err
}

// Apply applies record seq to s. A record that fails validation changes
// nothing but is remembered in s.Rejected; Apply returns the reason too.
// Records must come in order: seq must be s.Seq+1.
func Apply(s *State, seq uint64, id string, envelope []byte) error {
	return ApplyWith(s, seq, id, envelope, nil)
}

// RejectReplay records seq as rejected: it carries the event first stored at
// seq first. An event counts once; a copy stored again later (published
// around the sequencer, say after JetStream's duplicate window) would
// otherwise re-apply an old activation with no new signature.
func RejectReplay(s *State, seq uint64, id string, first uint64) error {
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

// ApplyWith is Apply with signatures checked by sc (nil: ed25519).
func ApplyWith(s *State, seq uint64, id string, envelope []byte, sc SigChecker) error {
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

// Advance validates envelope as record s.Seq+1, runs extra (if any) on
// the valid event, and applies it; on error s is unchanged and nothing is
// recorded.
func Advance(s *State, envelope []byte, sc SigChecker, extra func(*events.Event) error) error {
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
	c := &change{ev: ev, seq: seq, id: id, signers: signers}
	switch ev.Type {
	case events.TypeDeployed:
		err = validateDeployed(s, c, func(threshold int) ([]string, error) {
			return s.Keys.VerifyWith(env, events.RoleAdmin, threshold, check)
		})
	case events.TypeActivated:
		err = validateActivated(s, c)
	case events.TypeRolledBack:
		err = validateRolledBack(s, c)
	case events.TypePaused, events.TypeResumed, events.TypeRetired, events.TypeStopped, events.TypeStarted:
		err = validateLifecycle(s, c)
	case events.TypeImagePulled:
		err = validateImagePulled(s, c)
	case events.TypeImageRemoved:
		err = validateImageRemoved(s, c)
	case events.TypeNetworkCreated:
		err = validateNetworkCreated(s, c)
	case events.TypeVolumeCreated:
		err = validateVolumeCreated(s, c)
	case events.TypeVolumeRemoved:
		err = validateVolumeRemoved(s, c)
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

func validDigest(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}
