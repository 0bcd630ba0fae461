// Package ledger stores Vault's append-only event log and its artifacts.
//
// Records live in the JetStream stream LEDGER (DenyDelete, DenyPurge), one
// message per signed envelope, stored verbatim with the event ID as
// Nats-Msg-Id. A pebble index maps every event ID to its sequence, so an
// envelope appended twice gets its first sequence back however long ago it
// was appended (JetStream's own duplicate window is only minutes). Appends
// go through one sequencer per node, which publishes with the expected last
// sequence, so concurrent appenders can never fork the log.
//
// Artifacts are content-addressed blobs in the JetStream object store
// ARTIFACTS, named by their SHA-256 and cached in pebble after a checked
// fetch. The ledger decides nothing about what an event means: admission
// is delegated to a Gate supplied by the caller.
package ledger
