package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

// Client speaks the node's wire protocol (api.go) to the node it is
// connected to, or to every node: one method per request. Appends and
// control requests are signed with the operator key, which Key gives;
// it is asked for only when a request needs it, so read-only commands
// never open it.
type Client struct {
	nc     *nats.Conn
	key    func() (*events.Signer, error)
	server string
	// ledger is the ID of the node's ledger, once a state reply named it.
	mu     sync.Mutex
	ledger string
}

// ClientConfig is how a Client dials.
type ClientConfig struct {
	// Key opens the operator key: a node that demands authentication is
	// dialled again signed with it, and appends and control requests are
	// signed with it.
	Key func() (*events.Signer, error)
	// CA is a PEM file of the CA of a TLS listener ("" for none).
	CA string
}

// Dial connects to the node at server. A node that demands
// authentication gets a second attempt signed with the operator key (so
// local read-only commands never need its passphrase).
func Dial(server string, cfg ClientConfig) (*Client, error) {
	opts := []nats.Option{nats.Name("vault-cli"), nats.Timeout(5 * time.Second), nats.MaxReconnects(0)}
	if cfg.CA != "" {
		opts = append(opts, nats.RootCAs(cfg.CA))
	}
	nc, err := nats.Connect(server, opts...)
	if err != nil && isAuthError(err) {
		if cfg.Key == nil {
			return nil, fmt.Errorf("node at %s requires a trusted key", server)
		}
		signer, kerr := cfg.Key()
		if kerr != nil {
			return nil, fmt.Errorf("node at %s requires a trusted key: %w", server, kerr)
		}
		opt, kerr := NkeyOption(signer)
		if kerr != nil {
			return nil, kerr
		}
		nc, err = nats.Connect(server, append(opts, opt)...)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to node at %s: %w (is 'vault serve' running? see --server)", server, err)
	}
	return &Client{nc: nc, key: cfg.Key, server: server}, nil
}

func isAuthError(err error) bool {
	return errors.Is(err, nats.ErrAuthorization) || strings.Contains(strings.ToLower(err.Error()), "authorization")
}

// Close closes the connection.
func (c *Client) Close() { c.nc.Close() }

// Server is the URL the client dialled.
func (c *Client) Server() string { return c.server }

// JetStream reads the streams of the node's NATS (the ledger, checkpoints,
// function logs): they are read directly, not through requests.
func (c *Client) JetStream() (jetstream.JetStream, error) { return jetstream.New(c.nc) }

// State asks the node behind the client (and no other: see NodeAPI) for
// its state once it applied waitSeq.
func (c *Client) State(ctx context.Context, waitSeq uint64) (StateReply, error) {
	req, _ := json.Marshal(StateRequest{WaitSeq: waitSeq})
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var reply StateReply
	msg, err := c.requestNode(ctx, StateAPI, req)
	if err != nil {
		return reply, fmt.Errorf("ask node for state: %w", err)
	}
	data, err := StateData(msg)
	if err != nil {
		return reply, fmt.Errorf("ask node for state: %w", err)
	}
	if err := json.Unmarshal(data, &reply); err != nil {
		return reply, fmt.Errorf("ask node for state: bad reply: %w", err)
	}
	if reply.Error != "" {
		return reply, fmt.Errorf("ask node for state: %s", reply.Error)
	}
	if reply.Snapshot == nil {
		return reply, fmt.Errorf("ask node for state: the reply has no state")
	}
	c.mu.Lock()
	c.ledger = reply.Snapshot.State.Ledger
	c.mu.Unlock()
	return reply, nil
}

// Snapshot is the node's projected state once it applied waitSeq.
func (c *Client) Snapshot(ctx context.Context, waitSeq uint64) (*fold.Snapshot, error) {
	reply, err := c.State(ctx, waitSeq)
	return reply.Snapshot, err
}

// Ledger is the ID of the node's ledger, asked for once.
func (c *Client) Ledger(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.ledger
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	snap, err := c.Snapshot(ctx, 0)
	if err != nil {
		return "", err
	}
	return snap.State.Ledger, nil
}

