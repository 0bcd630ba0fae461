package node

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector"
)

// controlWindow is how far a request's timestamp may be from the node's
// clock.
const controlWindow = 30 * time.Second

// controlHandler answers one method; it receives the request's body.
type controlHandler func(ctx context.Context, body json.RawMessage) (any, error)

// serveControl checks every request (signature, role in the projected
// keyring, target node, timestamp, nonce) before it runs a handler, and
// logs each decision with the signer. A request names the node it is for,
// and is taken only on that node's subject (or, naming every node or any
// one, on the shared subjects): one captured on its way to an edge cannot
// be replayed to the hub. Nonces are kept in pebble, so a request cannot
// be replayed after a restart either.
func (n *Node) serveControl(proj *projector.Projector, handlers map[string]controlHandler, log *slog.Logger) ([]*nats.Subscription, error) {
	nonces := pebbleNonces{n.db}
	if err := nonces.prune(time.Now()); err != nil {
		log.Warn("prune control nonces", "err", err)
	}
	guard := events.NewControlGuard(controlWindow)
	guard.Store = nonces
	handleFor := func(target string) nats.MsgHandler {
		return func(msg *nats.Msg) {
			var reply ControlReply
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
	all, err := n.nc.Subscribe(ControlSubject, handleFor(events.ControlEveryNode))
	if err != nil {
		return nil, fmt.Errorf("serve control requests: %w", err)
	}
	own, err := n.nc.Subscribe(NodeAPI(n.serverName, ControlAPI), handleFor(n.serverName))
	if err != nil {
		all.Unsubscribe()
		return nil, fmt.Errorf("serve control requests: %w", err)
	}
	anyOne, err := n.nc.QueueSubscribe(NodeAPI(AnyNode, ControlAPI), "vault-node", handleFor(events.ControlAnyNode))
	if err != nil {
		all.Unsubscribe()
		own.Unsubscribe()
		return nil, fmt.Errorf("serve control requests: %w", err)
	}
	return []*nats.Subscription{all, own, anyOne}, nil
}
