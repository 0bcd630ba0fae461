package projector

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/vault-runtime/vault/events"
)

// The projected state lives in pebble under statePrefix, one value per
// piece, so a batch writes only what it changed:
//
//	projector/meta                 {format, ledger, seq}
//	projector/keys                 the keyring
//	projector/routes               route owners
//	projector/fn/NAME              the function without versions and history
//	projector/fn/NAME/v/N          version N (8-byte big-endian N)
//	projector/fn/NAME/h/I          transition I
//	projector/rejected/SEQ         a rejected record
//
// Versions, transitions and rejections are append-only, so after the
// first save a batch writes only the new ones. Every value is sealed,
// bound to its key. A state that does not open or decode is not repaired:
// it is derived from the ledger, so the projector replays instead.
const (
	statePrefix = "projector/"
	stateFormat = 2
)

var (
	metaKey     = []byte(statePrefix + "meta")
	keysKey     = []byte(statePrefix + "keys")
	routesKey   = []byte(statePrefix + "routes")
	fnPrefix    = statePrefix + "fn/"
	rejPrefix   = statePrefix + "rejected/"
	legacyState = []byte(statePrefix + "state") // format 1: one JSON value
)

type stateMeta struct {
	Format int    `json:"format"`
	Ledger string `json:"ledger"`
	Seq    uint64 `json:"seq"`
}

// saved is how much of the state pebble already holds.
type saved struct {
	keys     *events.Keyring
	versions map[string]int
	history  map[string]int
	rejected int
}

func seqKey(prefix string, n uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefix), n)
}

// saveState writes what changed in st since the last save, in one batch.
func (p *Projector) saveState(st *State) error {
	b := p.cfg.DB.NewBatch()
	defer b.Close()
	put := func(key []byte, v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if p.cfg.Sealer != nil {
			data = p.cfg.Sealer.Seal(data, key)
		}
		return b.Set(key, data, nil)
	}
	var errs []error
	if st.Keys != p.saved.keys {
		errs = append(errs, put(keysKey, st.Keys))
		p.saved.keys = st.Keys
	}
	if len(st.touched) > 0 {
		errs = append(errs, put(routesKey, st.Routes))
	}
	for name := range st.touched {
		f := st.Functions[name]
		head := *f
		head.Versions, head.History = nil, nil
		errs = append(errs, put([]byte(fnPrefix+name), head))
		for i := p.saved.versions[name]; i < len(f.Versions); i++ {
			errs = append(errs, put(seqKey(fnPrefix+name+"/v/", uint64(i)), f.Versions[i]))
		}
		for i := p.saved.history[name]; i < len(f.History); i++ {
			errs = append(errs, put(seqKey(fnPrefix+name+"/h/", uint64(i)), f.History[i]))
		}
	}
	for _, r := range st.Rejected[p.saved.rejected:] {
		errs = append(errs, put(seqKey(rejPrefix, r.Seq), r))
	}
	errs = append(errs, put(metaKey, stateMeta{Format: stateFormat, Ledger: st.Ledger, Seq: st.Seq}))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("save projected state at seq %d: %w", st.Seq, err)
	}
	// No fsync: the state is derived from the ledger; after a power loss
	// the projector replays from whatever seq pebble kept.
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("save projected state at seq %d: %w", st.Seq, err)
	}
	for name := range st.touched {
		p.saved.versions[name] = len(st.Functions[name].Versions)
		p.saved.history[name] = len(st.Functions[name].History)
	}
	p.saved.rejected = len(st.Rejected)
	clear(st.touched)
	return nil
}

// loadState reads the persisted state. A missing, older or unreadable
// one gives a fresh state (and is deleted), to be rebuilt by replay.
func (p *Projector) loadState() (*State, error) {
	p.saved = saved{versions: map[string]int{}, history: map[string]int{}}
	st, err := p.readState()
	if err == nil {
		p.saved.keys = st.Keys
		for name, f := range st.Functions {
			p.saved.versions[name], p.saved.history[name] = len(f.Versions), len(f.History)
		}
		p.saved.rejected = len(st.Rejected)
		return st, nil
	}
	if !errors.Is(err, pebble.ErrNotFound) {
		p.log.Warn("persisted state is unusable; replaying the ledger", "err", err)
	}
	if err := p.cfg.DB.DeleteRange([]byte(statePrefix), []byte(statePrefix[:len(statePrefix)-1]+"0"), pebble.NoSync); err != nil {
		return nil, fmt.Errorf("clear persisted state: %w", err)
	}
	return NewState(), nil
}

