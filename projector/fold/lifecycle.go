package fold

import (
	"fmt"
	"maps"
	"slices"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/schemas"
)

// describe names a function's current state for refusals, e.g.
// "hello is paused (since seq 12, serving v2)".
func (f *Function) describe() string {
	s := fmt.Sprintf("%s is %s", f.Name, f.State)
	if f.StateSeq != 0 {
		s += fmt.Sprintf(" (since seq %d", f.StateSeq)
	} else {
		s += " (never activated"
	}
	switch {
	case f.Canary != 0:
		s += fmt.Sprintf(", v%d %d%% / v%d %d%%", f.Active, 100-f.CanaryPercent, f.Canary, f.CanaryPercent)
	case f.Active != 0 && f.State != Retired:
		s += fmt.Sprintf(", v%d", f.Active)
	}
	return s + ")"
}

// lifecycleTarget finds the function an event names and checks the
// subject; it refuses unknown and retired functions.
func lifecycleTarget(s *State, c *change, verb, name string) (*Function, error) {
	f := s.Functions[name]
	switch {
	case c.ev.Subject != name:
		return nil, fmt.Errorf("%s: subject %q differs from name %q: %w", verb, c.ev.Subject, name, events.ErrInvalidEvent)
	case f == nil:
		return nil, fmt.Errorf("%s %s: no such function: %w", verb, name, events.ErrNotFound)
	case f.State == Retired:
		return nil, fmt.Errorf("%s %s: %s: %w", verb, name, f.describe(), events.ErrConflict)
	}
	return f, nil
}

// version checks that f has version v with the given artifact.
func (f *Function) version(verb string, v int, artifact string) error {
	switch {
	case v < 1 || v > len(f.Versions):
		return fmt.Errorf("%s %s@v%d: no such version (latest is v%d): %w", verb, f.Name, v, len(f.Versions), events.ErrNotFound)
	case f.Versions[v-1].Artifact != artifact:
		return fmt.Errorf("%s %s@v%d: artifact %s is not the deployed %s: %w",
			verb, f.Name, v, artifact, f.Versions[v-1].Artifact, events.ErrDigestMismatch)
	}
	return nil
}

func validateActivated(s *State, c *change) error {
	a, err := events.DecodeBody[events.Activated](c.ev)
	if err != nil {
		return err
	}
	f, err := lifecycleTarget(s, c, "activate", a.Name)
	if err != nil {
		return err
	}
	if err := f.version("activate", a.Version, a.Artifact); err != nil {
		return err
	}
	refuse := func(why string) error {
		return fmt.Errorf("activate %s@v%d: %s: %s: %w", a.Name, a.Version, f.describe(), why, events.ErrConflict)
	}
	split := a.Percent > 0 && a.Percent < 100
	switch {
	case a.Percent < 0 || a.Percent > 100:
		return fmt.Errorf("activate %s@v%d: percent %d is not within 1..100: %w", a.Name, a.Version, a.Percent, events.ErrInvalidEvent)
	case f.State == Paused:
		return refuse("resume it first")
	case f.State == Stopped:
		return refuse("start it first")
	case split && f.State == Inactive:
		return refuse("a split needs an active version to share traffic with")
	case split && a.Version == f.Active:
		return refuse(fmt.Sprintf("v%d already takes the rest of the traffic", a.Version))
	case split && a.Version == f.Canary && a.Percent == f.CanaryPercent:
		return refuse("nothing would change")
	case !split && a.Version == f.Active && f.Canary == 0:
		return refuse("nothing would change")
	}
	c.apply = func(s *State) {
		f := changing(s, a.Name)
		if split {
			f.Canary, f.CanaryPercent = a.Version, a.Percent
		} else {
			f.Active, f.Canary, f.CanaryPercent = a.Version, 0, 0
		}
		f.State, f.ActivatedSeq = Active, c.seq
		takeRoutes(s, f, a.Version, c.seq)
		percent := a.Percent
		if !split {
			percent = 0
		}
		f.transition(c, "activate", a.Version, percent, "")
	}
	return nil
}

