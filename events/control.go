package events

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ControlPayloadType is the DSSE payload type of control requests. It
// differs from PayloadType, so a control request can never be stored as a
// ledger event, nor an event be sent as a control request.
const ControlPayloadType = "application/vnd.vault.control.v1+json"

// Errors of control requests.
var (
	ErrStale     = errors.New("events: control request timestamp outside the allowed window")
	ErrReplayed  = errors.New("events: control request replayed")
	ErrWrongNode = errors.New("events: control request meant for another node")
)

// Control request targets besides a node's name: every node (a broadcast
// on the shared control subject) and whichever one node answers a client
// whose NATS server runs none (the node-local API's "any" subject).
const (
	ControlEveryNode = "*"
	ControlAnyNode   = "any"
)

// Control is a signed request from the CLI to a node: status, logs,
// stopping and starting the server, killing invocations. It is not part of
// the ledger; the node judges its signer against its projected keyring.
type Control struct {
	Ledger string `json:"ledger"`
	// Node is where the request may run: a node's name, or
	// ControlEveryNode or ControlAnyNode. A node refuses a request sent to
	// it for another, so a captured request cannot be replayed elsewhere.
	Node   string          `json:"node"`
	Method string          `json:"method"`
	Body   json.RawMessage `json:"body,omitempty"`
	Time   time.Time       `json:"time"`
	Nonce  string          `json:"nonce"`
}

// controlRoles says which roles may call each method; an empty list lets
// any trusted key call it.
var controlRoles = map[string][]Role{
	"status":       nil,
	"logs":         {RoleAdmin, RoleDeploy, RoleActivate},
	"server.stop":  {RoleAdmin},
	"server.start": {RoleAdmin},
	"kill":         {RoleAdmin, RoleActivate},
	"ps":           nil,
	// Opens an upload session; the node is the artifact store's only
	// writer.
	"artifact.put": {RoleAdmin, RoleDeploy},
}

// NewControl seals a control request for ledger and node, with a fresh
// nonce and the current time.
func NewControl(ledger, node, method string, body any, signer *Signer) ([]byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode %s request: %w", method, err)
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("control nonce: %w", err)
	}
	payload, err := json.Marshal(Control{Ledger: ledger, Node: node, Method: method, Body: raw, Time: time.Now().UTC(), Nonce: hex.EncodeToString(nonce)})
	if err != nil {
		return nil, err
	}
	return SealAs(ControlPayloadType, payload, signer)
}

// ControlGuard checks control requests: signature, role, target node,
// freshness and nonce. Nonces are remembered for twice the window, so a
// captured request cannot be sent again while its timestamp would still
// pass; with a Store they are remembered across restarts too.
type ControlGuard struct {
	Window time.Duration
	Now    func() time.Time
	// Store, if set, keeps the nonces seen; a request is refused when the
	// store cannot record its nonce.
	Store NonceStore

	mu   sync.Mutex
	seen map[string]time.Time // nonce → when it may be forgotten
}

// NewControlGuard accepts timestamps up to window away from now.
func NewControlGuard(window time.Duration) *ControlGuard {
	return &ControlGuard{Window: window, Now: time.Now, seen: map[string]time.Time{}}
}

// NonceStore keeps the nonces of accepted control requests.
type NonceStore interface {
	// Remember records nonce until the time given, and reports whether
	// it was recorded before and has not expired by now.
	Remember(nonce string, until, now time.Time) (seen bool, err error)
}

// Check verifies a control request for ledger and node (the target it
// was sent to: this node's name, ControlEveryNode or ControlAnyNode)
// against kr and returns it with its signer's key ID.
func (g *ControlGuard) Check(kr *Keyring, ledger, node string, stored []byte) (*Control, string, error) {
	env, err := DecodeEnvelopeAs(ControlPayloadType, stored)
	if err != nil {
		return nil, "", err
	}
	if len(env.Signatures) != 1 {
		return nil, "", fmt.Errorf("control request: %d signatures, want 1: %w", len(env.Signatures), ErrMalformed)
	}
	var c Control
	if err := json.Unmarshal(env.Payload, &c); err != nil {
		return nil, "", fmt.Errorf("control request: %v: %w", err, ErrMalformed)
	}
	roles, known := controlRoles[c.Method]
	switch {
	case !known:
		return nil, "", fmt.Errorf("control request: unknown method %q: %w", c.Method, ErrInvalidEvent)
	case c.Ledger != ledger:
		return nil, "", fmt.Errorf("control request for ledger %q, this node serves %q: %w", c.Ledger, ledger, ErrWrongLedger)
	case c.Node != node:
		return nil, "", fmt.Errorf("control request for node %q, sent to %q: %w", c.Node, node, ErrWrongNode)
	case len(c.Nonce) < 16:
		return nil, "", fmt.Errorf("control request: nonce too short: %w", ErrMalformed)
	}
	id := env.Signatures[0].KeyID
	k := kr.Keys[id]
	switch {
	case k == nil:
		return nil, "", fmt.Errorf("control %s: key %s: %w", c.Method, id, ErrUnknownKey)
	case !k.verify(PAE(env.PayloadType, env.Payload), env.Signatures[0].Sig):
		return nil, "", fmt.Errorf("control %s: key %s: %w", c.Method, id, ErrBadSignature)
	case k.Revoked():
		return nil, "", fmt.Errorf("control %s: key %s revoked at seq %d: %w", c.Method, id, k.RevokedSeq, ErrRevoked)
	case len(roles) > 0 && !slices.ContainsFunc(roles, k.Has):
		return nil, "", fmt.Errorf("control %s: key %s holds none of the roles %v: %w", c.Method, id, roles, ErrUnauthorized)
	}
	now := g.Now()
	if skew := now.Sub(c.Time); skew > g.Window || skew < -g.Window {
		return nil, "", fmt.Errorf("control %s: signed at %s, %s away from the node's clock (allowed %s): %w",
			c.Method, c.Time.Format(time.RFC3339), skew.Round(time.Second), g.Window, ErrStale)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for n, until := range g.seen {
		if now.After(until) {
			delete(g.seen, n)
		}
	}
	if _, dup := g.seen[c.Nonce]; dup {
		return nil, "", fmt.Errorf("control %s: nonce %s was already used: %w", c.Method, c.Nonce, ErrReplayed)
	}
	until := c.Time.Add(2 * g.Window)
	if g.Store != nil {
		seen, err := g.Store.Remember(c.Nonce, until, now)
		if err != nil {
			return nil, "", fmt.Errorf("control %s: remember nonce: %w", c.Method, err)
		}
		if seen {
			return nil, "", fmt.Errorf("control %s: nonce %s was already used (before a restart): %w", c.Method, c.Nonce, ErrReplayed)
		}
	}
	g.seen[c.Nonce] = until
	return &c, id, nil
}
