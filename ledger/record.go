package ledger

import (
	"errors"
	"time"
)

// Stream and subject names shared by nodes and clients.
const (
	StreamName     = "LEDGER"
	RecordsSubject = "ledger.records"
	ArtifactBucket = "ARTIFACTS"
)

// Sentinel errors.
var (
	ErrNotFound  = errors.New("ledger: record not found")
	ErrRejected  = errors.New("ledger: append rejected")
	ErrHeadMoved = errors.New("ledger: head is not the expected sequence")
	// ErrUnavailable is a transient refusal (the node was busy catching
	// up or shutting down): the same append may succeed when retried.
	ErrUnavailable = errors.New("ledger: temporarily unavailable")
	// ErrBehind is a Gate's answer when the head the sequencer named is
	// older than what the gate has seen applied: another writer appended
	// (a hub of a cluster). The sequencer re-reads the head and retries.
	ErrBehind = errors.New("ledger: the sequencer's head is behind the stream")
	// ErrMirror refuses an append on a node whose ledger is a mirror of
	// a hub's: appends go to the hub.
	ErrMirror = errors.New("ledger: this node mirrors the hub's ledger; appends go to the hub")
	// ErrLost refuses to open a node's ledger whose stream no longer holds
	// records the node indexed (and so acknowledged): serving or appending
	// on it would build a different history over the one clients were
	// told was stored.
	ErrLost = errors.New("ledger: acknowledged records are missing from the ledger stream")
)

// Record is one stored envelope and its position.
type Record struct {
	Seq uint64
	// ID is the hex SHA-256 of Envelope.
	ID string
	// Envelope is the signed envelope exactly as appended.
	Envelope []byte
	// Time is when the stream stored the record (informational).
	Time time.Time
}
