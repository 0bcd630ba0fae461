package projector

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	// Rejected lists records that reached the ledger but failed
	// projection checks; they change nothing else.
	Rejected []Rejection `json:"rejected,omitempty"`
}

// Function is a deployed function and its history.
type Function struct {
	Name string `json:"name"`
	// Versions[i] is version i+1.
	Versions []Version `json:"versions"`
	// Active is the serving version number, 0 for none.
	Active       int    `json:"active"`
	ActivatedSeq uint64 `json:"activatedSeq,omitempty"`
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
}

// Rejection records why a stored record was not applied.
type Rejection struct {
	Seq    uint64 `json:"seq"`
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// NewState is the state of an empty ledger.
func NewState() *State { return &State{Functions: map[string]*Function{}} }

// ActiveVersion returns the serving version of fn, if any.
func (f *Function) ActiveVersion() (Version, bool) {
	if f.Active < 1 || f.Active > len(f.Versions) {
		return Version{}, false
	}
	return f.Versions[f.Active-1], true
}

// Clone is a deep copy, so a published state never changes under readers.
func (s *State) Clone() *State {
	c := *s
	c.Functions = make(map[string]*Function, len(s.Functions))
	for name, f := range s.Functions {
		fc := *f
		fc.Versions = slices.Clone(f.Versions)
		for i := range fc.Versions {
			fc.Versions[i].Routes = slices.Clone(fc.Versions[i].Routes)
			fc.Versions[i].DeployedBy = slices.Clone(fc.Versions[i].DeployedBy)
		}
		c.Functions[name] = &fc
	}
	c.Rejected = slices.Clone(s.Rejected)
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
