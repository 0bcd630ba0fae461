package events

import (
	"fmt"
	"strings"
)

// TypeContainerExec records that an admin runs a command in a function's
// container on one node. It is appended before the command runs: the node
// runs only a command the ledger holds, once, so every exec is a ledger
// fact an auditor reads (who, where, what). Its subject is the function.
const TypeContainerExec Type = "container.exec"

// ContainerExec is what is run, where.
type ContainerExec struct {
	Function string `json:"function"`
	// Version is the version whose container runs the command; 0 is the
	// active one.
	Version int `json:"version,omitempty"`
	// Node is the ID of the node whose container runs it.
	Node    string   `json:"node"`
	Command []string `json:"command"`
}

// Bounds of an exec record's command.
const (
	MaxExecArgs  = 256
	MaxExecBytes = 16 << 10
)

// Check validates the record's fields.
func (x *ContainerExec) Check() error {
	total := 0
	for _, a := range x.Command {
		total += len(a)
		if strings.ContainsRune(a, 0) {
			return fmt.Errorf("exec in %s: an argument holds NUL: %w", x.Function, ErrInvalidEvent)
		}
	}
	switch {
	case !ValidFunctionName(x.Function):
		return fmt.Errorf("exec: function %q: %w", x.Function, ErrInvalidEvent)
	case x.Version < 0:
		return fmt.Errorf("exec in %s: version %d: %w", x.Function, x.Version, ErrInvalidEvent)
	case x.Node == "" || len(x.Node) > 128:
		return fmt.Errorf("exec in %s: no node named: %w", x.Function, ErrInvalidEvent)
	case len(x.Command) == 0 || x.Command[0] == "":
		return fmt.Errorf("exec in %s: no command: %w", x.Function, ErrInvalidEvent)
	case len(x.Command) > MaxExecArgs || total > MaxExecBytes:
		return fmt.Errorf("exec in %s: a command of %d arguments and %d bytes, over %d and %d: %w",
			x.Function, len(x.Command), total, MaxExecArgs, MaxExecBytes, ErrInvalidEvent)
	}
	return nil
}
