package mcp

// The tools' arguments. A field without omitempty is required; the
// schemas refuse unknown fields and wrong types, and bounds (tools.go)
// refuse out-of-range numbers, before an op runs.

// NoInput is the argument object of a tool that takes none.
type NoInput struct{}

// NameInput names a function.
type NameInput struct {
	Name string `json:"name" jsonschema:"the function's name"`
}

// DeployInput is vault deploy DIR.
type DeployInput struct {
	Dir        string   `json:"dir" jsonschema:"directory holding vault.yaml, on the machine the MCP server runs on"`
	TakeRoutes []string `json:"take_routes,omitempty" jsonschema:"routes to take over from another function (needs an admin key)"`
	SkipCheck  bool     `json:"skip_check,omitempty" jsonschema:"do not run the bundle before uploading it"`
	Propose    bool     `json:"propose,omitempty" jsonschema:"upload the artifact but write the deploy as an unsigned proposal for signatures (a container that needs approval) instead of appending it"`
}

// ActivateInput is vault activate NAME@vVERSION --percent PERCENT.
type ActivateInput struct {
	Name    string `json:"name" jsonschema:"the function's name"`
	Version int    `json:"version" jsonschema:"the version to activate (1, 2, …)"`
	Percent int    `json:"percent,omitempty" jsonschema:"share of requests for this version, 1..100 (default 100: all)"`
}

// RollbackInput is vault rollback NAME --to TO.
type RollbackInput struct {
	Name string `json:"name" jsonschema:"the function's name"`
	To   int    `json:"to,omitempty" jsonschema:"the version to return to (default: the one active before)"`
}

// LifecycleInput is vault pause|resume NAME --reason REASON.
type LifecycleInput struct {
	Name   string `json:"name" jsonschema:"the function's name"`
	Reason string `json:"reason,omitempty" jsonschema:"why, recorded in the ledger"`
}

// RetireInput is vault retire NAME; Confirm must repeat the name, as the
// command asks for it on a terminal.
type RetireInput struct {
	Name    string `json:"name" jsonschema:"the function's name"`
	Confirm string `json:"confirm" jsonschema:"the function's name again: retiring is final"`
	Reason  string `json:"reason,omitempty" jsonschema:"why, recorded in the ledger"`
}

// KillInput is vault kill NAME --signal SIGNAL.
type KillInput struct {
	Name   string `json:"name" jsonschema:"the function's name"`
	Signal string `json:"signal,omitempty" jsonschema:"the signal for its containers: a name such as TERM, or a number (default KILL)"`
}

// ExecInput is vault exec NAME --version V -- COMMAND.
type ExecInput struct {
	Name    string   `json:"name" jsonschema:"the function's name"`
	Version int      `json:"version,omitempty" jsonschema:"the version whose container runs it (default: the active one)"`
	Command []string `json:"command" jsonschema:"the program and its arguments, run as the container's own process runs (no shell unless you name one)"`
	// TimeoutSeconds bounds the command.
	TimeoutSeconds int `json:"timeoutSeconds,omitempty" jsonschema:"stop the command after this many seconds, 1..3600 (default 600)"`
}

// RunInput is vault run --name NAME --route R --port P [--health H] IMAGE.
type RunInput struct {
	Name   string   `json:"name" jsonschema:"the function's name"`
	Image  string   `json:"image" jsonschema:"an image the ledger holds (vault image pull), by tag or digest"`
	Port   int      `json:"port" jsonschema:"the TCP port the container serves HTTP on"`
	Routes []string `json:"routes" jsonschema:"the routes it answers, such as /web/*"`
	Health string   `json:"health,omitempty" jsonschema:"a path that answers 2xx or 3xx once the container is ready"`
}

// PsInput is vault ps -a.
type PsInput struct {
	All bool `json:"all,omitempty" jsonschema:"also list nodes that run no containers, and why"`
}

// LogsInput is vault logs NAME --since SINCE, keeping the newest Limit
// lines.
type LogsInput struct {
	Name  string `json:"name" jsonschema:"the function's name"`
	Since string `json:"since,omitempty" jsonschema:"start this long ago, a Go duration (30s, 2h; default 10m; 0: all the node keeps)"`
	Limit int    `json:"limit,omitempty" jsonschema:"return at most this many of the newest lines, 1..1000 (default 100)"`
}

