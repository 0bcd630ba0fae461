package node

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/events"
)

// The Client's requests to every node: a scatter-gather on a shared
// subject collects the answers of every node that hears it, hubs and,
// over their leaf links, edges.

// Broadcast signs one control request and sends it to every node; it
// collects replies until none came for quiet (at most ten seconds). Each
// node checks the request and its nonce on its own.
func (c *Client) Broadcast(ctx context.Context, method string, body any, quiet time.Duration) ([]ControlReply, error) {
	id, err := c.Ledger(ctx)
	if err != nil {
		return nil, err
	}
	signer, err := c.signer()
	if err != nil {
		return nil, err
	}
	req, err := events.NewControl(id, events.ControlEveryNode, method, body, signer)
	if err != nil {
		return nil, err
	}
	msgs, err := c.gather(ctx, ControlSubject, req, 5*time.Second, quiet, 10*time.Second) // the first answer may take a while
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	replies := make([]ControlReply, len(msgs))
	for i, msg := range msgs {
		if err := json.Unmarshal(msg.Data, &replies[i]); err != nil {
			return nil, fmt.Errorf("%s: bad reply: %w", method, err)
		}
	}
	return replies, nil
}

// KillAnswer is one node's answer to a kill: what it aborted, or why it
// refused.
type KillAnswer struct {
	KillResult
	Error string
}

// Kill asks every node to abort fn's in-flight invocations and gathers
// their answers until none came for quiet.
func (c *Client) Kill(ctx context.Context, fn string, quiet time.Duration) ([]KillAnswer, error) {
	return c.KillWith(ctx, KillRequest{Function: fn}, quiet)
}

// KillWith is Kill with a signal for the function's containers.
func (c *Client) KillWith(ctx context.Context, req KillRequest, quiet time.Duration) ([]KillAnswer, error) {
	replies, err := c.Broadcast(ctx, MethodKill, req, quiet)
	if err != nil {
		return nil, err
	}
	out := make([]KillAnswer, len(replies))
	for i, r := range replies {
		if r.Error != "" {
			out[i].Error = r.Error
			continue
		}
		if err := json.Unmarshal(r.Result, &out[i].KillResult); err != nil {
			return nil, fmt.Errorf("kill: bad reply: %w", err)
		}
	}
	return out, nil
}

// Nodes asks every node for its announcement and collects answers until
// none came for quiet (or max passed), by node ID.
func (c *Client) Nodes(ctx context.Context, quiet, max time.Duration) ([]Announcement, error) {
	msgs, err := c.gather(ctx, NodesSubject, nil, quiet, quiet, max)
	if err != nil {
		return nil, fmt.Errorf("find nodes: %w", err)
	}
	seen := map[string]Announcement{}
	for _, msg := range msgs {
		var a Announcement
		if json.Unmarshal(msg.Data, &a) == nil && a.NodeID != "" {
			seen[a.NodeID] = a
		}
	}
	out := make([]Announcement, 0, len(seen))
	for _, id := range slices.Sorted(maps.Keys(seen)) {
		out = append(out, seen[id])
	}
	return out, nil
}

// Hashes asks every node for its state hash at each of seqs, at once.
func (c *Client) Hashes(ctx context.Context, seqs []uint64, quiet, timeout time.Duration) ([]HashAnswer, error) {
	var (
		mu      sync.Mutex
		answers []HashAnswer
		errs    = make([]error, len(seqs))
		wg      sync.WaitGroup
	)
	for i, seq := range seqs {
		wg.Go(func() {
			req, _ := json.Marshal(HashRequest{Seq: seq})
			msgs, err := c.gather(ctx, NodeHashSubject, req, quiet, quiet, timeout)
			if err != nil {
				errs[i] = fmt.Errorf("ask nodes for their state hash at seq %d: %w", seq, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, msg := range msgs {
				var a HashAnswer
				if json.Unmarshal(msg.Data, &a) == nil && a.NodeID != "" && a.Seq == seq {
					answers = append(answers, a)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return answers, nil
}

// Applied is an announcement and when this process received it.
type Applied struct {
	Announcement
	At time.Time
}

// FollowApplied passes the nodes' announcements of what they applied to
// ch from now on, until the returned stop; a slow reader misses some
// (later ones carry the same news).
func (c *Client) FollowApplied(ch chan<- Applied) (stop func(), err error) {
	sub, err := c.nc.Subscribe(AppliedSubject, func(msg *nats.Msg) {
		a := Applied{At: time.Now()}
		if json.Unmarshal(msg.Data, &a.Announcement) == nil {
			select {
			case ch <- a:
			default:
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if err := c.nc.Flush(); err != nil {
		sub.Unsubscribe()
		return nil, err
	}
	return func() { sub.Unsubscribe() }, nil
}

// gather publishes data on subject with a reply inbox and collects the
// answers of every responder: it waits up to first for the first answer,
// then until none came for quiet, and never longer than max.
func (c *Client) gather(ctx context.Context, subject string, data []byte, first, quiet, max time.Duration) ([]*nats.Msg, error) {
	inbox := c.nc.NewRespInbox()
	ch := make(chan *nats.Msg, 64)
	sub, err := c.nc.ChanSubscribe(inbox, ch)
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	if err := c.nc.PublishRequest(subject, inbox, data); err != nil {
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

// PsAnswer is one node's answer to ps.
type PsAnswer struct {
	PsResult
	Error string `json:"error,omitempty"`
}

// Ps asks every node for its containers.
func (c *Client) Ps(ctx context.Context, quiet time.Duration) ([]PsAnswer, error) {
	replies, err := c.Broadcast(ctx, MethodPs, struct{}{}, quiet)
	if err != nil {
		return nil, err
	}
	out := make([]PsAnswer, len(replies))
	for i, r := range replies {
		if r.Error != "" {
			out[i].Error = r.Error
			continue
		}
		if err := json.Unmarshal(r.Result, &out[i].PsResult); err != nil {
			return nil, fmt.Errorf("ps: bad reply: %w", err)
		}
	}
	return out, nil
}
