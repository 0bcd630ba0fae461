package ledger

import (
	"errors"
	"slices"
	"strings"

	"github.com/vault-runtime/vault/events"
)

// AppendError is an append the node refused. It crosses the wire by its
// parts (see service.go), so that a client branches on the same kinds as
// the node: errors.Is(err, ErrRejected), ErrHeadMoved, ErrUnavailable,
// ErrMirror, and the events sentinel the gate refused with
// (events.ErrConflict, …).
//
// Its message is the refusal in the gate's own words, as the user is to
// read it ("activate shop@v2: shop is paused (since seq 12, v1): resume
// it first"): neither the kinds' texts nor the event and sequence, which
// are fields here and keys ("id", "seq") in the node's log line of the
// refusal.
type AppendError struct {
	// Kind is ErrRejected, ErrHeadMoved, ErrUnavailable or ErrMirror.
	Kind error
	// Cause is the events sentinel of a gate's refusal, or nil.
	Cause error
	// ID is the refused event's ID; Seq the sequence it was judged at
	// (0 if it was refused before it had one).
	ID  string
	Seq uint64
	// Reason says why, without the texts of Kind and Cause; empty, the
	// message is Kind's.
	Reason string
}

func (e *AppendError) Error() string {
	if e.Reason == "" && e.Kind != nil {
		return e.Kind.Error()
	}
	return e.Reason
}

// Unwrap gives the kinds, for errors.Is.
func (e *AppendError) Unwrap() []error {
	var out []error
	for _, k := range []error{e.Kind, e.Cause} {
		if k != nil {
			out = append(out, k)
		}
	}
	return out
}

// wireKind is an error's name on the wire.
type wireKind struct {
	name string
	err  error
}

// appendKinds name the kinds of an AppendError on the wire.
var appendKinds = []wireKind{
	{"rejected", ErrRejected}, {"headMoved", ErrHeadMoved}, {"unavailable", ErrUnavailable}, {"mirror", ErrMirror},
}

// gateCauses name the events sentinels a gate refuses with on the wire.
var gateCauses = []wireKind{
	{"malformed", events.ErrMalformed}, {"badSignature", events.ErrBadSignature}, {"unknownKey", events.ErrUnknownKey},
	{"unauthorized", events.ErrUnauthorized}, {"wrongLedger", events.ErrWrongLedger}, {"notFound", events.ErrNotFound},
	{"conflict", events.ErrConflict}, {"invalidEvent", events.ErrInvalidEvent}, {"digestMismatch", events.ErrDigestMismatch},
	{"revoked", events.ErrRevoked}, {"refused", events.ErrRefused},
}

// kindName is the wire name of err among kinds ("" if none is err).
func kindName(kinds []wireKind, err error) string {
	for _, k := range kinds {
		if err != nil && k.err == err {
			return k.name
		}
	}
	return ""
}

// kindNamed is the error of a wire name among kinds, or nil.
func kindNamed(kinds []wireKind, name string) error {
	for _, k := range kinds {
		if k.name == name {
			return k.err
		}
	}
	return nil
}

// explained are the causes whose text adds nothing to a gate's reason,
// which already says what the event conflicts with or what is invalid in
// it ("… shop is paused (since seq 12, v1): resume it first"). The other
// sentinels' texts are the reason ("events: unknown key") and stay.
var explained = []error{events.ErrConflict, events.ErrInvalidEvent, events.ErrRefused}

// refused is the AppendError of a gate's refusal err of event id at seq:
// its Cause is the first events sentinel err wraps. A gate wraps that
// last (fmt.Errorf("…: %w", events.ErrConflict)); an explained one's text
// leaves the reason, as it travels as Cause.
func refused(kind error, id string, seq uint64, err error) *AppendError {
	e := &AppendError{Kind: kind, ID: id, Seq: seq, Reason: err.Error()}
	for _, c := range gateCauses {
		if errors.Is(err, c.err) {
			e.Cause = c.err
			break
		}
	}
	if slices.Contains(explained, e.Cause) {
		e.Reason = strings.TrimSuffix(e.Reason, ": "+e.Cause.Error())
	}
	return e
}
