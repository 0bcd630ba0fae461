package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

// stateAPI is the node-local API (see nodeAPI) that answers with the
// node's current fold.Snapshot.
const stateAPI = "state"

type stateRequest struct {
	// WaitSeq, when set, delays the answer until the node applied it.
	WaitSeq uint64 `json:"waitSeq,omitempty"`
}

type stateReply struct {
	Snapshot *fold.Snapshot `json:"snapshot,omitempty"`
	// Role is "hub" or "edge"; an edge names the hubs' JetStream domain
	// in Hub, where artifacts are uploaded.
	Role  string `json:"role,omitempty"`
	Hub   string `json:"hub,omitempty"`
	Error string `json:"error,omitempty"`
}

// dialNode connects to a node and reads its current snapshot; the caller
// closes the connection.
func dialNode(ctx context.Context, server string) (*nats.Conn, *fold.Snapshot, error) {
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
func dialFunction(ctx context.Context, server, verb, name string) (*nats.Conn, *fold.Snapshot, *fold.Function, error) {
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

func fetchSnapshot(ctx context.Context, nc *nats.Conn, waitSeq uint64) (*fold.Snapshot, error) {
	reply, err := fetchState(ctx, nc, waitSeq)
	return reply.Snapshot, err
}

// fetchState asks the node behind nc (and no other: see nodeAPI) for its
// state once it applied waitSeq.
func fetchState(ctx context.Context, nc *nats.Conn, waitSeq uint64) (stateReply, error) {
	req, _ := json.Marshal(stateRequest{WaitSeq: waitSeq})
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var reply stateReply
	msg, err := requestNode(ctx, nc, stateAPI, req)
	if err != nil {
		return reply, fmt.Errorf("ask node for state: %w", err)
	}
	data, err := stateData(msg)
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
func signAndAppend(ctx context.Context, nc *nats.Conn, ledgerID string, typ events.Type, subject string, body any, opts ledger.AppendOptions) (appended, *fold.Snapshot, error) {
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
