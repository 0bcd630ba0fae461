package schemas

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrInvalid marks any validation failure in this package.
var ErrInvalid = errors.New("schemas: invalid")

// PosError is a validation problem at a position in a file.
type PosError struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (e *PosError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

func (e *PosError) Unwrap() error { return ErrInvalid }

// PosErrors is every problem found in one file, in file order.
type PosErrors []*PosError

func (es PosErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es PosErrors) Unwrap() error { return ErrInvalid }

// Sort orders es by position, as a reader meets the problems.
func (es PosErrors) Sort() {
	slices.SortStableFunc(es, func(a, b *PosError) int { return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col)) })
}

// YAMLError turns the YAML library's "yaml: line N: msg" into a PosError
// of file (column 1: the library gives none).
func YAMLError(file string, err error) *PosError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		msg = strings.TrimSpace(msg[strings.IndexByte(msg, ':')+1:])
	}
	return &PosError{File: file, Line: line, Col: 1, Msg: msg}
}
