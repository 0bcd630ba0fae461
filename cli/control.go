package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector"
)

// controlSubject carries signed control requests (events.Control) to
// every node (broadcastControl); controlAPI, a node-local API (nodeAPI),
// to the node a client is connected to. The reply is a controlReply.
const (
	controlSubject = "vault.api.control"
	controlAPI     = "control"
)

// controlWindow is how far a request's timestamp may be from the node's
// clock.
const controlWindow = 30 * time.Second

type controlReply struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// controlHandler answers one method; it receives the request's body.
type controlHandler func(ctx context.Context, body json.RawMessage) (any, error)

// serveControl checks every request (signature, role in the projected
// keyring, target node, timestamp, nonce) before it runs a handler, and
// logs each decision with the signer. A request names the node it is for,
// and is taken only on that node's subject (or, naming every node or any
// one, on the shared subjects): one captured on its way to an edge cannot
// be replayed to the hub. Nonces are kept in pebble, so a request cannot
// be replayed after a restart either.
func (n *node) serveControl(proj *projector.Projector, handlers map[string]controlHandler, log *slog.Logger) ([]*nats.Subscription, error) {
	nonces := pebbleNonces{n.db}
	if err := nonces.prune(time.Now()); err != nil {
		log.Warn("prune control nonces", "err", err)
	}
	guard := events.NewControlGuard(controlWindow)
	guard.Store = nonces
	handleFor := func(target string) nats.MsgHandler {
		return func(msg *nats.Msg) {
			var reply controlReply
			st := proj.Current().State
			c, signer, err := guard.Check(st.Keys, st.Ledger, target, msg.Data)
			if err != nil {
				log.Warn("control request refused", "err", err)
				reply.Error = err.Error()
			} else if h := handlers[c.Method]; h == nil {
				reply.Error = fmt.Sprintf("control %s: this node does not offer it yet", c.Method)
			} else {
				log.Info("control request", "method", c.Method, "key", signer)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				res, err := h(ctx, c.Body)
				cancel()
				if err != nil {
					reply.Error = fmt.Sprintf("control %s: %v", c.Method, err)
				} else if reply.Result, err = json.Marshal(res); err != nil {
					reply.Error = fmt.Sprintf("control %s: encode result: %v", c.Method, err)
				}
			}
			data, _ := json.Marshal(reply)
			if err := msg.Respond(data); err != nil {
				log.Warn("answer control request", "err", err)
			}
		}
	}
	all, err := n.nc.Subscribe(controlSubject, handleFor(events.ControlEveryNode))
	if err != nil {
		return nil, fmt.Errorf("serve control requests: %w", err)
	}
	own, err := n.nc.Subscribe(nodeAPI(n.serverName, controlAPI), handleFor(n.serverName))
	if err != nil {
		all.Unsubscribe()
		return nil, fmt.Errorf("serve control requests: %w", err)
	}
	anyOne, err := n.nc.QueueSubscribe(nodeAPI(anyNode, controlAPI), "vault-node", handleFor(events.ControlAnyNode))
	if err != nil {
		all.Unsubscribe()
		own.Unsubscribe()
		return nil, fmt.Errorf("serve control requests: %w", err)
	}
	return []*nats.Subscription{all, own, anyOne}, nil
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
	msg, err := nc.RequestWithContext(ctx, nodeAPI(target, controlAPI), req)
	if errors.Is(err, nats.ErrNoResponders) {
		if req, err = events.NewControl(ledgerID, events.ControlAnyNode, method, body, signer); err != nil {
			return err
		}
		msg, err = nc.RequestWithContext(ctx, nodeAPI(anyNode, controlAPI), req)
	}
	if err != nil {
		return fmt.Errorf("%s: ask the node: %w", method, err)
	}
	var reply controlReply
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
func broadcastControl(ctx context.Context, nc *nats.Conn, ledgerID, method string, body any, quiet time.Duration) ([]controlReply, error) {
	signer, err := loadOperatorKey()
	if err != nil {
		return nil, err
	}
	req, err := events.NewControl(ledgerID, events.ControlEveryNode, method, body, signer)
	if err != nil {
		return nil, err
	}
	msgs, err := gather(ctx, nc, controlSubject, req, 5*time.Second, quiet, 10*time.Second) // the first answer may take a while
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	replies := make([]controlReply, len(msgs))
	for i, msg := range msgs {
		if err := json.Unmarshal(msg.Data, &replies[i]); err != nil {
			return nil, fmt.Errorf("%s: bad reply: %w", method, err)
		}
	}
	return replies, nil
}