// errLegacy marks a state saved by an older layout.
var errLegacy = errors.New("persisted state has an older layout")

func (p *Projector) readState() (*State, error) {
	if _, closer, err := p.cfg.DB.Get(legacyState); err == nil {
		closer.Close()
		return nil, errLegacy
	}
	iter, err := p.cfg.DB.NewIter(&pebble.IterOptions{
		LowerBound: []byte(statePrefix), UpperBound: []byte(statePrefix[:len(statePrefix)-1] + "0"),
	})
	if err != nil {
		return nil, err
	}
	defer iter.Close()
	st := NewState()
	var meta stateMeta
	found := false
	for iter.First(); iter.Valid(); iter.Next() {
		key := iter.Key()
		v, err := iter.ValueAndErr()
		if err != nil {
			return nil, err
		}
		if p.cfg.Sealer != nil {
			if v, err = p.cfg.Sealer.Open(v, key); err != nil {
				return nil, fmt.Errorf("open %s: %w", key, err)
			}
		}
		if err := decodePiece(st, &meta, string(key), v); err != nil {
			return nil, fmt.Errorf("decode %s: %w", key, err)
		}
		found = found || string(key) == string(metaKey)
	}
	if err := iter.Error(); err != nil {
		return nil, err
	}
	switch {
	case !found:
		return nil, pebble.ErrNotFound
	case meta.Format != stateFormat:
		return nil, fmt.Errorf("format %d, want %d: %w", meta.Format, stateFormat, errLegacy)
	}
	st.Ledger, st.Seq = meta.Ledger, meta.Seq
	for name, f := range st.Functions {
		if f.Name != name {
			return nil, fmt.Errorf("function %q has versions or history but no header", name)
		}
		for i, v := range f.Versions {
			if v.Number != i+1 {
				return nil, fmt.Errorf("function %s: version %d stored as %d", name, v.Number, i+1)
			}
		}
	}
	return st, nil
}

// decodePiece folds one stored value into st; pieces come in key order,
// so a function's versions and history follow its header.
func decodePiece(st *State, meta *stateMeta, key string, v []byte) error {
	function := func(name string) *Function {
		if st.Functions[name] == nil {
			st.Functions[name] = &Function{}
		}
		return st.Functions[name]
	}
	switch {
	case key == string(metaKey):
		return json.Unmarshal(v, meta)
	case key == string(keysKey):
		return json.Unmarshal(v, &st.Keys)
	case key == string(routesKey):
		return json.Unmarshal(v, &st.Routes)
	case len(key) > len(rejPrefix) && key[:len(rejPrefix)] == rejPrefix:
		var r Rejection
		err := json.Unmarshal(v, &r)
		st.Rejected = append(st.Rejected, r)
		return err
	case len(key) > len(fnPrefix) && key[:len(fnPrefix)] == fnPrefix:
		rest := key[len(fnPrefix):]
		if len(rest) > 11 && rest[len(rest)-11] == '/' && rest[len(rest)-9] == '/' {
			name, kind := rest[:len(rest)-11], rest[len(rest)-10]
			f := function(name)
			switch kind {
			case 'v':
				var ver Version
				err := json.Unmarshal(v, &ver)
				f.Versions = append(f.Versions, ver)
				return err
			case 'h':
				var t Transition
				err := json.Unmarshal(v, &t)
				f.History = append(f.History, t)
				return err
			}
		}
		f := function(rest)
		versions, history := f.Versions, f.History
		if err := json.Unmarshal(v, f); err != nil {
			return err
		}
		f.Versions, f.History = versions, history
		return nil
	}
	return fmt.Errorf("unknown key")
}
