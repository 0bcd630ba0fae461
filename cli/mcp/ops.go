package mcp

import "context"

// Output is what a tool returns: the command's own text, or its JSON
// output decoded, for the assistant to read.
type Output struct {
	// Text is what the vault command prints.
	Text string `json:"text,omitempty" jsonschema:"what the vault command prints"`
	// Data is the command's --json output, where it has one.
	Data any `json:"data,omitempty" jsonschema:"the command's JSON output"`
}

// Op is the operation behind one tool.
type Op[In any] func(context.Context, In) (Output, error)

// Ops are the operations behind the tools and resources. A nil op leaves
// its tool out.
type Ops struct {
	// Functions.
	Deploy   Op[DeployInput]
	Activate Op[ActivateInput]
	Rollback Op[RollbackInput]
	Pause    Op[LifecycleInput]
	Resume   Op[LifecycleInput]
	Stop     Op[LifecycleInput]
	Start    Op[LifecycleInput]
	Retire   Op[RetireInput]
	Kill     Op[KillInput]
	Logs     Op[LogsInput]
	Inspect  Op[NameInput]
	List     Op[NoInput]
	Ps       Op[PsInput]
	Exec     Op[ExecInput]
	Run      Op[RunInput]

	// Images.
	ImagePull    Op[ImageInput]
	ImageList    Op[NoInput]
	ImageInspect Op[ImageInput]

	// Networks and volumes.
	NetworkCreate Op[NetworkCreateInput]
	VolumeCreate  Op[VolumeCreateInput]

	// Nodes.
	Nodes  Op[NoInput]
	Status Op[NoInput]

	// The auditor's view.
	LedgerLog    Op[LedgerLogInput]
	LedgerVerify Op[LedgerVerifyInput]
	LedgerProve  Op[LedgerProveInput]
	StateAt      Op[StateAtInput]
	KeysList     Op[KeysListInput]
	Explain      Op[ExplainInput]

	// Key changes: each needs a threshold of admin signatures; short of
	// it, the op writes a proposal for the other admins.
	KeysAdd        Op[KeysAddInput]
	KeysRotate     Op[KeysRotateInput]
	KeysRevoke     Op[KeysRevokeInput]
	KeysGrant      Op[KeysRoleInput]
	KeysRevokeRole Op[KeysRoleInput]

	// Resources: one record as JSON, the functions as JSON, the latest
	// signed checkpoint note.
	Record     func(ctx context.Context, seq uint64) ([]byte, error)
	Functions  func(ctx context.Context) ([]byte, error)
	Checkpoint func(ctx context.Context) ([]byte, error)
}
