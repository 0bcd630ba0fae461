package events

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// Type names what an event does.
type Type string

const (
	TypeGenesis   Type = "ledger.genesis"
	TypeDeployed  Type = "function.deployed"
	TypeActivated Type = "function.activated"

	// Lifecycle events; each names the function as subject.
	TypeRolledBack Type = "function.rolledback"
	TypePaused     Type = "function.paused"
	TypeResumed    Type = "function.resumed"
	TypeRetired    Type = "function.retired"
	// Stopped ends a function's containers (its routes answer 503) until
	// Started runs them again.
	TypeStopped Type = "function.stopped"
	TypeStarted Type = "function.started"

	TypeKeyAdded    Type = "key.added"
	TypeKeyRotated  Type = "key.rotated"
	TypeKeyRevoked  Type = "key.revoked"
	TypeRoleGranted Type = "role.granted"
	TypeRoleRevoked Type = "role.revoked"
)

// IsKeyEvent reports whether t changes the trust state.
func IsKeyEvent(t Type) bool {
	switch t {
	case TypeKeyAdded, TypeKeyRotated, TypeKeyRevoked, TypeRoleGranted, TypeRoleRevoked:
		return true
	}
	return false
}

// Event is the signed payload of an envelope.
type Event struct {
	// Ledger is the genesis event ID of the ledger this event belongs to;
	// empty only in the genesis event itself. It stops a signed event from
	// being replayed into another ledger.
	Ledger string `json:"ledger"`
	Type   Type   `json:"type"`
	// Subject is what the event is about, e.g. a function name.
	Subject string `json:"subject,omitempty"`
	// Time is informational only: authority is judged by ledger position.
	Time time.Time       `json:"time"`
	Body json.RawMessage `json:"body"`
}

// Genesis founds a ledger: its name, its first keys and their roles.
type Genesis struct {
	Name           string     `json:"name"`
	Keys           []KeyGrant `json:"keys"`
	AdminThreshold int        `json:"adminThreshold"`
}

// KeyGrant is a public key and the roles it holds.
type KeyGrant struct {
	ID        string `json:"id"`
	PublicKey []byte `json:"publicKey"`
	Roles     []Role `json:"roles"`
}

// Deployed records a new, immutable version of a function. The version
// number is not in the event: it is the count of earlier deploys of the
// same function plus one, which replay derives the same way every time.
type Deployed struct {
	Name string `json:"name"`
	// Artifact is the SHA-256 (hex) of the artifact blob; the artifact
	// carries the manifest, so routes, limits and vars are part of it.
	Artifact string   `json:"artifact"`
	Size     int64    `json:"size"`
	Routes   []string `json:"routes"`
	// Transfer lists routes this deploy takes over from the function that
	// owns them. It needs an admin signature besides the deploy one; a
	// route owned by another function and not listed here is refused.
	Transfer []string `json:"transfer,omitempty"`
	// Image, for a container, is the digest ("sha256:<hex>") of the image
	// it runs, one the ledger holds (image.pulled): the tag its manifest
	// names is resolved when it is deployed, never later.
	Image string `json:"image,omitempty"`
	// Runtime, for a container, is the OCI runtime config generated from
	// its manifest and image (JSON, runtime-spec 1.0.2): what the
	// gatekeeper judges and what runs. Network is its network mode.
	Runtime json.RawMessage `json:"runtime,omitempty"`
	Network string          `json:"network,omitempty"`
	// Volumes, for a container, names the volumes its runtime config
	// mounts (sources "volume:NAME"), and Networks the named networks it
	// joins; each must have been created (volume.created,
	// network.created; DefaultNetwork always exists). A volume stays
	// while a live version names it.
	Volumes  []string `json:"volumes,omitempty"`
	Networks []string `json:"networks,omitempty"`
}

// Activated makes one deployed version the one that serves. It names the
// artifact digest too, so a signature binds the exact code activated.
type Activated struct {
	Name     string `json:"name"`
	Version  int    `json:"version"`
	Artifact string `json:"artifact"`
	// Percent, if between 1 and 99, sends that share of requests to
	// Version and the rest to the version already active (a split); 0
	// and 100 mean all of them.
	Percent int `json:"percent,omitempty"`
}

// RolledBack returns a function to a version that was active before, with
// the routes, limits and vars that version was deployed with (they are in
// its artifact). It ends any split.
type RolledBack struct {
	Name     string `json:"name"`
	Version  int    `json:"version"`
	Artifact string `json:"artifact"`
}

// Lifecycle is the body of function.paused, function.resumed and
// function.retired.
type Lifecycle struct {
	Name   string `json:"name"`
	Reason string `json:"reason,omitempty"`
}

var functionName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

// ValidFunctionName reports whether name is a legal function name:
// lower-case letters, digits and dashes, starting with a letter.
func ValidFunctionName(name string) bool { return functionName.MatchString(name) }

// NewEvent builds an event payload for ledger with body encoded as JSON.
func NewEvent(ledger string, typ Type, subject string, body any) ([]byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode %s body: %w", typ, err)
	}
	return json.Marshal(Event{Ledger: ledger, Type: typ, Subject: subject, Time: time.Now().UTC(), Body: raw})
}

// DecodeEvent parses an envelope's payload.
func DecodeEvent(payload []byte) (*Event, error) {
	var ev Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("decode event: %v: %w", err, ErrInvalidEvent)
	}
	if ev.Type == "" {
		return nil, fmt.Errorf("decode event: no type: %w", ErrInvalidEvent)
	}
	return &ev, nil
}

// DecodeBody parses an event's body into v, which must match its type.
func DecodeBody[T any](ev *Event) (*T, error) {
	var v T
	if err := json.Unmarshal(ev.Body, &v); err != nil {
		return nil, fmt.Errorf("decode %s body: %v: %w", ev.Type, err, ErrInvalidEvent)
	}
	return &v, nil
}
