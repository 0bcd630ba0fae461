package mcp

import (
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Config is what a server offers.
type Config struct {
	// Ops are the operations behind the tools and resources.
	Ops Ops
	// ReadOnly registers only the tools that change nothing.
	ReadOnly bool
	// Version is the vault binary's version, reported to clients.
	Version string
}

// instructions tell the assistant how Vault's authority works.
const instructions = `Vault is an edge platform whose every change is a signed record in an append-only ledger.
Tools that change something sign with this server's key and are judged by the node's gate like the vault CLI:
a refusal (a missing role, a paused function, a version that does not exist) is returned as a tool error with
the gate's reason; do not retry it unchanged. The ledger_*, state_at, keys_ls and explain tools and the vault://
resources show what happened and who signed it.`

// New returns a server offering cfg's tools and the ledger's resources.
func New(cfg Config) *sdk.Server {
	version := cfg.Version
	if version == "" {
		version = "dev"
	}
	s := sdk.NewServer(&sdk.Implementation{Name: "vault", Title: "Vault", Version: version},
		&sdk.ServerOptions{Instructions: instructions})
	for _, t := range tools(cfg.Ops) {
		if !t.op || cfg.ReadOnly && t.effect != reads {
			continue
		}
		t.add(s)
	}
	addResources(s, cfg.Ops)
	return s
}
