package fold

import (
	"fmt"
	"slices"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/schemas"
)

// validateDeployed checks a new version: its name, digest and routes, and
// that it claims no route another function owns, unless it lists the
// route under Transfer and an admin signed too (admins verifies that).
func validateDeployed(s *State, c *change, admins func(threshold int) ([]string, error)) error {
	d, err := events.DecodeBody[events.Deployed](c.ev)
	if err != nil {
		return err
	}
	switch {
	case !events.ValidFunctionName(d.Name):
		return fmt.Errorf("deploy: function name %q: %w", d.Name, events.ErrInvalidEvent)
	case c.ev.Subject != d.Name:
		return fmt.Errorf("deploy: subject %q differs from name %q: %w", c.ev.Subject, d.Name, events.ErrInvalidEvent)
	case !validDigest(d.Artifact):
		return fmt.Errorf("deploy %s: artifact %q is not a SHA-256: %w", d.Name, d.Artifact, events.ErrInvalidEvent)
	case d.Size <= 0:
		return fmt.Errorf("deploy %s: artifact size %d: %w", d.Name, d.Size, events.ErrInvalidEvent)
	}
	if d.Image != "" {
		if !events.ValidOCIDigest(d.Image) {
			return fmt.Errorf("deploy %s: image %q is not sha256:<64 hex>: %w", d.Name, d.Image, events.ErrInvalidEvent)
		}
		if s.Images[d.Image] == nil {
			return fmt.Errorf("deploy %s: image %s is not in the ledger (vault image pull it first): %w", d.Name, d.Image, events.ErrNotFound)
		}
		if err := judgeContainer(s, d, admins); err != nil {
			return err
		}
	} else if len(d.Runtime) > 0 || d.Network != "" || len(d.Volumes) > 0 || len(d.Networks) > 0 {
		return fmt.Errorf("deploy %s: a runtime config, volumes or networks without an image: %w", d.Name, events.ErrInvalidEvent)
	}
	if f := s.Functions[d.Name]; f != nil && f.State == Retired {
		return fmt.Errorf("deploy %s: the function is retired (since seq %d); choose another name: %w", d.Name, f.StateSeq, events.ErrConflict)
	}
	claims, err := routeShapes(d.Name, d.Routes)
	if err != nil {
		return err
	}
	transfers, err := routeShapes(d.Name, d.Transfer)
	if err != nil {
		return err
	}
	var taken []string // shapes this deploy takes from another function
	for _, t := range transfers {
		if !slices.ContainsFunc(claims, func(c routeClaim) bool { return c.shape == t.shape }) {
			return fmt.Errorf("deploy %s: transfer of %s, a route this version does not serve: %w", d.Name, t.pattern, events.ErrInvalidEvent)
		}
		o, owned := s.Routes[t.shape]
		if !owned || o.Function == d.Name {
			return fmt.Errorf("deploy %s: transfer of %s, which no other function owns: %w", d.Name, t.pattern, events.ErrInvalidEvent)
		}
		taken = append(taken, t.shape)
	}
	for _, c := range claims {
		o, owned := s.Routes[c.shape]
		if owned && o.Function != d.Name && !slices.Contains(taken, c.shape) {
			return fmt.Errorf("deploy %s: route %s belongs to %s (claimed as %s at seq %d); a transfer needs --take-route and an admin signature: %w",
				d.Name, c.pattern, o.Function, o.Route, o.Since, events.ErrConflict)
		}
	}
	signers := c.signers
	if len(taken) > 0 {
		admin, err := admins(1)
		if err != nil {
			return fmt.Errorf("deploy %s: a route transfer needs an admin signature: %w", d.Name, err)
		}
		for _, id := range admin {
			if !slices.Contains(signers, id) {
				signers = append(slices.Clone(signers), id)
			}
		}
	}
	c.apply = func(s *State) {
		f := s.Functions[d.Name]
		if f == nil {
			f = &Function{Name: d.Name, State: Inactive}
			s.Functions[d.Name] = f
		}
		f.Versions = append(f.Versions, Version{
			Number: len(f.Versions) + 1, Artifact: d.Artifact, Size: d.Size, Routes: d.Routes,
			DeployedSeq: c.seq, DeployedBy: signers, EventID: c.id, Transferred: d.Transfer, Image: d.Image,
			Runtime: d.Runtime, Network: d.Network,
			Volumes: d.Volumes, Networks: d.Networks,
		})
		s.touch(d.Name)
		for _, rc := range claims {
			if slices.Contains(taken, rc.shape) {
				// A transfer takes effect when this version is
				// activated (takeRoutes): until then the route's owner
				// keeps serving it, and ls, state and inspect agree.
				continue
			}
			o, owned := s.Routes[rc.shape]
			if owned && o.Function != d.Name {
				s.touch(o.Function)
			}
			if !owned || o.Function != d.Name {
				s.Routes[rc.shape] = RouteOwner{Function: d.Name, Route: rc.pattern, Since: c.seq}
			}
		}
	}
	return nil
}

type routeClaim struct{ shape, pattern string }

// routeShapes parses patterns, in order, with their shapes; two patterns
// of one shape in one list are an error.
func routeShapes(fn string, patterns []string) ([]routeClaim, error) {
	claims := make([]routeClaim, 0, len(patterns))
	for _, p := range patterns {
		r, err := schemas.ParseRoute(p)
		if err != nil {
			return nil, fmt.Errorf("deploy %s: %v: %w", fn, err, events.ErrInvalidEvent)
		}
		for _, c := range claims {
			if c.shape == r.Shape() {
				return nil, fmt.Errorf("deploy %s: routes %s and %s match the same requests: %w", fn, c.pattern, p, events.ErrInvalidEvent)
			}
		}
		claims = append(claims, routeClaim{shape: r.Shape(), pattern: p})
	}
	return claims, nil
}
