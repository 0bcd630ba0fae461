package projector

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

// RecordIter yields a ledger's records in the order they are stored.
type RecordIter func(yield func(ledger.Record) error) error

// AuditOptions tune Audit.
type AuditOptions struct {
	// Workers verify signatures in parallel (default GOMAXPROCS).
	Workers int
	// Progress, if set, is called now and then with the records checked.
	Progress func(records uint64)
}

// AuditReport summarises a ledger that verified.
type AuditReport struct {
	Ledger      string `json:"ledger"`
	Records     uint64 `json:"records"`
	Checkpoints int    `json:"checkpoints"`
	// LatestCheckpoint is the tree size of the newest checkpoint.
	LatestCheckpoint uint64 `json:"latestCheckpoint"`
	// Signers counts the records each key signed.
	Signers   map[string]uint64 `json:"signers"`
	Root      string            `json:"root"`
	StateHash string            `json:"stateHash"`
	// Keys is the key state after the last record, to judge what was
	// signed outside the ledger (cosignatures by witnesses).
	Keys *events.Keyring `json:"-"`
}

// AuditError names the first problem found.
type AuditError struct {
	Seq    uint64
	ID     string
	Reason string
}

func (e *AuditError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("seq %d: %s", e.Seq, e.Reason)
	}
	return fmt.Sprintf("seq %d (event %s): %s", e.Seq, e.ID, e.Reason)
}

// Audit checks a whole ledger trusting nothing but its genesis: every
// record is in sequence, canonically encoded and signed by a key that
// held the needed role at that position (the projector's own rules, so a
// record the projector would reject fails the audit), and every checkpoint
// is signed by a log key and matches the RFC 6962 root recomputed from the
// records. Matching roots at every checkpoint implies consistency between
// consecutive checkpoints. It stops at the first problem.
func Audit(ctx context.Context, records RecordIter, checkpoints [][]byte, opts AuditOptions) (*AuditReport, error) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	cps, err := sortCheckpoints(checkpoints)
	if err != nil {
		return nil, err
	}
	a := &auditor{st: fold.NewState(), cps: cps, report: &AuditReport{Signers: map[string]uint64{}}, opts: opts, seen: map[[32]byte]uint64{}}

	chunks := make(chan *auditChunk, 2)
	readErr := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(chunks)
		readErr <- a.produce(ctx, records, chunks)
	}()
	for c := range chunks {
		for i := range c.recs {
			if err := a.apply(&c.recs[i], c.check); err != nil {
				cancel()
				for range chunks {
				}
				return nil, err
			}
		}
		if opts.Progress != nil {
			opts.Progress(a.tree.Size())
		}
	}
	if err := <-readErr; err != nil {
		return nil, err
	}
	return a.finish()
}

type checkpointAt struct {
	cp  ledger.Checkpoint
	msg []byte
}

func sortCheckpoints(notes [][]byte) ([]checkpointAt, error) {
	out := make([]checkpointAt, 0, len(notes))
	for i, msg := range notes {
		cp, err := ledger.PeekCheckpoint(msg)
		if err != nil {
			return nil, &AuditError{Reason: fmt.Sprintf("checkpoint %d: %v", i+1, err)}
		}
		out = append(out, checkpointAt{cp, msg})
	}
	slices.SortStableFunc(out, func(a, b checkpointAt) int { return cmp.Compare(a.cp.Size, b.cp.Size) })
	return out, nil
}

type auditor struct {
	st     *fold.State
	tree   ledger.Tree
	cps    []checkpointAt
	next   int // index of the next checkpoint to check
	report *AuditReport
	seen   map[[32]byte]uint64 // event ID → first seq, to reject replays
	opts   AuditOptions
}

// auditChunk is a run of records and their signature verdicts.
type auditChunk struct {
	recs  []ledger.Record
	check fold.SigChecker
}

const auditChunkSize = 1024