// requestNode sends a request to the node-local API of the node behind
// the client, or, if no node runs on that NATS server, to any one node.
func (c *Client) requestNode(ctx context.Context, api string, data []byte) (*nats.Msg, error) {
	msg, err := c.nc.RequestWithContext(ctx, NodeAPI(c.nc.ConnectedServerName(), api), data)
	if errors.Is(err, nats.ErrNoResponders) {
		msg, err = c.nc.RequestWithContext(ctx, NodeAPI(AnyNode, api), data)
	}
	return msg, err
}

// Append asks the node to append a signed envelope (ledger.Append): a
// refusal is a *ledger.AppendError, errors.Is its kind.
func (c *Client) Append(ctx context.Context, envelope []byte, opts ledger.AppendOptions) (ledger.Appended, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return ledger.Append(ctx, c.nc, envelope, opts)
}

// SignAndAppend builds an event of typ about subject for the node's
// ledger, signs it with the operator key and appends it.
func (c *Client) SignAndAppend(ctx context.Context, typ events.Type, subject string, body any, opts ledger.AppendOptions) (ledger.Appended, error) {
	id, err := c.Ledger(ctx)
	if err != nil {
		return ledger.Appended{}, err
	}
	signer, err := c.signer()
	if err != nil {
		return ledger.Appended{}, err
	}
	payload, err := events.NewEvent(id, typ, subject, body)
	if err != nil {
		return ledger.Appended{}, err
	}
	env, err := events.Seal(payload, signer)
	if err != nil {
		return ledger.Appended{}, err
	}
	return c.Append(ctx, env, opts)
}

// Prove asks a hub for an inclusion or consistency proof.
func (c *Client) Prove(ctx context.Context, req ledger.ProofRequest) (*ledger.Proof, error) {
	return ledger.RequestProof(ctx, c.nc, req)
}

func (c *Client) signer() (*events.Signer, error) {
	if c.key == nil {
		return nil, errors.New("no operator key to sign with")
	}
	return c.key()
}

// Control signs a control request with the operator key, sends it to the
// node and decodes the result into out.
func (c *Client) Control(ctx context.Context, method string, body, out any) error {
	id, err := c.Ledger(ctx)
	if err != nil {
		return err
	}
	signer, err := c.signer()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// The request names the node behind the client, and only that node
	// takes it; if no node runs on that NATS server, any one node.
	target := c.nc.ConnectedServerName()
	req, err := events.NewControl(id, target, method, body, signer)
	if err != nil {
		return err
	}
	msg, err := c.nc.RequestWithContext(ctx, NodeAPI(target, ControlAPI), req)
	if errors.Is(err, nats.ErrNoResponders) {
		if req, err = events.NewControl(id, events.ControlAnyNode, method, body, signer); err != nil {
			return err
		}
		msg, err = c.nc.RequestWithContext(ctx, NodeAPI(AnyNode, ControlAPI), req)
	}
	if err != nil {
		return fmt.Errorf("%s: ask the node: %w", method, err)
	}
	var reply ControlReply
	if err := json.Unmarshal(msg.Data, &reply); err != nil {
		return fmt.Errorf("%s: bad reply: %w", method, err)
	}
	if reply.Error != "" {
		return fmt.Errorf("%s refused by the node: %s", method, reply.Error)
	}
	return json.Unmarshal(reply.Result, out)
}

// Status asks the node for its status (a control request).
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.Control(ctx, MethodStatus, struct{}{}, &st)
	return st, err
}

// ServerStop stops the node's HTTP traffic, draining for up to drain.
func (c *Client) ServerStop(ctx context.Context, drain time.Duration) (ServerResult, error) {
	var res ServerResult
	err := c.Control(ctx, MethodServerStop, ServerRequest{DrainMillis: drain.Milliseconds()}, &res)
	return res, err
}

// ServerStart has the node take traffic again.
func (c *Client) ServerStart(ctx context.Context) (ServerResult, error) {
	var res ServerResult
	err := c.Control(ctx, MethodServerStart, struct{}{}, &res)
	return res, err
}