func validateRolledBack(s *State, c *change) error {
	r, err := events.DecodeBody[events.RolledBack](c.ev)
	if err != nil {
		return err
	}
	f, err := lifecycleTarget(s, c, "rollback", r.Name)
	if err != nil {
		return err
	}
	if err := f.version("rollback", r.Version, r.Artifact); err != nil {
		return err
	}
	refuse := func(why string) error {
		return fmt.Errorf("rollback %s to v%d: %s: %s: %w", r.Name, r.Version, f.describe(), why, events.ErrConflict)
	}
	switch {
	case f.State != Active:
		return refuse("only an active function rolls back")
	case r.Version == f.Active && f.Canary == 0:
		return refuse("it is the active version")
	case !f.wasActive(r.Version):
		return refuse(fmt.Sprintf("v%d was never active; use activate", r.Version))
	}
	c.apply = func(s *State) {
		f := changing(s, r.Name)
		f.Active, f.Canary, f.CanaryPercent, f.ActivatedSeq = r.Version, 0, 0, c.seq
		f.transition(c, "rollback", r.Version, 0, "")
	}
	return nil
}

// lifecycleMoves are the transitions pause, resume, stop, start and
// retire make: from which states (any but retired when empty) to which.
var lifecycleMoves = map[events.Type]struct {
	verb string
	from []Lifecycle
	to   Lifecycle
	why  string // the refusal when the function is not in from
}{
	events.TypePaused:  {"pause", []Lifecycle{Active}, Paused, "only an active function can be paused"},
	events.TypeResumed: {"resume", []Lifecycle{Paused}, Active, "only a paused function can be resumed"},
	events.TypeStopped: {"stop", []Lifecycle{Active, Paused}, Stopped, "only an active or paused function can be stopped"},
	events.TypeStarted: {"start", []Lifecycle{Stopped}, Active, "only a stopped function can be started"},
	events.TypeRetired: {"retire", nil, Retired, ""},
}

// validateLifecycle judges pause, resume and retire.
func validateLifecycle(s *State, c *change) error {
	l, err := events.DecodeBody[events.Lifecycle](c.ev)
	if err != nil {
		return err
	}
	move := lifecycleMoves[c.ev.Type]
	verb, to := move.verb, move.to
	f, err := lifecycleTarget(s, c, verb, l.Name)
	if err != nil {
		return err
	}
	if move.from != nil && !slices.Contains(move.from, f.State) {
		return fmt.Errorf("%s %s: %s: %s: %w", verb, l.Name, f.describe(), move.why, events.ErrConflict)
	}
	c.apply = func(s *State) {
		f := changing(s, l.Name)
		f.State = to
		if to == Retired {
			f.Active, f.Canary, f.CanaryPercent = 0, 0, 0
			maps.DeleteFunc(s.Routes, func(_ string, o RouteOwner) bool { return o.Function == l.Name })
		}
		f.transition(c, verb, 0, 0, l.Reason)
	}
	return nil
}

// changing returns the function an apply is about to change and marks it
// for the next save.
func changing(s *State, name string) *Function {
	s.touch(name)
	return s.Functions[name]
}

// transition records the event that moved f, with the state it left.
func (f *Function) transition(c *change, action string, version, percent int, reason string) {
	f.StateSeq = c.seq
	f.History = append(f.History, Transition{
		Seq: c.seq, EventID: c.id, Action: action, Version: version, Percent: percent, Reason: reason, By: c.signers,
		State: f.State, Active: f.Active, Canary: f.Canary, CanaryPercent: f.CanaryPercent,
	})
}

// takeRoutes moves to f the routes version v's deploy took over from
// other functions (--take-route, signed by an admin): the transfer takes
// effect when the version is activated, not when it is deployed, so the
// route keeps answering from its owner until then.
func takeRoutes(s *State, f *Function, v int, seq uint64) {
	for _, pattern := range f.Versions[v-1].Transferred {
		r, err := schemas.ParseRoute(pattern)
		if err != nil {
			continue // the deploy parsed it
		}
		o, owned := s.Routes[r.Shape()]
		if owned && o.Function == f.Name {
			continue
		}
		if owned {
			s.touch(o.Function)
		}
		s.Routes[r.Shape()] = RouteOwner{Function: f.Name, Route: pattern, Since: seq}
	}
}
