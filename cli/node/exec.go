package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
)

// MethodExec runs a command a container.exec record holds, in the
// container the record names, on this node.
const MethodExec = "exec"

// ExecRequest asks a node to run the command of the container.exec record
// at Seq, streaming its output and exit code to Inbox (ExecOutput
// messages).
type ExecRequest struct {
	Seq   uint64 `json:"seq"`
	Inbox string `json:"inbox"`
	// TimeoutMillis bounds the command (0: DefaultExecTimeout).
	TimeoutMillis int64 `json:"timeoutMs,omitempty"`
}

// ExecStarted is the node's answer once the command runs.
type ExecStarted struct {
	NodeID    string `json:"nodeId"`
	Container string `json:"container"`
}

// ExecOutput is one message of an exec's stream: output, or (Done) its
// end with the exit code or why it could not run to the end.
type ExecOutput struct {
	Stream string `json:"stream,omitempty"` // stdout or stderr
	Data   []byte `json:"data,omitempty"`
	Done   bool   `json:"done,omitempty"`
	Exit   int    `json:"exit"`
	Error  string `json:"error,omitempty"`
}

// Bounds of an exec.
const (
	DefaultExecTimeout = 10 * time.Minute
	MaxExecTimeout     = time.Hour
	// maxExecAge is how old a record may be when its command is asked
	// for: an exec runs when it is recorded, not replayed later.
	maxExecAge = 5 * time.Minute
)

// execs remembers the exec records this node process ran: each runs once.
type execs struct {
	mu   sync.Mutex
	done map[uint64]bool
}

// exec checks that the record at req.Seq is an admitted container.exec
// for this node, not run before and recent, and runs its command in the
// background, streaming to req.Inbox.
func (n *Node) exec(ctx context.Context, body json.RawMessage) (any, error) {
	var req ExecRequest
	if err := json.Unmarshal(body, &req); err != nil || req.Seq == 0 || req.Inbox == "" {
		return nil, errors.New(`want {"seq": N, "inbox": SUBJECT}`)
	}
	timeout := time.Duration(req.TimeoutMillis) * time.Millisecond
	if timeout <= 0 {
		timeout = DefaultExecTimeout
	}
	if timeout > MaxExecTimeout {
		return nil, fmt.Errorf("timeout %s: at most %s", timeout, MaxExecTimeout)
	}
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := n.proj.WaitApplied(wait, req.Seq); err != nil {
		return nil, fmt.Errorf("record %d: %w", req.Seq, err)
	}
	rec, err := n.store.Get(ctx, req.Seq)
	if err != nil {
		return nil, err
	}
	env, err := events.DecodeEnvelope(rec.Envelope)
	if err != nil {
		return nil, fmt.Errorf("record %d: %w", req.Seq, err)
	}
	ev, err := events.DecodeEvent(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("record %d: %w", req.Seq, err)
	}
	if ev.Type != events.TypeContainerExec {
		return nil, fmt.Errorf("record %d is a %s, not a %s", req.Seq, ev.Type, events.TypeContainerExec)
	}
	x, err := events.DecodeBody[events.ContainerExec](ev)
	if err != nil {
		return nil, err
	}
	snap := n.proj.Current()
	if slices.ContainsFunc(snap.State.Rejected, func(r fold.Rejection) bool { return r.Seq == req.Seq }) {
		return nil, fmt.Errorf("record %d was rejected by the ledger's rules: nothing runs", req.Seq)
	}
	switch {
	case x.Node != n.id:
		return nil, fmt.Errorf("record %d names node %s, not this one (%s)", req.Seq, x.Node, n.id)
	case time.Since(rec.Time) > maxExecAge:
		return nil, fmt.Errorf("record %d was appended %s ago; an exec runs within %s of its record", req.Seq, time.Since(rec.Time).Round(time.Second), maxExecAge)
	}
	v := x.Version
	if f := snap.State.Functions[x.Function]; v == 0 && f != nil {
		v = f.Active
	}
	in, err := n.fns.Container(x.Function, v)
	if err != nil {
		return nil, err
	}
	n.execs.mu.Lock()
	if n.execs.done == nil {
		n.execs.done = map[uint64]bool{}
	}
	ran := n.execs.done[req.Seq]
	n.execs.done[req.Seq] = true
	n.execs.mu.Unlock()
	if ran {
		return nil, fmt.Errorf("record %d ran already; append a new exec record", req.Seq)
	}
	n.cfg.Log.Warn("exec in a container", "fn", x.Function, "version", v, "container", in.ID, "seq", req.Seq, "command", x.Command)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		stdout, stderr := &execStream{nc: n.nc, inbox: req.Inbox, name: "stdout"}, &execStream{nc: n.nc, inbox: req.Inbox, name: "stderr"}
		code, err := in.Exec(ctx, x.Command, stdout, stderr)
		end := ExecOutput{Done: true, Exit: code}
		if err != nil {
			end.Error = err.Error()
		}
		b, _ := json.Marshal(end)
		_ = n.nc.Publish(req.Inbox, b)
		_ = n.nc.Flush()
	}()
	return ExecStarted{NodeID: n.id, Container: in.ID}, nil
}

// execStream publishes what a command writes, in chunks of at most
// maxExecChunk bytes.
type execStream struct {
	nc    *nats.Conn
	inbox string
	name  string
}

const maxExecChunk = 32 << 10

func (s *execStream) Write(p []byte) (int, error) {
	for off := 0; off < len(p); off += maxExecChunk {
		b, _ := json.Marshal(ExecOutput{Stream: s.name, Data: p[off:min(off+maxExecChunk, len(p))]})
		if err := s.nc.Publish(s.inbox, b); err != nil {
			return off, err
		}
	}
	return len(p), nil
}

// Exec asks the node for the command of the container.exec record at seq
// and copies its output to stdout and stderr as it comes; it returns the
// command's exit code.
func (c *Client) Exec(ctx context.Context, seq uint64, timeout time.Duration, stdout, stderr io.Writer) (int, error) {
	inbox := nats.NewInbox()
	msgs := make(chan *nats.Msg, 256)
	sub, err := c.nc.ChanSubscribe(inbox, msgs)
	if err != nil {
		return -1, fmt.Errorf("exec: %w", err)
	}
	defer sub.Unsubscribe()
	var started ExecStarted
	if err := c.Control(ctx, MethodExec, ExecRequest{Seq: seq, Inbox: inbox, TimeoutMillis: timeout.Milliseconds()}, &started); err != nil {
		return -1, err
	}
	for {
		select {
		case <-ctx.Done():
			return -1, fmt.Errorf("exec: %w", ctx.Err())
		case m := <-msgs:
			var out ExecOutput
			if err := json.Unmarshal(m.Data, &out); err != nil {
				return -1, fmt.Errorf("exec: bad output message: %w", err)
			}
			switch {
			case out.Done && out.Error != "":
				return out.Exit, fmt.Errorf("exec on node %s: %s", started.NodeID, out.Error)
			case out.Done:
				return out.Exit, nil
			case out.Stream == "stderr":
				stderr.Write(out.Data)
			default:
				stdout.Write(out.Data)
			}
		}
	}
}
