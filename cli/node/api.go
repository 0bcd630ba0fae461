package node

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/vault-runtime/vault/edge/container"
	"github.com/vault-runtime/vault/edge/rootfs"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

// The wire protocol between the vault command (Client) and a node: its
// subjects, and the requests and replies on them, as JSON. Appends and
// proofs are the ledger's own API (ledger.AppendSubject, ledger.Append,
// ledger.RequestProof), whose refusals cross as a *ledger.AppendError.
//
// A node-local API (NodeAPI) reaches the node a client is connected to
// and no other; the shared subjects reach every node, over leaf links
// too.

// NodeAPI is the subject of a node-local API (state, control, artifact)
// of the node named serverName: the NATS server a client is connected to names the node, so
// a command reaches that node and no other, though subjects propagate to
// every hub and edge.
func NodeAPI(serverName, api string) string {
	return "vault.api.node." + subjectToken(serverName) + "." + api
}

// AnyNode names no server: a node also answers its node-local APIs there
// (one node of a queue group), for a client whose NATS server runs no
// Vault node, e.g. on a NATS cluster the operator runs (--nats).
const AnyNode = "any"

// subjectToken makes s one token of a subject.
func subjectToken(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '*', '>', ' ', '\t':
			return '_'
		}
		return r
	}, s)
}

// Nodes announce what they serve: after every publication on
// AppliedSubject, and on request on NodesSubject, which every node
// answers (scatter-gather), so a client finds all nodes on its NATS; the
// subjects cross leaf-node links, so hubs and edges hear each other.
// NodeHashSubject asks every node for its state hash at one seq.
const (
	NodesSubject    = "vault.api.nodes"
	NodeHashSubject = "vault.api.nodes.hash"
	AppliedSubject  = "vault.nodes.applied"
)

// Node roles: hubs hold the authoritative ledger, edges a mirror of it.
const (
	RoleHub  = "hub"
	RoleEdge = "edge"
)

// ControlSubject carries signed control requests (events.Control) to
// every node (Client.Broadcast); ControlAPI, a node-local API (NodeAPI),
// to the node a client is connected to. The reply is a ControlReply.
const (
	ControlSubject = "vault.api.control"
	ControlAPI     = "control"
)

// The control methods a node offers (the Method of an events.Control).
const (
	MethodStatus      = "status"
	MethodKill        = "kill"
	MethodPs          = "ps"
	MethodServerStop  = "server.stop"
	MethodServerStart = "server.start"
	MethodArtifactPut = "artifact.put"
)

// ControlReply is a control method's result (JSON of its own type), or
// why the node refused.
type ControlReply struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// StateAPI is the node-local API (see NodeAPI) that answers with the
// node's current fold.Snapshot.
const StateAPI = "state"

// StateRequest asks for the node's state.
type StateRequest struct {
	// WaitSeq, when set, delays the answer until the node applied it.
	WaitSeq uint64 `json:"waitSeq,omitempty"`
}

// StateReply is the node's state, or why it has none to give; over 64
// KiB it is gzipped (see StateData).
type StateReply struct {
	Snapshot *fold.Snapshot `json:"snapshot,omitempty"`
	// Role is "hub" or "edge"; an edge names the hubs' JetStream domain
	// in Hub, where artifacts are uploaded.
	Role  string `json:"role,omitempty"`
	Hub   string `json:"hub,omitempty"`
	Error string `json:"error,omitempty"`
}

// Announcement is one node's account of what it applied and serves.
type Announcement struct {
	NodeID string `json:"nodeId"`
	// Role is "hub" or "edge"; empty from nodes older than roles.
	Role    string `json:"role,omitempty"`
	Ledger  string `json:"ledger"`
	Applied uint64 `json:"applied"`
	// Head is the last record the node's stream (hub) or mirror (edge)
	// holds; Applied catches up with it.
	Head uint64 `json:"head,omitempty"`
	// StateHash is fold.State.Hash of the state at Applied.
	StateHash  string                 `json:"stateHash,omitempty"`
	Checkpoint *CheckpointInfo        `json:"checkpoint,omitempty"`
	Served     map[string]fold.Served `json:"served"`
	Failed     map[string]string      `json:"failed,omitempty"`
	// Link is an edge's connection to its hub: "connected" or
	// "disconnected"; empty for hubs.
	Link string `json:"link,omitempty"`
	// SplitViews are alerts of a ledger that shows different histories to
	// different nodes; Diverged are this node's own findings that its
	// state differs from a hub's at the same seq. Both are normally empty.
	SplitViews []string  `json:"splitViews,omitempty"`
	Diverged   []string  `json:"divergence,omitempty"`
	Time       time.Time `json:"time"`
}

// CheckpointInfo is the latest verified checkpoint a node holds.
type CheckpointInfo struct {
	Size uint64 `json:"size"`
	Root string `json:"root"` // standard base64, as in the note
	Note []byte `json:"note"` // the signed note, verbatim
}

// HashRequest asks every node for its state hash at Seq.
type HashRequest struct {
	Seq uint64 `json:"seq"`
}

// HashAnswer is one node's state hash at Seq; Known is false when the
// node does not remember it (never published that seq, or too long ago).
type HashAnswer struct {
	NodeID string `json:"nodeId"`
	Role   string `json:"role,omitempty"`
	Seq    uint64 `json:"seq"`
	Hash   string `json:"hash,omitempty"`
	Known  bool   `json:"known"`
}

