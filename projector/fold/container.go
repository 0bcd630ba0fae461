package fold

import (
	"bytes"
	"encoding/json"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/schemas/oci"
)

// maxRuntimeConfig bounds a container's runtime config in a deploy record.
const maxRuntimeConfig = 256 << 10

// judgeContainer runs the gatekeeper on a container deploy's runtime
// config: what the record carries is what every node runs, so judging it
// here judges it at append time, on every node's projection and in an
// offline audit alike. What needs approval is admitted when admins up to
// the ledger's threshold signed the record.
func judgeContainer(s *State, d *events.Deployed, admins func(threshold int) ([]string, error)) error {
	if len(d.Runtime) == 0 {
		return fmt.Errorf("deploy %s: a container's deploy carries its runtime config: %w", d.Name, events.ErrInvalidEvent)
	}
	if len(d.Runtime) > maxRuntimeConfig {
		return fmt.Errorf("deploy %s: a runtime config of %d bytes, over %d: %w", d.Name, len(d.Runtime), maxRuntimeConfig, events.ErrInvalidEvent)
	}
	var spec specs.Spec
	dec := json.NewDecoder(bytes.NewReader(d.Runtime))
	// A field this node does not know could weaken the container in a way
	// the gatekeeper cannot see: refused, like any unknown key.
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return fmt.Errorf("deploy %s: runtime config: %v: %w", d.Name, err, events.ErrInvalidEvent)
	}
	if spec.Version != oci.OCIVersion {
		return fmt.Errorf("deploy %s: runtime config version %q, want %s: %w", d.Name, spec.Version, oci.OCIVersion, events.ErrInvalidEvent)
	}
	if err := checkResources(s, d, &spec); err != nil {
		return err
	}
	p := oci.Abstract(&spec, oci.Network(d.Network))
	approved := false
	if oci.NeedsApproval(p) && s.Keys != nil {
		_, err := admins(max(s.Keys.AdminThreshold, 1))
		approved = err == nil
	}
	if err := oci.Judge(p, approved); err != nil {
		return fmt.Errorf("deploy %s: %w: %w", d.Name, err, events.ErrRefused)
	}
	return nil
}
