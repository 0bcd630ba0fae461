package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector"
)

// dialNode connects to a node and reads its current snapshot; the caller
// closes the connection.
func dialNode(ctx context.Context, server string) (*nats.Conn, *projector.Snapshot, error) {
	nc, err := connect(server)
	if err != nil {
		return nil, nil, err
	}
	snap, err := fetchSnapshot(ctx, nc, 0)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, snap, nil
}

// dialFunction is dialNode for a command about one function: it fails,
// naming verb, if the node has no function called name.
func dialFunction(ctx context.Context, server, verb, name string) (*nats.Conn, *projector.Snapshot, *projector.Function, error) {
	nc, snap, err := dialNode(ctx, server)
	if err != nil {
		return nil, nil, nil, err
	}
	f := snap.State.Functions[name]
	if f == nil {
		nc.Close()
		return nil, nil, nil, fmt.Errorf("%s %s: no function %q is deployed", verb, name, name)
	}
	return nc, snap, f, nil
}

func fetchSnapshot(ctx context.Context, nc *nats.Conn, waitSeq uint64) (*projector.Snapshot, error) {
	reply, err := fetchState(ctx, nc, waitSeq)
	return reply.Snapshot, err
}

// fetchState asks the node behind nc (and no other: see node.NodeAPI) for its
// state once it applied waitSeq.
func fetchState(ctx context.Context, nc *nats.Conn, waitSeq uint64) (node.StateReply, error) {
	req, _ := json.Marshal(node.StateRequest{WaitSeq: waitSeq})
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var reply node.StateReply
	msg, err := requestNode(ctx, nc, node.StateAPI, req)
	if err != nil {
		return reply, fmt.Errorf("ask node for state: %w", err)
	}
	data, err := node.StateData(msg)
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
	return reply, nil
}

// appended is an acknowledged append and when the acknowledgement came.
type appended struct {
	ledger.Appended
	At time.Time
}

// signAndAppend builds an event for the node's ledger, signs it with the
// operator key, appends it and waits until the node applied it.
func signAndAppend(ctx context.Context, nc *nats.Conn, ledgerID string, typ events.Type, subject string, body any, opts ledger.AppendOptions) (appended, *projector.Snapshot, error) {
	signer, err := loadOperatorKey()
	if err != nil {
		return appended{}, nil, err
	}
	payload, err := events.NewEvent(ledgerID, typ, subject, body)
	if err != nil {
		return appended{}, nil, err
	}
	env, err := events.Seal(payload, signer)
	if err != nil {
		return appended{}, nil, err
	}
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ack, err := ledger.Append(actx, nc, env, opts)
	if err != nil {
		return appended{}, nil, err
	}
	res := appended{Appended: ack, At: time.Now()}
	snap, err := fetchSnapshot(ctx, nc, res.Seq)
	if err != nil {
		return res, nil, err
	}
	return res, snap, nil
}

// callControl signs a control request with the operator key, sends it to
// the node and decodes the result into out.
func callControl(ctx context.Context, nc *nats.Conn, ledgerID, method string, body, out any) error {
	signer, err := loadOperatorKey()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// The request names the node behind nc, and only that node takes it;
	// if no node runs on that NATS server, any one node.
	target := nc.ConnectedServerName()
	req, err := events.NewControl(ledgerID, target, method, body, signer)
	if err != nil {
		return err
	}
	msg, err := nc.RequestWithContext(ctx, node.NodeAPI(target, node.ControlAPI), req)
	if errors.Is(err, nats.ErrNoResponders) {
		if req, err = events.NewControl(ledgerID, events.ControlAnyNode, method, body, signer); err != nil {
			return err
		}
		msg, err = nc.RequestWithContext(ctx, node.NodeAPI(node.AnyNode, node.ControlAPI), req)
	}
	if err != nil {
		return fmt.Errorf("%s: ask the node: %w", method, err)
	}
	var reply node.ControlReply
	if err := json.Unmarshal(msg.Data, &reply); err != nil {
		return fmt.Errorf("%s: bad reply: %w", method, err)
	}
	if reply.Error != "" {
		return fmt.Errorf("%s refused by the node: %s", method, reply.Error)
	}
	return json.Unmarshal(reply.Result, out)
}

