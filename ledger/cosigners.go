package ledger

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
)

// CosignReport says which witnesses cosigned one checkpoint.
type CosignReport struct {
	// Size is the tree size of the checkpoint counted.
	Size uint64 `json:"cosignedSize"`
	// Cosigners are the key IDs of witnesses whose cosignature verified,
	// sorted.
	Cosigners []string `json:"cosigners"`
	// Ignored lists cosignatures that did not count, and why.
	Ignored []IgnoredCosignature `json:"ignoredCosignatures,omitempty"`
}

// IgnoredCosignature is a cosignature that did not count.
type IgnoredCosignature struct {
	Witness string `json:"witness,omitempty"`
	Reason  string `json:"reason"`
}

// CountCosigners counts the witnesses that cosigned checkpoint cp among
// msgs: a cosignature counts if its witness holds the witness role in kr,
// its signature verifies and it names exactly cp (origin, size and root).
// Everything else is listed as ignored; a valid cosignature of another
// root at the same size is flagged, since it means a split view.
func CountCosigners(cp Checkpoint, msgs [][]byte, kr *events.Keyring) CosignReport {
	r := CosignReport{Size: cp.Size, Cosigners: []string{}}
	for _, msg := range msgs {
		c, err := OpenCosignature(msg, cp.Origin, kr)
		switch {
		case err != nil:
			r.Ignored = append(r.Ignored, IgnoredCosignature{Witness: c.Witness, Reason: err.Error()})
		case c.Checkpoint.Size != cp.Size:
			r.Ignored = append(r.Ignored, IgnoredCosignature{Witness: c.Witness, Reason: fmt.Sprintf("cosigns tree size %d, not %d", c.Checkpoint.Size, cp.Size)})
		case c.Checkpoint.Root != cp.Root:
			r.Ignored = append(r.Ignored, IgnoredCosignature{Witness: c.Witness, Reason: fmt.Sprintf(
				"SPLIT VIEW: cosigns root %s at tree size %d, but the checkpoint has root %s",
				base64.StdEncoding.EncodeToString(c.Checkpoint.Root[:]), cp.Size, base64.StdEncoding.EncodeToString(cp.Root[:]))})
		default:
			r.Cosigners = append(r.Cosigners, c.Witness)
		}
	}
	slices.Sort(r.Cosigners)
	r.Cosigners = slices.Compact(r.Cosigners)
	return r
}

// ReadCosignatures returns the cosignatures published for the checkpoint
// of size records: the last message on each witness's subject. A node
// without a COSIGNATURES stream has none.
func ReadCosignatures(ctx context.Context, js jetstream.JetStream, size uint64) ([][]byte, error) {
	stream, err := js.Stream(ctx, CosignatureStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cosignatures: %w", err)
	}
	filter := "ledger.cosignatures." + strconv.FormatUint(size, 10) + ".*"
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, fmt.Errorf("read cosignatures of size %d: %w", size, err)
	}
	subjects := make([]string, 0, len(info.State.Subjects))
	for s := range info.State.Subjects {
		subjects = append(subjects, s)
	}
	slices.Sort(subjects)
	var msgs [][]byte
	for _, s := range subjects {
		m, err := stream.GetLastMsgForSubject(ctx, s)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read cosignature %s: %w", s, err)
		}
		msgs = append(msgs, m.Data)
	}
	return msgs, nil
}
