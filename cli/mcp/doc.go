// Package mcp is Vault's Model Context Protocol server: every operation of
// the vault command as a tool an AI assistant can call, with typed and
// strictly validated arguments, plus the ledger as resources.
//
// The package holds no business logic. Each tool calls one of the Ops,
// which package cli implements with the very functions its commands run,
// so that a tool call and the command line do the same thing: a mutating
// tool signs with the key the server was started with and goes through the
// node's admission gate, whose refusal comes back as a tool error
// (IsError) carrying the gate's message. Nothing here can sign for a key
// the server was not given, or skip a threshold: a key change short of the
// admin threshold becomes a proposal file for the other admins.
//
// The tools are a table (tools.go). Adding one (the container tools still
// to come: exec and run) takes an input type
// (inputs.go), an Ops field and a row; a row whose op is nil is not
// registered, so the table can name tools before package cli provides them.
package mcp