// Status is what `vault status` shows.
type Status struct {
	NodeID     string            `json:"nodeId"`
	Ledger     string            `json:"ledger"`
	Head       uint64            `json:"head"`
	Applied    uint64            `json:"applied"`
	Functions  map[string]string `json:"functions"` // what is served, per function
	Failed     map[string]string `json:"failed,omitempty"`
	Listeners  map[string]string `json:"listeners"`
	Started    time.Time         `json:"started"`
	UptimeSecs float64           `json:"uptimeSeconds"`
	// PID is the node's process; Server is "serving", "paused" (vault
	// server stop) or "starting".
	PID    int    `json:"pid"`
	Server string `json:"server"`
	// Lock is the data directory's lock file; LockHeld says this node
	// holds it, else LockError says why not.
	Lock      string `json:"lock"`
	LockHeld  bool   `json:"lockHeld"`
	LockError string `json:"lockError,omitempty"`
	// Role is "hub" or "edge". An edge reports its link to the hub and
	// its ledger mirror's lag.
	Role   string               `json:"role"`
	Link   *LinkState           `json:"link,omitempty"`
	Mirror *ledger.MirrorStatus `json:"mirror,omitempty"`
	// Alerts are divergence and split-view reports: empty normally.
	Alerts []string `json:"alerts,omitempty"`
	// Images says, per image digest the ledger holds, whether this node
	// has unpacked it.
	Images map[string]rootfs.Status `json:"images,omitempty"`
	// ContainerRuntime is "runc", or why this node runs no containers;
	// Containers are the containers it runs.
	ContainerRuntime string             `json:"containerRuntime"`
	RuncVersion      string             `json:"runcVersion,omitempty"`
	Containers       []container.Status `json:"containers,omitempty"`
}

// KillRequest is the body of kill: the function whose in-flight
// invocations to abort.
type KillRequest struct {
	Function string `json:"function"`
	// Signal, if set, is sent to the function's containers (a number).
	Signal int `json:"signal,omitempty"`
}

// KillResult is what kill did on one node.
type KillResult struct {
	NodeID  string `json:"nodeId"`
	Aborted int    `json:"aborted"`
	// Signaled counts the containers the signal was sent to.
	Signaled int `json:"signaled,omitempty"`
}

// PsResult is one node's containers, with what each uses.
type PsResult struct {
	NodeID string `json:"nodeId"`
	// Runtime is "runc", or why the node runs no containers.
	Runtime    string        `json:"runtime"`
	Containers []PsContainer `json:"containers"`
}

// PsContainer is one container and its usage (zero when runc could not
// say: UsageError).
type PsContainer struct {
	container.Status
	container.Usage
	UsageError string `json:"usageError,omitempty"`
}

// ServerRequest is the body of server.stop: how long in-flight requests
// may take to finish.
type ServerRequest struct {
	DrainMillis int64 `json:"drainMs,omitempty"`
}

// ServerResult is what server.stop and server.start did.
type ServerResult struct {
	NodeID string `json:"nodeId"`
	// Changed is false if the server already was as asked.
	Changed bool `json:"changed"`
	// Listeners are the closed (stop) or reopened (start) addresses.
	Listeners map[string]string `json:"listeners"`
	// DrainMillis is how long the in-flight requests took to finish;
	// DrainError says why some did not.
	DrainMillis int64  `json:"drainMs,omitempty"`
	DrainError  string `json:"drainError,omitempty"`
}

// MaxServerDrain keeps a drain within the control request's reply time.
const MaxServerDrain = 25 * time.Second

// LinkState is what status and announcements say about the link.
type LinkState struct {
	Connected bool      `json:"connected"`
	Since     time.Time `json:"since"`
}

// ArtifactAPI is the node-local API that takes an upload's chunks; a
// chunk's headers name the session, the offset of its first byte and, on
// the last chunk, that it is the last.
const (
	ArtifactAPI        = "artifact"
	UploadIDHeader     = "Vault-Upload"
	UploadOffsetHeader = "Vault-Offset"
	UploadFinalHeader  = "Vault-Final"
	// UploadChunk is the most bytes a chunk carries: half of NATS's
	// default max payload (1 MiB), leaving room for headers.
	UploadChunk = 512 << 10
)

// ArtifactPut is the body of an artifact.put control request.
type ArtifactPut struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
	// Image marks a blob of an OCI image (a layer, config or manifest):
	// streamed into the store rather than held, and bounded by the node's
	// limits.max_image_size rather than its artifact size.
	Image bool `json:"image,omitempty"`
}

// ArtifactPutReply says the object is already stored, or names the
// session and the node (its NATS server name) that holds it.
type ArtifactPutReply struct {
	Exists bool   `json:"exists,omitempty"`
	ID     string `json:"id,omitempty"`
	Node   string `json:"node,omitempty"`
}

// ChunkReply answers a chunk: the bytes received so far, whether the
// blob is now stored, or what was wrong.
type ChunkReply struct {
	Received int64  `json:"received"`
	Stored   bool   `json:"stored,omitempty"`
	Error    string `json:"error,omitempty"`
}
