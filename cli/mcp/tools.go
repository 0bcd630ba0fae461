package mcp

import (
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/vault-runtime/vault/events"
)

// effect is what a tool does to the ledger and the nodes.
type effect int

const (
	// reads changes nothing.
	reads effect = iota
	// changes appends a record or sends a control request that can be
	// undone by another (activate, pause, …).
	changes
	// destroys does what nothing undoes (retire), or aborts work (kill).
	destroys
)

// tool is one row of the table: its definition and how to add it to a
// server.
type tool struct {
	name   string
	def    *sdk.Tool
	effect effect
	// op reports whether the tool has an operation (a nil one is left out).
	op  bool
	add func(s *sdk.Server)
}

// tools is every tool Vault offers, calling ops.
func tools(ops Ops) []tool {
	name := []bound{minLength("name", 1)}
	return []tool{
		// Functions.
		define("deploy", changes, "Deploy a function",
			"Bundle the function (or pin the container image) in dir, upload its artifact and append a signed function.deployed record: a new version, not yet serving (activate it). A container whose config needs approval is refused; with propose the deploy is written as a proposal for the admins to sign ('vault sign', 'vault submit').",
			ops.Deploy, minLength("dir", 1)),
		define("activate", changes, "Activate a version",
			"Make a deployed version serve all requests, or percent of them (a canary) while the active version keeps the rest. Appends a signed function.activated record.",
			ops.Activate, append(name, minimum("version", 1), minimum("percent", 1), maximum("percent", 100))...),
		define("rollback", changes, "Roll a function back",
			"Return a function to the version active before the current one (or to version to). Appends a signed function.rolledback record.",
			ops.Rollback, append(name, minimum("to", 1))...),
		define("pause", changes, "Pause a function",
			"Make a function's routes answer 503 until it is resumed; its versions and split are kept.",
			ops.Pause, name...),
		define("resume", changes, "Resume a function",
			"Resume a paused function with the versions and split it had.",
			ops.Resume, name...),
		define("stop", destroys, "Stop a function",
			"Stop an active or paused function: its containers get SIGTERM, then SIGKILL after its stop_grace, and are removed; its routes answer 503 until it is started. Versions and split are kept.",
			ops.Stop, name...),
		define("start", changes, "Start a stopped function",
			"Start a stopped function again with the versions and split it had: its containers are created and started again.",
			ops.Start, name...),
		define("retire", destroys, "Retire a function for good",
			"Retire a function: its routes are released and no version can serve again. Final; confirm must repeat the name.",
			ops.Retire, append(name, minLength("confirm", 1))...),
		define("kill", destroys, "Abort a function's running invocations",
			"Abort the function's in-flight invocations on every node and send signal (default KILL) to its containers (a signed control request, nothing is written to the ledger); it keeps serving new requests, and a container whose process ends is restarted.",
			ops.Kill, name...),
		define("logs", reads, "Read a function's logs",
			"The function's console output and runtime errors from every node, newest limit lines since since ago.",
			ops.Logs, append(name, minimum("limit", 1), maximum("limit", 1000))...),
		define("inspect", reads, "Inspect a function",
			"A function as the ledger has it: versions, digests, signers, lifecycle history, routes, and what each node serves.",
			ops.Inspect, name...),
		define("ls", reads, "List functions",
			"Every function, its versions, which one serves, and its routes, as the node's snapshot.",
			ops.List),
		define("ps", reads, "List containers",
			"The containers every node runs: function, version, state, pid, uptime, CPU, memory, restarts, address, last exit.",
			ops.Ps),
		define("exec", destroys, "Run a command in a container",
			"Record a container.exec (admins only: who, which node, the command) and run the command in the function's container on the node the server is connected to; returns its output. A non-zero exit is a tool error with the output.",
			ops.Exec, append(name, minItems("command", 1), minimum("version", 0), minimum("timeoutSeconds", 1), maximum("timeoutSeconds", 3600))...),
		define("run", changes, "Deploy and activate an image",
			"Deploy an image the ledger holds as the next version of a container function (restricted security defaults) and activate it.",
			ops.Run, append(name, minLength("image", 1), minimum("port", 1), maximum("port", 65535), minItems("routes", 1))...),

		// Images.
		openWorld(define("image_pull", changes, "Pull an image",
			"Resolve an image in its registry, store the blobs the node lacks and record the pull (the digest, never the tag).",
			ops.ImagePull, minLength("ref", 1))),
		define("image_ls", reads, "List images",
			"The images the ledger holds, by digest, with each pull's repository, tag, sequence and signer.",
			ops.ImageList),
		define("image_inspect", reads, "Inspect an image",
			"An image's pulls, platform, config and layers, read from the node's store.",
			ops.ImageInspect, minLength("ref", 1)),

		// Networks and volumes.
		define("network_create", changes, "Create a network",
			"Declare a named network for containers (network.created; needs the admin role): a bridge on every node, whose containers reach each other.",
			ops.NetworkCreate, minLength("name", 1)),
		define("volume_create", changes, "Create a volume",
			"Declare a named volume containers may mount (volume.created; needs the admin role).",
			ops.VolumeCreate, minLength("name", 1)),

		// Nodes.
		define("nodes", reads, "List nodes",
			"Every node (hubs and edges): applied sequence, lag, state hash, checkpoint and whether it agrees with the hubs.",
			ops.Nodes),
		define("status", reads, "Node status",
			"The node's ID, ledger head, applied sequence, served functions, listeners and uptime.",
			ops.Status),

		// The auditor's view.
		define("ledger_log", reads, "List ledger records",
			"Records in order from from on: sequence, time, type, subject, signer key IDs, event ID.",
			ops.LedgerLog, minimum("from", 1), minimum("limit", 1), maximum("limit", 1000)),
		define("ledger_verify", reads, "Verify the ledger",
			"Check every signature, each signer's authority at its sequence, every checkpoint and the Merkle tree, trusting only the genesis record.",
			ops.LedgerVerify),
		define("ledger_prove", reads, "Prove inclusion or consistency",
			"An RFC 6962 inclusion proof of record seq against the latest signed checkpoint, or a consistency proof between tree sizes old and new.",
			ops.LedgerProve, minimum("seq", 1), minimum("old", 1), minimum("new", 1)),
		define("state_at", reads, "Projected state",
			"What the ledger says is served (functions, versions, routes, keys) now, or after record seq, replayed.",
			ops.StateAt),
		define("keys_ls", reads, "List keys",
			"Every key the ledger names, its roles, who added it and whether it is revoked; now or after record at.",
			ops.KeysList),
		define("explain", reads, "Explain a range of the ledger",
			"Who changed what between records from and to, in words, with the records the node rejected and why.",
			ops.Explain, minimum("from", 1)),

		// Key changes.
		define("keys_add", changes, "Trust a new key",
			"Trust a new key with roles (key.added). Needs a threshold of admin signatures: if this server's key is not enough, a proposal signed by it is written for the other admins ('vault sign', 'vault submit') and the answer says how many signatures are missing.",
			ops.KeysAdd, minLength("public_key", 1), minItems("roles", 1), oneOf("roles", roles...), minimum("threshold", 1)),
		define("keys_rotate", changes, "Rotate a key",
			"Replace a key by a new one that takes over its roles (key.rotated); a proposal when more admin signatures are needed.",
			ops.KeysRotate, minLength("key_id", 1), minLength("new_public_key", 1), minimum("threshold", 1)),
		define("keys_revoke", destroys, "Revoke a key",
			"Stop trusting a key from now on (key.revoked); what it signed before stays valid. A proposal when more admin signatures are needed.",
			ops.KeysRevoke, minLength("key_id", 1), minimum("threshold", 1)),
		define("keys_grant", changes, "Grant a role",
			"Give a trusted key another role (role.granted); a proposal when more admin signatures are needed.",
			ops.KeysGrant, minLength("key_id", 1), oneOf("role", roles...), minimum("threshold", 1)),
		define("keys_revoke_role", changes, "Revoke a role",
			"Take a role away from a key (role.revoked); a proposal when more admin signatures are needed.",
			ops.KeysRevokeRole, minLength("key_id", 1), oneOf("role", roles...), minimum("threshold", 1)),
	}
}

// roles are the roles a key can hold.
var roles = func() []string {
	var names []string
	for _, r := range events.Roles {
		names = append(names, string(r))
	}
	return names
}()

// openWorld marks t as reaching beyond the node (a registry).
func openWorld(t tool) tool {
	open := true
	t.def.Annotations.OpenWorldHint = &open
	return t
}
