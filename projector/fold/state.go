package fold

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/vault-runtime/vault/events"
)

// State is everything the ledger says, as of record Seq.
type State struct {
	// Ledger is the genesis event ID; every later event must name it.
	Ledger    string               `json:"ledger"`
	Seq       uint64               `json:"seq"`
	Keys      *events.Keyring      `json:"keys,omitempty"`
	Functions map[string]*Function `json:"functions"`
	// Routes maps every claimed route shape (schemas.Route.Shape) to the
	// function that owns it. A retired function's routes are released.
	Routes map[string]RouteOwner `json:"routes"`
	// Images are the OCI images pulled into the artifact store, by
	// manifest digest. The map is replaced, never changed, by a fold.
	Images map[string]*Image `json:"images,omitempty"`
	// Networks are the named networks, and Volumes the named volumes,
	// containers may use, by name (events.DefaultNetwork is implicit).
	// The maps are replaced, never changed, by a fold.
	Networks map[string]*Network `json:"networks,omitempty"`
	Volumes  map[string]*Volume  `json:"volumes,omitempty"`
	// Rejected lists records that reached the ledger but failed
	// projection checks; they change nothing else.
	Rejected []Rejection `json:"rejected,omitempty"`

	// touched names the functions changed since the projector last
	// persisted the state; not part of the state itself.
	touched map[string]bool
	// imagesTouched says Images changed since the projector last
	// persisted the state.
	imagesTouched bool
	// netvolTouched says Networks or Volumes changed since then.
	netvolTouched bool
}

// Lifecycle is where a function stands. Only events move it, one legal
// transition at a time:
//
//	inactive --activate--> active --pause--> paused --resume--> active
//	active --activate/rollback--> active
//	inactive, active, paused --retire--> retired (final)
type Lifecycle string

const (
	Inactive Lifecycle = "inactive"
	Active   Lifecycle = "active"
	Paused   Lifecycle = "paused"
	Retired  Lifecycle = "retired"
	// Stopped: the function's containers are stopped and removed, its
	// routes answer 503, until it is started.
	Stopped Lifecycle = "stopped"
)

// Function is a deployed function and its history.
type Function struct {
	Name string `json:"name"`
	// Versions[i] is version i+1.
	Versions []Version `json:"versions"`
	State    Lifecycle `json:"state"`
	// Active is the version that takes the traffic the canary does not,
	// 0 for none. A paused function keeps it, to resume with.
	Active int `json:"active"`
	// Canary, when not 0, takes CanaryPercent of the requests (a split).
	Canary        int `json:"canary,omitempty"`
	CanaryPercent int `json:"canaryPercent,omitempty"`
	// ActivatedSeq is the seq of the last change of Active or Canary.
	ActivatedSeq uint64 `json:"activatedSeq,omitempty"`
	// StateSeq is the seq of the last lifecycle transition.
	StateSeq uint64 `json:"stateSeq,omitempty"`
	// History lists every lifecycle transition, in ledger order.
	History []Transition `json:"history,omitempty"`
}

// Version is one immutable deploy.
type Version struct {
	Number      int      `json:"number"`
	Artifact    string   `json:"artifact"`
	Size        int64    `json:"size"`
	Routes      []string `json:"routes"`
	DeployedSeq uint64   `json:"deployedSeq"`
	DeployedBy  []string `json:"deployedBy"`
	EventID     string   `json:"eventId"`
	// Transferred lists routes this deploy took over from other functions.
	Transferred []string `json:"transferred,omitempty"`
	// Image is the digest of a container version's image.
	Image string `json:"image,omitempty"`
	// Runtime is a container version's OCI runtime config, as the
	// gatekeeper admitted it, and Network its network mode.
	Runtime json.RawMessage `json:"runtime,omitempty"`
	Network string          `json:"network,omitempty"`
	// Volumes and Networks are the named volumes a container version
	// mounts and the networks it joins, as its deploy record names them
	// (events.Deployed).
	Volumes  []string `json:"volumes,omitempty"`
	Networks []string `json:"networks,omitempty"`
}