// ImageInput names an image: REPOSITORY[:TAG], REPOSITORY@DIGEST or a
// digest.
type ImageInput struct {
	Ref string `json:"ref" jsonschema:"the image: REPOSITORY[:TAG], REPOSITORY@DIGEST or sha256:…"`
}

// LedgerLogInput is vault ledger log --from FROM --limit LIMIT.
type LedgerLogInput struct {
	From  uint64 `json:"from,omitempty" jsonschema:"first sequence to list (default 1)"`
	Limit uint64 `json:"limit,omitempty" jsonschema:"list at most this many records, 1..1000 (default 100)"`
}

// LedgerVerifyInput is vault ledger verify --ledger LEDGER.
type LedgerVerifyInput struct {
	Ledger string `json:"ledger,omitempty" jsonschema:"require this ledger ID (the genesis event ID)"`
}

// LedgerProveInput is vault ledger prove SEQ, or --consistency OLD NEW.
type LedgerProveInput struct {
	Seq uint64 `json:"seq,omitempty" jsonschema:"prove the inclusion of this record"`
	Old uint64 `json:"old,omitempty" jsonschema:"with new: prove consistency from this checkpointed tree size"`
	New uint64 `json:"new,omitempty" jsonschema:"with old: prove consistency to this checkpointed tree size"`
}

// StateAtInput is vault state --at SEQ.
type StateAtInput struct {
	Seq uint64 `json:"seq,omitempty" jsonschema:"the state after this record (default: now)"`
}

// KeysListInput is vault keys ls --at AT.
type KeysListInput struct {
	At uint64 `json:"at,omitempty" jsonschema:"the keys after this record (default: now)"`
}

// ExplainInput asks who changed what between two sequences.
type ExplainInput struct {
	From uint64 `json:"from" jsonschema:"first record"`
	To   uint64 `json:"to,omitempty" jsonschema:"last record (default: the head)"`
}

// KeysAddInput is vault keys add PUBLIC-KEY --role ROLES.
type KeysAddInput struct {
	PublicKey string   `json:"public_key" jsonschema:"the new key's ed25519 public key in base64, as 'vault keys id' prints it"`
	Roles     []string `json:"roles" jsonschema:"its roles"`
	Threshold int      `json:"threshold,omitempty" jsonschema:"also set the admin threshold to this from the change on"`
}

// KeysRotateInput is vault keys rotate KEY-ID NEW-PUBLIC-KEY.
type KeysRotateInput struct {
	KeyID        string `json:"key_id" jsonschema:"the key to replace"`
	NewPublicKey string `json:"new_public_key" jsonschema:"the new key's ed25519 public key in base64"`
	Threshold    int    `json:"threshold,omitempty" jsonschema:"also set the admin threshold to this from the change on"`
}

// KeysRevokeInput is vault keys revoke KEY-ID.
type KeysRevokeInput struct {
	KeyID     string `json:"key_id" jsonschema:"the key to stop trusting"`
	Reason    string `json:"reason,omitempty" jsonschema:"why, for the record"`
	Threshold int    `json:"threshold,omitempty" jsonschema:"also set the admin threshold to this from the change on"`
}

// KeysRoleInput is vault keys grant|revoke-role KEY-ID ROLE.
type KeysRoleInput struct {
	KeyID     string `json:"key_id" jsonschema:"the key"`
	Role      string `json:"role" jsonschema:"the role"`
	Threshold int    `json:"threshold,omitempty" jsonschema:"also set the admin threshold to this from the change on"`
}

// NetworkCreateInput is vault network create NAME --subnet SUBNET.
type NetworkCreateInput struct {
	Name   string `json:"name" jsonschema:"the network's name: 1 to 32 of a-z, 0-9 and -"`
	Subnet string `json:"subnet,omitempty" jsonschema:"its private IPv4 prefix, /16 to /28, such as 10.89.3.0/24 (default: each node chooses)"`
}

// VolumeCreateInput is vault volume create NAME.
type VolumeCreateInput struct {
	Name string `json:"name" jsonschema:"the volume's name: 1 to 32 of a-z, 0-9 and -"`
}
