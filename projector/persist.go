package projector

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

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
	var pieces []piece
	for iter.First(); iter.Valid(); iter.Next() {
		v, err := iter.ValueAndErr()
		if err != nil {
			iter.Close()
			return nil, err
		}
		pieces = append(pieces, piece{key: string(iter.Key()), raw: slices.Clone(v)})
	}
	if err := errors.Join(iter.Error(), iter.Close()); err != nil {
		return nil, err
	}
	if err := p.decodePieces(pieces); err != nil {
		return nil, err
	}
	return assemble(pieces)
}

// piece is one stored value of the state, decoded into v.
type piece struct {
	key string
	raw []byte
	v   any
}

// decodePieces opens and decodes the pieces on every CPU: a restart with
// a long history spends its time here.
func (p *Projector) decodePieces(pieces []piece) error {
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(pieces); i += workers {
				pc := &pieces[i]
				data := pc.raw
				if p.cfg.Sealer != nil {
					var err error
					if data, err = p.cfg.Sealer.Open(data, []byte(pc.key)); err != nil {
						errs[w] = fmt.Errorf("open %s: %w", pc.key, err)
						return
					}
				}
				if pc.v = pieceValue(pc.key); pc.v == nil {
					errs[w] = fmt.Errorf("unknown key %s", pc.key)
					return
				}
				if err := json.Unmarshal(data, pc.v); err != nil {
					errs[w] = fmt.Errorf("decode %s: %w", pc.key, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pieceValue is what the value under key decodes into, nil if the key is
// not one of the state's.
func pieceValue(key string) any {
	switch {
	case key == string(metaKey):
		return &stateMeta{}
	case key == string(keysKey):
		return new(*events.Keyring)
	case key == string(routesKey):
		return &map[string]RouteOwner{}
	case strings.HasPrefix(key, rejPrefix):
		return &Rejection{}
	case strings.HasPrefix(key, fnPrefix):
		if _, kind, ok := splitFnKey(key); ok {
			if kind == 'v' {
				return &Version{}
			}
			return &Transition{}
		}
		return &Function{}
	}
	return nil
}

// splitFnKey reads fnPrefix+NAME+"/v/"+N or "/h/"+I; a function header
// (fnPrefix+NAME) gives ok false. Names hold no "/", so this is exact.
func splitFnKey(key string) (name string, kind byte, ok bool) {
	rest := key[len(fnPrefix):]
	if n := len(rest); n > 11 && rest[n-11] == '/' && rest[n-9] == '/' && (rest[n-10] == 'v' || rest[n-10] == 'h') {
		return rest[:n-11], rest[n-10], true
	}
	return rest, 0, false
}

// assemble builds the state from decoded pieces in key order, in which a
// function's header comes before its versions and history.
func assemble(pieces []piece) (*State, error) {
	st := NewState()
	var meta *stateMeta
	for _, pc := range pieces {
		switch v := pc.v.(type) {
		case *stateMeta:
			meta = v
		case **events.Keyring:
			st.Keys = *v
		case *map[string]RouteOwner:
			st.Routes = *v
		case *Rejection:
			st.Rejected = append(st.Rejected, *v)
		case *Function:
			name, _, _ := splitFnKey(pc.key)
			if v.Name != name {
				return nil, fmt.Errorf("function stored under %q is named %q", name, v.Name)
			}
			st.Functions[name] = v
		case *Version, *Transition:
			name, _, _ := splitFnKey(pc.key)
			f := st.Functions[name]
			if f == nil {
				return nil, fmt.Errorf("%s has no function header", pc.key)
			}
			if ver, ok := v.(*Version); ok {
				if ver.Number != len(f.Versions)+1 {
					return nil, fmt.Errorf("function %s: version %d stored as %d", name, ver.Number, len(f.Versions)+1)
				}
				f.Versions = append(f.Versions, *ver)
			} else {
				f.History = append(f.History, *v.(*Transition))
			}
		}
	}
	switch {
	case meta == nil:
		return nil, pebble.ErrNotFound
	case meta.Format != stateFormat:
		return nil, fmt.Errorf("format %d, want %d: %w", meta.Format, stateFormat, errLegacy)
	}
	if st.Routes == nil {
		st.Routes = map[string]RouteOwner{}
	}
	st.Ledger, st.Seq = meta.Ledger, meta.Seq
	return st, nil
}
