// Package ledger stores Vault's append-only event log and its artifacts.
//
// Records live in the JetStream stream LEDGER (DenyDelete, DenyPurge), one
// message per signed envelope, stored verbatim with the event ID as
// Nats-Msg-Id. A pebble index maps every event ID to its sequence and keeps
// the RFC 6962 Merkle tree over the records (tlog's stored hashes). Signed
// checkpoints (C2SP tlog-checkpoint bodies as notes) go to pebble and to
// the CHECKPOINTS stream. Artifacts are content-addressed blobs in the
// JetStream object store ARTIFACTS, cached in pebble after a checked fetch.
// The ledger decides nothing about what an event means: admission is
// delegated to a Gate supplied by the caller (the projector's).
//
// # Why the invariants hold
//
// Acknowledged means durable. The sequencer answers an append only after
// JetStream acknowledged the message, and the embedded server runs with
// SyncAlways (vault serve --ledger-sync always), which fsyncs the message
// before the acknowledgement. A kill -9 after that point cannot take it.
// Everything else a node writes to pebble (the ID index, Merkle hashes,
// projected state, cached artifacts, checkpoint copies) is derived from the
// streams and written without fsync: Open rebuilds the index from the
// stream before the first append is admitted, so a lost tail of derived
// data is repaired rather than trusted.
//
// No fork. Only one sequencer per node appends, and every message it
// publishes carries the sequence it expects to follow
// (Nats-Expected-Last-Sequence). If anything else moved the stream, the
// publish fails instead of landing out of place; the group and every group
// published after it fail the same way, the pipeline drains, the sequencer
// re-reads the stream's head (indexing what it did not write) and retries.
// An acknowledgement is matched to its request only if the stream stored it
// exactly at the sequence the group expected.
//
// Deduplication is permanent. Before admitting an envelope the sequencer
// looks its ID up in the pebble index, which covers every record ever
// stored (it is caught up from the stream before appends start), so the
// same envelope appended a year later gets its first sequence back;
// JetStream's own duplicate window is only a second line of defence.
// Envelopes are accepted only in their canonical encoding, so one signed
// event has exactly one ID: re-spelling the JSON or the base64 cannot make
// an old event look new.
//
// Tampering is evident. The Merkle root over records 1..n is recomputed
// from the records by anyone holding them and must equal the root in every
// checkpoint signed by a key with the log role. A changed, dropped or
// reordered record changes the root of every checkpoint from its position
// on. The node signs a checkpoint right after each group commit (at most one
// per minCheckpointGap), so a record appended on its own is pinned by its
// own checkpoint. JetStream drops a message whose checksum fails only when
// it is read; Scrub reads the whole stream after start and refuses further
// appends if a record is missing or is not the one indexed at its sequence.
package ledger
