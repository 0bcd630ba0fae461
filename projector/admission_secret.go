package projector

import (
	"context"
	"fmt"
	"slices"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/schemas"
)

// checkSecretClash refuses, at append, a secret named like a var of the
// function's vault.yaml, and a deploy whose vault.yaml has a var named
// like one of the function's secrets: a function reads one env.KEY, and
// neither should silently win. It reads the manifests of the versions a
// secret put could reach at once (active, canary, latest); a record that
// came around this gate meets the same rule when a node compiles the
// version (edge.ErrSecretClash), which is the rule that holds.
func (a *Admission) checkSecretClash(ctx context.Context, st *fold.State, ev *events.Event) error {
	switch ev.Type {
	case events.TypeSecretPut:
		p, err := events.DecodeBody[events.SecretPut](ev)
		if err != nil {
			return err
		}
		f := st.Functions[p.Function]
		if f == nil {
			return nil // the fold refuses it
		}
		for _, v := range clashCandidates(f) {
			vars, err := a.manifestVars(ctx, f.Versions[v-1].Artifact)
			if err != nil {
				return fmt.Errorf("put secret %s of %s: read v%d's manifest: %w", p.Key, p.Function, v, err)
			}
			if _, ok := vars[p.Key]; ok {
				return fmt.Errorf("put secret %s of %s: v%d's vault.yaml has a var %s, and a function reads one env.%s; "+
					"rename the secret, or deploy without the var first: %w", p.Key, p.Function, v, p.Key, p.Key, events.ErrConflict)
			}
		}
	case events.TypeDeployed:
		d, err := events.DecodeBody[events.Deployed](ev)
		if err != nil {
			return err
		}
		f := st.Functions[d.Name]
		if f == nil || len(f.Secrets) == 0 {
			return nil
		}
		vars, err := a.manifestVars(ctx, d.Artifact)
		if err != nil {
			return fmt.Errorf("deploy %s: read the manifest: %w", d.Name, err)
		}
		for _, key := range f.SecretKeys() {
			if _, ok := vars[key]; ok {
				return fmt.Errorf("deploy %s: vault.yaml has a var %s, and %s has a secret %s (set at seq %d); "+
					"rename the var, or vault secret rm %s %s first: %w", d.Name, key, d.Name, key, f.Secrets[key].Seq, d.Name, key, events.ErrConflict)
			}
		}
	}
	return nil
}

// clashCandidates are the versions of f a secret change reaches without
// another activation: the active one, the canary and the latest deploy.
func clashCandidates(f *fold.Function) []int {
	var vs []int
	for _, v := range []int{f.Active, f.Canary, len(f.Versions)} {
		if v >= 1 && v <= len(f.Versions) && !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	return vs
}

// manifestVars reads the vars of the manifest in an artifact.
func (a *Admission) manifestVars(ctx context.Context, digest string) (map[string]string, error) {
	blob, err := a.p.cfg.Artifacts.Get(ctx, digest)
	if err != nil {
		return nil, err
	}
	art, err := schemas.DecodeArtifact(blob)
	if err != nil {
		return nil, err
	}
	m, err := art.Manifest()
	if err != nil {
		return nil, err
	}
	return m.Vars, nil
}
