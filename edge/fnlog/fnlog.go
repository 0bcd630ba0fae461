// Package fnlog carries functions' console output and runtime errors
// from the isolates that produce them to whoever reads them, on any node.
//
// A node's Sink takes every isolate.LogEntry without ever blocking the
// invocation (a full buffer drops the entry and counts it) and publishes
// it as JSON with core NATS on Subject(function). The LOGS stream keeps
// what arrives for a day, within a size cap; Read replays it from a point
// in time and, if asked, follows it live.
//
// Logs are best effort by design: unlike the ledger, losing a line under
// load is better than slowing a request down.
package fnlog

import (
	"encoding/base64"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/edge/isolate"
	"github.com/vault-runtime/vault/events"
)

const (
	// StreamName is the JetStream stream that keeps function logs.
	StreamName = "LOGS"
	// subjectPrefix + a function's subject token is where its entries go.
	subjectPrefix = "vault.logs."
	// MaxAge and MaxBytes bound what the stream keeps; the oldest
	// entries go first.
	MaxAge   = 24 * time.Hour
	MaxBytes = 256 << 20
	// maxEntrySize bounds one stored entry: a 16 KiB message, JSON
	// escaping and the other fields.
	maxEntrySize = 128 << 10
)

// Entry is one published log line: the isolate's entry and the node that
// ran the invocation.
type Entry struct {
	isolate.LogEntry
	Node string `json:"node"`
}

// Subject is the NATS subject of a function's log entries. A valid
// function name is a legal subject token as it is; anything else (which no
// node ever serves) is base64url-encoded behind a '_', so it can neither
// span tokens nor act as a wildcard, nor collide with a valid name.
func Subject(function string) string {
	if events.ValidFunctionName(function) {
		return subjectPrefix + function
	}
	return subjectPrefix + "_" + base64.RawURLEncoding.EncodeToString([]byte(function))
}

// StreamConfig is the LOGS stream's configuration: file storage (encrypted
// at rest like every stream of the node), a day of history within 256 MiB,
// the oldest entries discarded first, and no fsync per message.
func StreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Vault function logs: console output and runtime errors, best effort",
		Subjects:    []string{subjectPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      MaxAge,
		MaxBytes:    MaxBytes,
		MaxMsgs:     -1,
		MaxMsgSize:  maxEntrySize,
		PersistMode: jetstream.AsyncPersistMode,
	}
}
