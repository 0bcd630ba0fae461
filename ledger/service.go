package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/vault-runtime/vault/events"
)

// AppendSubject is where a node takes append requests: the request body is
// a signed envelope; the reply is an appendReply.
const AppendSubject = "vault.api.ledger.append"

// expectHeadHeader carries AppendOptions.ExpectHead on a request.
const expectHeadHeader = "Vault-Expect-Head"

// appendReply answers an append: what was appended, or why not. A
// refusal's kind and cause cross by name (see AppendError), with the event
// and the sequence it was judged at; Rejected and Moved are for clients
// older than Kind.
type appendReply struct {
	Appended
	Error    string `json:"error,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Cause    string `json:"cause,omitempty"`
	Seq      uint64 `json:"refusedSeq,omitempty"`
	Rejected bool   `json:"rejected,omitempty"`
	Moved    bool   `json:"headMoved,omitempty"`
}

// maxInFlight bounds the append requests handled at once.
const maxInFlight = 1024

// Service answers append requests until Stop.
type Service struct {
	sub      *nats.Subscription
	inflight sync.WaitGroup
}

// Serve answers append requests on nc. NATS runs a subscription's
// callback one message at a time, so each request is handled in its own
// goroutine: otherwise the sequencer would never see two appends waiting
// together and could not group them.
func Serve(nc *nats.Conn, store *Store, gate Gate, log *slog.Logger) (*Service, error) {
	svc := &Service{}
	slots := make(chan struct{}, maxInFlight)
	sub, err := nc.QueueSubscribe(AppendSubject, "vault-sequencer", func(msg *nats.Msg) {
		slots <- struct{}{}
		svc.inflight.Go(func() {
			defer func() { <-slots }()
			handleAppend(msg, store, gate, log)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("serve appends: %w", err)
	}
	svc.sub = sub
	return svc, nil
}

// Stop takes no new requests and waits for those being handled.
func (s *Service) Stop() {
	s.sub.Unsubscribe()
	s.inflight.Wait()
}

func handleAppend(msg *nats.Msg, store *Store, gate Gate, log *slog.Logger) {
	{
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var opts AppendOptions
		var res Appended
		var err error
		if h := msg.Header.Get(expectHeadHeader); h != "" {
			if opts.ExpectHead, err = strconv.ParseUint(h, 10, 64); err != nil {
				err = fmt.Errorf("bad %s header %q: %w", expectHeadHeader, h, ErrRejected)
			}
		}
		if err == nil {
			res, err = store.Append(ctx, msg.Data, gate, opts)
		}
		reply := appendReply{Appended: res}
		if err != nil {
			reply.Error = err.Error()
			reply.Rejected = errors.Is(err, ErrRejected)
			reply.Moved = errors.Is(err, ErrHeadMoved)
			id := events.ID(msg.Data)
			var refusal *AppendError
			if errors.As(err, &refusal) {
				reply.ID, reply.Seq = refusal.ID, refusal.Seq
				reply.Kind, reply.Cause = kindName(appendKinds, refusal.Kind), kindName(gateCauses, refusal.Cause)
				id = refusal.ID
			} else {
				for _, k := range appendKinds {
					if errors.Is(err, k.err) {
						reply.Kind = k.name
						break
					}
				}
			}
			log.Warn("append refused", "id", id, "seq", reply.Seq, "err", err)
		} else if !res.Duplicate {
			log.Info("appended", "seq", res.Seq, "id", res.ID)
		}
		data, _ := json.Marshal(reply)
		if err := msg.Respond(data); err != nil {
			log.Error("answer append request", "err", err)
		}
	}
}

// Append asks the node behind nc to append a signed envelope.
func Append(ctx context.Context, nc *nats.Conn, envelope []byte, opts AppendOptions) (Appended, error) {
	req := nats.NewMsg(AppendSubject)
	req.Data = envelope
	if opts.ExpectHead != 0 {
		req.Header.Set(expectHeadHeader, strconv.FormatUint(opts.ExpectHead, 10))
	}
	msg, err := nc.RequestMsgWithContext(ctx, req)
	if err != nil {
		return Appended{}, fmt.Errorf("append: ask node: %w", err)
	}
	var reply appendReply
	if err := json.Unmarshal(msg.Data, &reply); err != nil {
		return Appended{}, fmt.Errorf("append: bad reply from node: %w", err)
	}
	if err := refusal(reply); err != nil {
		return Appended{}, err
	}
	return reply.Appended, nil
}

// refusal is the error of a reply, or nil if it appended.
func refusal(reply appendReply) error {
	switch {
	case reply.Kind != "":
		return &AppendError{Kind: kindNamed(appendKinds, reply.Kind), Cause: kindNamed(gateCauses, reply.Cause),
			ID: reply.ID, Seq: reply.Seq, Reason: reply.Error}
	case reply.Rejected: // a node older than Kind
		return fmt.Errorf("%w: %s", ErrRejected, reply.Error)
	case reply.Moved:
		return fmt.Errorf("%w: %s", ErrHeadMoved, reply.Error)
	case reply.Error != "":
		return errors.New(reply.Error)
	}
	return nil
}
