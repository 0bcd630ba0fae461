package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/mod/sumdb/tlog"
)

// ProveSubject answers ProofRequests.
const ProveSubject = "vault.api.ledger.prove"

// ProofRequest asks for an inclusion proof of Seq against the latest
// checkpoint, or (Seq zero) a consistency proof between the checkpoints
// of tree sizes Old and New (New zero: the latest).
type ProofRequest struct {
	Seq uint64 `json:"seq,omitempty"`
	Old uint64 `json:"old,omitempty"`
	New uint64 `json:"new,omitempty"`
}

// Proof is a proof and the checkpoints it refers to. Hashes are RFC 6962
// (tlog) hashes; Index is the 0-based leaf index of record Seq.
type Proof struct {
	Checkpoint    string      `json:"checkpoint"`
	OldCheckpoint string      `json:"oldCheckpoint,omitempty"`
	Seq           uint64      `json:"seq,omitempty"`
	Index         uint64      `json:"index,omitempty"`
	LeafHash      *tlog.Hash  `json:"leafHash,omitempty"`
	Hashes        []tlog.Hash `json:"proof"`
	Error         string      `json:"error,omitempty"`
}

// ServeProofs answers proof requests until the subscription is drained.
func ServeProofs(nc *nats.Conn, store *Store, cp *Checkpointer, log *slog.Logger) (*nats.Subscription, error) {
	sub, err := nc.QueueSubscribe(ProveSubject, "vault-prover", func(msg *nats.Msg) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var req ProofRequest
		var p *Proof
		err := json.Unmarshal(msg.Data, &req)
		if err == nil {
			p, err = prove(ctx, store, cp, req)
		}
		if err != nil {
			p = &Proof{Error: err.Error()}
		}
		data, _ := json.Marshal(p)
		if err := msg.Respond(data); err != nil {
			log.Warn("answer proof request", "err", err)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("serve proofs: %w", err)
	}
	return sub, nil
}

func prove(ctx context.Context, store *Store, cp *Checkpointer, req ProofRequest) (*Proof, error) {
	if req.Seq != 0 {
		note, size, err := cp.Now(ctx)
		if err != nil {
			return nil, err
		}
		hashes, err := store.ProveRecord(req.Seq, size)
		if err != nil {
			return nil, err
		}
		rec, err := store.Get(ctx, req.Seq)
		if err != nil {
			return nil, err
		}
		leaf := tlog.RecordHash(rec.Envelope)
		return &Proof{Checkpoint: string(note), Seq: req.Seq, Index: req.Seq - 1, LeafHash: &leaf, Hashes: hashes}, nil
	}
	newNote, newSize, err := cp.Now(ctx)
	if err != nil {
		return nil, err
	}
	if req.New != 0 && req.New != newSize {
		if newNote, err = cp.At(req.New); err != nil {
			return nil, err
		}
		newSize = req.New
	}
	oldNote, err := cp.At(req.Old)
	if err != nil {
		return nil, err
	}
	hashes, err := store.ProveTree(newSize, req.Old)
	if err != nil {
		return nil, err
	}
	return &Proof{Checkpoint: string(newNote), OldCheckpoint: string(oldNote), Hashes: hashes}, nil
}

// RequestProof asks the node behind nc.
func RequestProof(ctx context.Context, nc *nats.Conn, req ProofRequest) (*Proof, error) {
	data, _ := json.Marshal(req)
	msg, err := nc.RequestWithContext(ctx, ProveSubject, data)
	if err != nil {
		return nil, fmt.Errorf("ask node for a proof: %w", err)
	}
	var p Proof
	if err := json.Unmarshal(msg.Data, &p); err != nil {
		return nil, fmt.Errorf("ask node for a proof: bad reply: %w", err)
	}
	if p.Error != "" {
		return nil, errors.New(p.Error)
	}
	return &p, nil
}
