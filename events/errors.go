package events

import "errors"

// Sentinel errors shared across packages. Wrap them with the operation
// (fmt.Errorf("verify event %s: %w", id, err)) and test with errors.Is.
var (
	ErrMalformed      = errors.New("events: malformed envelope")
	ErrBadSignature   = errors.New("events: bad signature")
	ErrUnknownKey     = errors.New("events: unknown key")
	ErrUnauthorized   = errors.New("events: signer lacks the required role")
	ErrWrongLedger    = errors.New("events: event belongs to another ledger")
	ErrNotFound       = errors.New("events: not found")
	ErrConflict       = errors.New("events: conflicts with ledger state")
	ErrInvalidEvent   = errors.New("events: invalid event")
	ErrDigestMismatch = errors.New("events: digest mismatch")
	// ErrRefused is a container the gatekeeper does not admit (a rule it
	// breaks, or approval it lacks).
	ErrRefused = errors.New("events: refused by the gatekeeper")
)

// ErrRevoked marks a signature by a key revoked before the record's seq.
var ErrRevoked = errors.New("events: key revoked")