// produce reads records into chunks and verifies their signatures, on
// opts.Workers goroutines, while the records before are applied.
func (a *auditor) produce(ctx context.Context, records RecordIter, out chan<- *auditChunk) error {
	prefetch := newSigPrefetch(a.opts.Workers)
	c := &auditChunk{}
	flush := func() error {
		if len(c.recs) == 0 {
			return nil
		}
		c.check = prefetch.verify(c.recs).check
		select {
		case out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		c = &auditChunk{}
		return nil
	}
	err := records(func(r ledger.Record) error {
		c.recs = append(c.recs, r)
		if len(c.recs) == auditChunkSize {
			return flush()
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	return flush()
}

func (a *auditor) apply(r *ledger.Record, verdicts fold.SigChecker) error {
	want := a.st.Seq + 1
	if r.Seq != want {
		reason := fmt.Sprintf("record %d is missing (next stored record is seq %d)", want, r.Seq)
		if r.Seq < want {
			reason = fmt.Sprintf("record seq %d is out of order (expected %d)", r.Seq, want)
		}
		return &AuditError{Seq: want, Reason: reason}
	}
	var signedBy []string
	check := func(id string, env *events.Envelope) events.SigCheck {
		verify := verdicts(id, env)
		return func(i int, k *events.Key) bool {
			ok := verify(i, k)
			if ok {
				signedBy = append(signedBy, k.ID)
			}
			return ok
		}
	}
	var idKey [32]byte // r.ID is the hex SHA-256 of the envelope: no need to hash again
	if _, err := hex.Decode(idKey[:], []byte(r.ID)); err != nil {
		return &AuditError{Seq: r.Seq, ID: r.ID, Reason: "record ID is not a SHA-256"}
	}
	if first, dup := a.seen[idKey]; dup {
		return &AuditError{Seq: r.Seq, ID: r.ID, Reason: fold.RejectReplay(a.st, r.Seq, r.ID, first).Error()}
	}
	a.seen[idKey] = r.Seq
	if err := fold.ApplyWith(a.st, r.Seq, r.ID, r.Envelope, check); err != nil {
		return &AuditError{Seq: r.Seq, ID: r.ID, Reason: err.Error()}
	}
	if r.Seq == 1 {
		// The genesis verifies itself (its keys are its own), not
		// through check: its signers, which the fold just verified,
		// count like any record's.
		if env, err := events.DecodeEnvelope(r.Envelope); err == nil {
			for _, sig := range env.Signatures {
				signedBy = append(signedBy, sig.KeyID)
			}
		}
	}
	for _, id := range slices.Compact(slices.Sorted(slices.Values(signedBy))) {
		a.report.Signers[id]++
	}
	a.tree.Add(r.Envelope)
	return a.checkpointsAt(a.tree.Size())
}

// checkpointsAt checks every checkpoint of exactly size records.
func (a *auditor) checkpointsAt(size uint64) error {
	for a.next < len(a.cps) && a.cps[a.next].cp.Size <= size {
		c := a.cps[a.next]
		a.next++
		if c.cp.Size == 0 {
			return &AuditError{Reason: "a checkpoint of an empty ledger"}
		}
		origin := ledger.Origin(a.st.Ledger)
		verifiers, err := ledger.LogVerifiers(origin, a.st.Keys)
		if err != nil {
			return &AuditError{Seq: c.cp.Size, Reason: err.Error()}
		}
		cp, _, err := ledger.OpenCheckpoint(c.msg, origin, verifiers)
		if err != nil {
			return &AuditError{Seq: c.cp.Size, Reason: fmt.Sprintf("checkpoint at tree size %d: %v (not signed by a key with the log role?)", c.cp.Size, err)}
		}
		if root := a.tree.Root(); cp.Root != root {
			first := a.report.LatestCheckpoint + 1
			return &AuditError{Seq: first, Reason: fmt.Sprintf(
				"records %d..%d do not match the signed checkpoint at tree size %d (root %s, the records give %s): one of them was changed, dropped or reordered",
				first, c.cp.Size, c.cp.Size, base64.StdEncoding.EncodeToString(cp.Root[:]), base64.StdEncoding.EncodeToString(root[:]))}
		}
		a.report.Checkpoints++
		a.report.LatestCheckpoint = c.cp.Size
	}
	return nil
}

func (a *auditor) finish() (*AuditReport, error) {
	n := a.tree.Size()
	if a.next < len(a.cps) {
		c := a.cps[a.next]
		if a.st.Keys != nil {
			origin := ledger.Origin(a.st.Ledger)
			verifiers, err := ledger.LogVerifiers(origin, a.st.Keys)
			if err == nil {
				_, _, err = ledger.OpenCheckpoint(c.msg, origin, verifiers)
			}
			if err != nil {
				return nil, &AuditError{Seq: c.cp.Size, Reason: fmt.Sprintf("checkpoint at tree size %d: %v (not signed by a key with the log role?)", c.cp.Size, err)}
			}
		}
		return nil, &AuditError{Seq: n + 1, Reason: fmt.Sprintf(
			"a checkpoint covers %d records but the ledger has only %d: records %d..%d are missing", c.cp.Size, n, n+1, c.cp.Size)}
	}
	if n == 0 {
		return nil, &AuditError{Seq: 1, Reason: "the ledger is empty (no genesis)"}
	}
	root := a.tree.Root()
	a.report.Ledger = a.st.Ledger
	a.report.Records = n
	a.report.Root = base64.StdEncoding.EncodeToString(root[:])
	a.report.StateHash = a.st.Hash()
	a.report.Keys = a.st.Keys
	return a.report, nil
}
