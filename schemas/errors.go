package schemas

import (
	"errors"
	"fmt"
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
