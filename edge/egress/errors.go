package egress

import (
	"errors"
	"fmt"
)

// The kinds of failure a fetch reports; test with errors.Is.
var (
	ErrDenied             = errors.New("egress: destination not allowed")
	ErrTooManySubrequests = errors.New("egress: too many subrequests")
	ErrResponseTooLarge   = errors.New("egress: response body too large")
	ErrTimeout            = errors.New("egress: subrequest timed out")
	ErrBadRequest         = errors.New("egress: invalid request")
	// ErrRedirect means a redirect was not followed: the request asked
	// for redirect "error", or the chain passed the limit of 20.
	ErrRedirect = errors.New("egress: redirect not followed")
)

// Error is a fetch that egress refused or cut short. Its message names
// the host, address or limit, so it can be shown to the function as is.
type Error struct {
	Kind error // one of the Err… values above
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Kind }

func fail(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}
