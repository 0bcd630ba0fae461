package fold

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/vault-runtime/vault/schemas"
)

// Served is what a node actually serves for a function: one version, or
// a split of two, or a paused function's routes answering 503.
type Served struct {
	Function string `json:"function"`
	// Paused routes answer 503 with Retry-After; no code runs, and
	// containers are frozen.
	Paused bool `json:"paused,omitempty"`
	// Stopped routes answer 503 too, and the function's containers are
	// stopped and removed.
	Stopped bool `json:"stopped,omitempty"`
	// Versions are the active version first, then the canary, if any.
	Versions     []ServedVersion `json:"versions"`
	ActivatedSeq uint64          `json:"activatedSeq"`
	StateSeq     uint64          `json:"stateSeq"`
}

// ServedVersion is one version of a served function and its share.
type ServedVersion struct {
	Version  int    `json:"version"`
	Artifact string `json:"artifact"`
	Percent  int    `json:"percent"`
	// Routes are the version's routes that its function owns.
	Routes []string `json:"routes"`
	// Image, Runtime and Network are a container version's image digest,
	// admitted runtime config and network mode (fold.Version's).
	Image   string          `json:"image,omitempty"`
	Runtime json.RawMessage `json:"runtime,omitempty"`
	Network string          `json:"network,omitempty"`
}

// Weight is the percentage of requests version v takes (0 when paused).
func (s Served) Weight(v int) int {
	for _, sv := range s.Versions {
		if sv.Version == v && !s.Paused && !s.Stopped {
			return sv.Percent
		}
	}
	return 0
}

// Equal reports whether s and o serve the same thing.
func (s Served) Equal(o Served) bool {
	return s.Function == o.Function && s.Paused == o.Paused && s.Stopped == o.Stopped && s.ActivatedSeq == o.ActivatedSeq && s.StateSeq == o.StateSeq &&
		slices.EqualFunc(s.Versions, o.Versions, func(a, b ServedVersion) bool {
			return a.Version == b.Version && a.Artifact == b.Artifact && a.Percent == b.Percent && slices.Equal(a.Routes, b.Routes)
		})
}

// ServedFor is what st says a node should serve for f: nothing for an
// inactive or retired function.
func ServedFor(st *State, f *Function) (Served, bool) {
	if f.State != Active && f.State != Paused && f.State != Stopped {
		return Served{}, false
	}
	s := Served{Function: f.Name, Paused: f.State == Paused, Stopped: f.State == Stopped, ActivatedSeq: f.ActivatedSeq, StateSeq: f.StateSeq}
	for _, share := range f.Traffic() {
		v := f.Versions[share.Version-1]
		sv := ServedVersion{Version: v.Number, Artifact: v.Artifact, Percent: share.Percent, Image: v.Image, Runtime: v.Runtime, Network: v.Network}
		for _, pattern := range v.Routes {
			if r, err := schemas.ParseRoute(pattern); err == nil && st.Routes[r.Shape()].Function == f.Name {
				sv.Routes = append(sv.Routes, pattern)
			}
		}
		s.Versions = append(s.Versions, sv)
	}
	return s, len(s.Versions) > 0
}

// FailKey names a version that failed to warm on this node, as a key of
// Snapshot.Failed.
func FailKey(fn string, version int, activatedSeq uint64) string {
	return fmt.Sprintf("%s@v%d (activated at seq %d)", fn, version, activatedSeq)
}

// Snapshot is a consistent view: the ledger state and what this node
// serves from it. Neither is modified after publication.
type Snapshot struct {
	State  *State            `json:"state"`
	Served map[string]Served `json:"served"`
	// Failed names versions this node could not warm, with the reason;
	// their functions keep serving the previous version.
	Failed map[string]string `json:"failed,omitempty"`
}