// Transition is one applied lifecycle event and what it left.
type Transition struct {
	Seq     uint64 `json:"seq"`
	EventID string `json:"eventId"`
	// Action is activate, rollback, pause, resume or retire.
	Action  string   `json:"action"`
	Version int      `json:"version,omitempty"`
	Percent int      `json:"percent,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	By      []string `json:"by"`
	// State, Active, Canary and CanaryPercent are the function's after
	// the transition.
	State         Lifecycle `json:"state"`
	Active        int       `json:"active,omitempty"`
	Canary        int       `json:"canary,omitempty"`
	CanaryPercent int       `json:"canaryPercent,omitempty"`
}

// RouteOwner says which function owns a route and since when.
type RouteOwner struct {
	Function string `json:"function"`
	// Route is the pattern as the owner wrote it.
	Route string `json:"route"`
	Since uint64 `json:"since"`
}

// Rejection records why a stored record was not applied.
type Rejection struct {
	Seq    uint64 `json:"seq"`
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Share is one version's part of a function's traffic.
type Share struct {
	Version int `json:"version"`
	Percent int `json:"percent"`
}

// NewState is the state of an empty ledger.
func NewState() *State {
	return &State{Functions: map[string]*Function{}, Routes: map[string]RouteOwner{}}
}

// ActiveVersion returns the version that takes the traffic the canary
// does not, if the function is active or paused.
func (f *Function) ActiveVersion() (Version, bool) {
	if f.Active < 1 || f.Active > len(f.Versions) {
		return Version{}, false
	}
	return f.Versions[f.Active-1], true
}

// Traffic is how requests are shared between versions: the active
// version first, then the canary if there is one.
func (f *Function) Traffic() []Share {
	switch {
	case f.Active == 0:
		return nil
	case f.Canary == 0:
		return []Share{{Version: f.Active, Percent: 100}}
	}
	return []Share{{Version: f.Active, Percent: 100 - f.CanaryPercent}, {Version: f.Canary, Percent: f.CanaryPercent}}
}

// Summary is the function's state and traffic in words, e.g.
// "active v1 80% / v2 20%" or "retired".
func (f *Function) Summary() string {
	s := string(f.State)
	for i, t := range f.Traffic() {
		sep := " / "
		if i == 0 {
			sep = " "
		}
		s += fmt.Sprintf("%sv%d %d%%", sep, t.Version, t.Percent)
	}
	return s
}

// Weight is the percentage of requests version v takes.
func (f *Function) Weight(v int) int {
	for _, s := range f.Traffic() {
		if s.Version == v {
			return s.Percent
		}
	}
	return 0
}

// RollbackTarget is the version `vault rollback` returns to: during a
// split, the active version (the canary is dropped); otherwise the most
// recent version that was active before the current one.
func (f *Function) RollbackTarget() (int, bool) {
	if f.Canary != 0 {
		return f.Active, true
	}
	for i := len(f.History) - 1; i >= 0; i-- {
		if a := f.History[i].Active; a != 0 && a != f.Active {
			return a, true
		}
	}
	return 0, false
}

// wasActive reports whether version v was ever the active version.
func (f *Function) wasActive(v int) bool {
	for _, h := range f.History {
		if h.Active == v {
			return true
		}
	}
	return false
}

// Owner returns the function that owns route shape, if any.
func (s *State) Owner(shape string) (RouteOwner, bool) {
	o, ok := s.Routes[shape]
	return o, ok
}

// Touched names, sorted, the functions changed since the last
// ClearTouched: what a persisted copy of the state must rewrite.
func (s *State) Touched() []string {
	return slices.Sorted(maps.Keys(s.touched))
}

// ImagesTouched reports whether Images changed since the last
// ClearTouched.
func (s *State) ImagesTouched() bool { return s.imagesTouched }

// NetVolTouched reports whether Networks or Volumes changed since the
// last ClearTouched.
func (s *State) NetVolTouched() bool { return s.netvolTouched }

// ClearTouched forgets which functions, images, networks and volumes
// changed.
func (s *State) ClearTouched() {
	clear(s.touched)
	s.imagesTouched, s.netvolTouched = false, false
}

func (s *State) touch(name string) {
	if s.touched == nil {
		s.touched = map[string]bool{}
	}
	s.touched[name] = true
}

// Clone is a copy that later folds into s never change: Versions,
// History, Rejected and their elements are append-only, so the copy
// shares their backing arrays and sees only the elements it had.
func (s *State) Clone() *State {
	c := *s
	c.touched, c.imagesTouched, c.netvolTouched = nil, false, false
	c.Functions = make(map[string]*Function, len(s.Functions))
	for name, f := range s.Functions {
		fc := *f
		fc.Versions = f.Versions[:len(f.Versions):len(f.Versions)]
		fc.History = f.History[:len(f.History):len(f.History)]
		c.Functions[name] = &fc
	}
	c.Routes = maps.Clone(s.Routes)
	c.Rejected = s.Rejected[:len(s.Rejected):len(s.Rejected)]
	if s.Keys != nil {
		c.Keys = s.Keys.Clone()
	}
	return &c
}

// Hash is a digest of the whole state. Equal states hash equally: JSON
// encoding sorts map keys and every slice is in ledger order.
func (s *State) Hash() string {
	data, err := json.Marshal(s)
	if err != nil {
		panic("projector: state is not encodable: " + err.Error())
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