// broadcastControl signs one control request and sends it to every node;
// it collects replies until none came for quiet (at most ten seconds).
// Each node checks the request and its nonce on its own.
func broadcastControl(ctx context.Context, nc *nats.Conn, ledgerID, method string, body any, quiet time.Duration) ([]node.ControlReply, error) {
	signer, err := loadOperatorKey()
	if err != nil {
		return nil, err
	}
	req, err := events.NewControl(ledgerID, events.ControlEveryNode, method, body, signer)
	if err != nil {
		return nil, err
	}
	msgs, err := gather(ctx, nc, node.ControlSubject, req, 5*time.Second, quiet, 10*time.Second) // the first answer may take a while
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	replies := make([]node.ControlReply, len(msgs))
	for i, msg := range msgs {
		if err := json.Unmarshal(msg.Data, &replies[i]); err != nil {
			return nil, fmt.Errorf("%s: bad reply: %w", method, err)
		}
	}
	return replies, nil
}

// gatherNodes asks every node for its node.Announcement and collects answers
// until none came for quiet (or max passed).
func gatherNodes(ctx context.Context, nc *nats.Conn, quiet, max time.Duration) ([]node.Announcement, error) {
	msgs, err := gather(ctx, nc, node.NodesSubject, nil, quiet, quiet, max)
	if err != nil {
		return nil, fmt.Errorf("find nodes: %w", err)
	}
	seen := map[string]node.Announcement{}
	for _, msg := range msgs {
		var a node.Announcement
		if json.Unmarshal(msg.Data, &a) == nil && a.NodeID != "" {
			seen[a.NodeID] = a
		}
	}
	return sortedNodes(seen), nil
}

// gather publishes data on subject with a reply inbox and collects the
// answers of every responder: it waits up to first for the first answer,
// then until none came for quiet, and never longer than max.
func gather(ctx context.Context, nc *nats.Conn, subject string, data []byte, first, quiet, max time.Duration) ([]*nats.Msg, error) {
	inbox := nc.NewRespInbox()
	ch := make(chan *nats.Msg, 64)
	sub, err := nc.ChanSubscribe(inbox, ch)
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest(subject, inbox, data); err != nil {
		return nil, err
	}
	var msgs []*nats.Msg
	wait, deadline := first, time.After(max)
	for {
		select {
		case msg := <-ch:
			msgs = append(msgs, msg)
			wait = quiet
		case <-time.After(wait):
			return msgs, nil
		case <-deadline:
			return msgs, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func sortedNodes(m map[string]node.Announcement) []node.Announcement {
	out := make([]node.Announcement, 0, len(m))
	for _, id := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[id])
	}
	return out
}

// connect dials a node. A node that demands authentication gets a second
// attempt signed with the operator key (so local read-only commands never
// need its passphrase). $VAULT_NATS_CA names the CA of a TLS listener.
func connect(serverURL string) (*nats.Conn, error) {
	opts := []nats.Option{nats.Name("vault-cli"), nats.Timeout(5 * time.Second), nats.MaxReconnects(0)}
	if ca := os.Getenv("VAULT_NATS_CA"); ca != "" {
		opts = append(opts, nats.RootCAs(ca))
	}
	nc, err := nats.Connect(serverURL, opts...)
	if err != nil && isAuthError(err) {
		signer, kerr := loadOperatorKey()
		if kerr != nil {
			return nil, fmt.Errorf("node at %s requires a trusted key: %w", serverURL, kerr)
		}
		opt, kerr := node.NkeyOption(signer)
		if kerr != nil {
			return nil, kerr
		}
		nc, err = nats.Connect(serverURL, append(opts, opt)...)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to node at %s: %w (is 'vault serve' running? see --server)", serverURL, err)
	}
	return nc, nil
}

func isAuthError(err error) bool {
	return errors.Is(err, nats.ErrAuthorization) || strings.Contains(strings.ToLower(err.Error()), "authorization")
}

// requestNode sends a request to the node-local API of the node behind
// nc, or, if no node runs on that NATS server, to any one node.
func requestNode(ctx context.Context, nc *nats.Conn, api string, data []byte) (*nats.Msg, error) {
	msg, err := nc.RequestWithContext(ctx, node.NodeAPI(nc.ConnectedServerName(), api), data)
	if errors.Is(err, nats.ErrNoResponders) {
		msg, err = nc.RequestWithContext(ctx, node.NodeAPI(node.AnyNode, api), data)
	}
	return msg, err
}
