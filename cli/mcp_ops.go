package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vault-runtime/vault/cli/mcp"
	"github.com/vault-runtime/vault/events"
)

// mcpOps are the MCP server's operations: the commands' own functions,
// talking to server and signing with key, their output captured.
type mcpOps struct {
	server string
	key    func() (*events.Signer, error)
	// proposals is where key changes short of the admin threshold are
	// written for the other admins.
	proposals string
}

// Defaults of the tools whose arguments are optional, as the commands'
// flags have them.
const (
	mcpLogsSince  = 10 * time.Minute
	mcpLogsLimit  = 100
	mcpLedgerRows = 100
	mcpKillGather = 300 * time.Millisecond // and ps's
	mcpNodesQuiet = 500 * time.Millisecond
	mcpNodesWait  = 5 * time.Second
)

// run calls fn with an invocation whose output it returns as the tool's
// text, what went to stderr (notes, progress) after it. A failure's text
// is the error, then what the command printed before it (a node's own
// refusal, for kill).
func (o mcpOps) run(fn func(iv invocation) error) (mcp.Output, error) {
	var out, notes bytes.Buffer
	err := fn(invocation{out: &out, errOut: &notes, server: o.server, key: o.key})
	if err != nil && out.Len() > 0 {
		return mcp.Output{}, fmt.Errorf("%w\n%s", err, strings.TrimSpace(out.String()))
	}
	if err != nil {
		return mcp.Output{}, err
	}
	text := out.String()
	if notes.Len() > 0 {
		text += notes.String()
	}
	return mcp.Output{Text: text}, nil
}

// runJSON calls fn, a command in its --json mode, and returns its output
// decoded as the tool's data: one JSON value, or a list of them when it
// prints one a line.
func (o mcpOps) runJSON(fn func(iv invocation) error) (mcp.Output, error) {
	var out bytes.Buffer
	err := fn(invocation{out: &out, errOut: io.Discard, server: o.server, key: o.key})
	if err != nil {
		return mcp.Output{}, err
	}
	data, err := decodeJSONValues(&out)
	if err != nil {
		return mcp.Output{}, err
	}
	return mcp.Output{Data: data}, nil
}

// decodeJSONValues decodes one JSON value, or a stream of them as a list.
func decodeJSONValues(r io.Reader) (any, error) {
	dec := json.NewDecoder(r)
	var values []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("decode the command's JSON: %w", err)
		}
		values = append(values, v)
	}
	if len(values) == 1 {
		return values[0], nil
	}
	return values, nil
}

// source is a ledgerSource reading the node with the server's key.
func (o mcpOps) source() *ledgerSource {
	return &ledgerSource{server: o.server, key: o.key}
}

// ops wires every tool to its command's function.
func (o mcpOps) ops() mcp.Ops {
	return mcp.Ops{
		Deploy:        o.deploy,
		Activate:      o.activate,
		Rollback:      o.rollback,
		Pause:         o.lifecycle("pause", events.TypePaused),
		Resume:        o.lifecycle("resume", events.TypeResumed),
		Stop:          o.lifecycle("stop", events.TypeStopped),
		Start:         o.lifecycle("start", events.TypeStarted),
		Retire:        o.retire,
		Kill:          o.kill,
		Logs:          o.logs,
		Inspect:       o.inspect,
		List:          o.list,
		Ps:            o.ps,
		Exec:          o.exec,
		Run:           o.runImage,
		ImagePull:     o.imagePull,
		ImageList:     o.imageList,
		ImageInspect:  o.imageInspect,
		Nodes:         o.nodes,
		NetworkCreate: o.networkCreate,
		VolumeCreate:  o.volumeCreate,
		Status:        o.status,
		LedgerLog:     o.ledgerLog,
		LedgerVerify:  o.ledgerVerify,
		LedgerProve:   o.ledgerProve,
		StateAt:       o.stateAt,
		KeysList:      o.keysList,
		Explain:       o.explain,

		KeysAdd:        o.keysAdd,
		KeysRotate:     o.keysRotate,
		KeysRevoke:     o.keysRevoke,
		KeysGrant:      o.keysRole(events.TypeRoleGranted, "grant"),
		KeysRevokeRole: o.keysRole(events.TypeRoleRevoked, "revoke"),

		Record:     o.record,
		Functions:  o.functions,
		Checkpoint: o.checkpoint,
	}
}
