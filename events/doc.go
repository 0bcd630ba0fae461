// Package events is Vault's domain root: the kinds of events in the ledger,
// the signed envelope that carries them, key identities and the errors the
// rest of the project shares. It imports no other package of the project.
//
// An event is a JSON payload wrapped in a DSSE-style envelope. The envelope's
// bytes are what the ledger stores and hashes; they are never re-encoded
// before verification, so the event ID (the SHA-256 of the stored envelope)
// is stable for ever and doubles as the NATS message ID for deduplication.
package events
