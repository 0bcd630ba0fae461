package registry

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Errors a caller may branch on; Pull and Push wrap them with the
// reference and what the registry said.
var (
	ErrUnauthorized = errors.New("registry: authentication required")
	ErrDenied       = errors.New("registry: access denied")
	ErrNotFound     = errors.New("registry: not found")
)

// explain turns a registry's refusal into an error that says what was
// refused and, where it helps, what to do.
func explain(op, ref, registry string, err error) error {
	var te *transport.Error
	if !errors.As(err, &te) {
		return fmt.Errorf("%s %s: %w", op, ref, err)
	}
	code := transport.ErrorCode("")
	if len(te.Errors) > 0 {
		code = te.Errors[0].Code
	}
	switch {
	case te.StatusCode == http.StatusUnauthorized || code == transport.UnauthorizedErrorCode:
		return fmt.Errorf("%s %s: %w by %s (run vault registry login %s, or check the password)", op, ref, ErrUnauthorized, registry, registry)
	case te.StatusCode == http.StatusForbidden || code == transport.DeniedErrorCode:
		return fmt.Errorf("%s %s: %w: the account logged in to %s may not do this", op, ref, ErrDenied, registry)
	case code == transport.ManifestUnknownErrorCode:
		return fmt.Errorf("%s %s: %w: manifest unknown (no such tag or digest)", op, ref, ErrNotFound)
	case code == transport.NameUnknownErrorCode:
		return fmt.Errorf("%s %s: %w: no such repository", op, ref, ErrNotFound)
	case te.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%s %s: %w (HTTP 404)", op, ref, ErrNotFound)
	}
	return fmt.Errorf("%s %s: %w", op, ref, err)
}
