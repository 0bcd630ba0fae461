package isolate

import (
	"errors"
	"fmt"

	"github.com/vault-runtime/vault/schemas"
)

// CheckArtifact runs a function's artifact as activation would (Check),
// with its manifest's vars and limits, so that a version that cannot
// serve is refused before it is uploaded or appended (vault deploy, vault
// dev), not found out when a node activates it. The error says what to
// fix.
func CheckArtifact(m *schemas.Manifest, blob []byte) error {
	a, err := schemas.DecodeArtifact(blob)
	if err != nil {
		return err
	}
	err = Check(Config{Function: m.Name, Code: a.Section(schemas.SectionCode),
		SourceMap: a.Section(schemas.SectionSourceMap), Vars: m.Vars, Limits: m.Limits})
	switch {
	case errors.Is(err, ErrNoHandler):
		return fmt.Errorf("%s has no default export with a fetch method (export default { fetch(request, env, ctx) { ... } })", m.Entry)
	case err != nil:
		return fmt.Errorf("it cannot run: %w", err)
	}
	return nil
}
