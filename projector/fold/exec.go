package fold

import (
	"fmt"

	"github.com/vault-runtime/vault/events"
)

// validateContainerExec admits an exec record for a container version
// that exists and is not retired. It changes no state: the record itself
// is the fact, and the node that runs the command checks it is in the
// ledger first.
func validateContainerExec(s *State, c *change) error {
	x, err := events.DecodeBody[events.ContainerExec](c.ev)
	if err != nil {
		return err
	}
	if err := x.Check(); err != nil {
		return err
	}
	f, err := lifecycleTarget(s, c, "exec in", x.Function)
	if err != nil {
		return err
	}
	v := x.Version
	if v == 0 {
		v = f.Active
	}
	switch {
	case v == 0:
		return fmt.Errorf("exec in %s: %s: no active version: %w", x.Function, f.describe(), events.ErrConflict)
	case v > len(f.Versions):
		return fmt.Errorf("exec in %s@v%d: no such version (latest is v%d): %w", x.Function, v, len(f.Versions), events.ErrNotFound)
	case f.Versions[v-1].Image == "":
		return fmt.Errorf("exec in %s@v%d: a JavaScript function, not a container: %w", x.Function, v, events.ErrConflict)
	}
	c.apply = func(*State) {}
	return nil
}
