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
	"github.com/vault-runtime/vault/projector/fold"
)

// The projected state lives in pebble under statePrefix, one value per
// piece, so a batch writes only what it changed:
//
//	projector/meta                 {format, ledger, seq}
//	projector/keys                 the keyring
//	projector/routes               route owners
//	projector/images               the images pulled, by digest
//	projector/networks             the named networks, by name
//	projector/volumes              the named volumes, by name
//	projector/fn/F                 the function without versions and history
//	projector/fn/F/v/N             version N
//	projector/fn/F/h/I             transition I
//	projector/rejected/SEQ         a rejected record
//
// F, N, I and SEQ are 8-byte big-endian numbers; F numbers functions in
// the order this node first saved them, so no function name appears in a
// key (values are sealed; keys are not).
// Versions, transitions and rejections are append-only, so after the
// first save a batch writes only the new ones. Every value is sealed,
// bound to its key. A state that does not open or decode is not repaired:
// it is derived from the ledger, so the projector replays instead.
const (
	statePrefix = "projector/"
	// Format 6: functions carry secrets; a state saved by an older
	// node (which rejected secret events) is replayed.
	stateFormat = 7
)

var (
	metaKey     = []byte(statePrefix + "meta")
	keysKey     = []byte(statePrefix + "keys")
	routesKey   = []byte(statePrefix + "routes")
	imagesKey   = []byte(statePrefix + "images")
	networksKey = []byte(statePrefix + "networks")
	volumesKey  = []byte(statePrefix + "volumes")
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
	ords     map[string]uint64 // function name -> F
	versions map[string]int
	history  map[string]int
	rejected int
}

// fnKey is the key of function ord's header, or with kind 'v' or 'h' of
// its version or transition i.
func fnKey(ord uint64, kind byte, i int) []byte {
	k := binary.BigEndian.AppendUint64([]byte(fnPrefix), ord)
	if kind == 0 {
		return k
	}
	return binary.BigEndian.AppendUint64(append(k, '/', kind, '/'), uint64(i))
}

func seqKey(prefix string, n uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefix), n)
}

// saveState writes what changed in st since the last save, in one batch.
func (p *Projector) saveState(st *fold.State) error {
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
	if st.ImagesTouched() {
		errs = append(errs, put(imagesKey, st.Images))
	}
	if st.NetVolTouched() {
		errs = append(errs, put(networksKey, st.Networks), put(volumesKey, st.Volumes))
	}
	touched := st.Touched()
	if len(touched) > 0 {
		errs = append(errs, put(routesKey, st.Routes))
	}
	for _, name := range touched {
		f := st.Functions[name]
		ord, ok := p.saved.ords[name]
		if !ok {
			ord = uint64(len(p.saved.ords))
			p.saved.ords[name] = ord
		}
		head := *f
		head.Versions, head.History = nil, nil
		errs = append(errs, put(fnKey(ord, 0, 0), head))
		for i := p.saved.versions[name]; i < len(f.Versions); i++ {
			errs = append(errs, put(fnKey(ord, 'v', i), f.Versions[i]))
		}
		for i := p.saved.history[name]; i < len(f.History); i++ {
			errs = append(errs, put(fnKey(ord, 'h', i), f.History[i]))
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
	for _, name := range touched {
		p.saved.versions[name] = len(st.Functions[name].Versions)
		p.saved.history[name] = len(st.Functions[name].History)
	}
	p.saved.rejected = len(st.Rejected)
	st.ClearTouched()
	return nil
}

// loadState reads the persisted state. A missing, older or unreadable
// one gives a fresh state (and is deleted), to be rebuilt by replay.
func (p *Projector) loadState() (*fold.State, error) {
	p.saved = saved{ords: map[string]uint64{}, versions: map[string]int{}, history: map[string]int{}}
	st, ords, err := p.readState()
	if err == nil {
		p.saved.ords = ords
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
	return fold.NewState(), nil
}

// errLegacy marks a state saved by an older layout.
var errLegacy = errors.New("persisted state has an older layout")

func (p *Projector) readState() (*fold.State, map[string]uint64, error) {
	if _, closer, err := p.cfg.DB.Get(legacyState); err == nil {
		closer.Close()
		return nil, nil, errLegacy
	}
	iter, err := p.cfg.DB.NewIter(&pebble.IterOptions{
		LowerBound: []byte(statePrefix), UpperBound: []byte(statePrefix[:len(statePrefix)-1] + "0"),
	})
	if err != nil {
		return nil, nil, err
	}
	var pieces []piece
	for iter.First(); iter.Valid(); iter.Next() {
		v, err := iter.ValueAndErr()
		if err != nil {
			iter.Close()
			return nil, nil, err
		}
		pieces = append(pieces, piece{key: string(iter.Key()), raw: slices.Clone(v)})
	}
	if err := errors.Join(iter.Error(), iter.Close()); err != nil {
		return nil, nil, err
	}
	if err := p.decodePieces(pieces); err != nil {
		return nil, nil, err
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
		return &map[string]fold.RouteOwner{}
	case key == string(imagesKey):
		return &map[string]*fold.Image{}
	case key == string(networksKey):
		return &map[string]*fold.Network{}
	case key == string(volumesKey):
		return &map[string]*fold.Volume{}
	case strings.HasPrefix(key, rejPrefix):
		return &fold.Rejection{}
	case strings.HasPrefix(key, fnPrefix):
		switch _, kind, ok := splitFnKey(key); {
		case !ok:
			return nil
		case kind == 'v':
			return &fold.Version{}
		case kind == 'h':
			return &fold.Transition{}
		}
		return &fold.Function{}
	}
	return nil
}

// splitFnKey reads fnPrefix+F, a function header (kind 0), or
// fnPrefix+F+"/v/"+N or "/h/"+I.
func splitFnKey(key string) (ord string, kind byte, ok bool) {
	rest := key[len(fnPrefix):]
	switch {
	case len(rest) == 8:
		return rest, 0, true
	case len(rest) == 19 && rest[8] == '/' && rest[10] == '/' && (rest[9] == 'v' || rest[9] == 'h'):
		return rest[:8], rest[9], true
	}
	return "", 0, false
}

// assemble builds the state from decoded pieces in key order, in which a
// function's header comes before its versions and history.
func assemble(pieces []piece) (*fold.State, map[string]uint64, error) {
	st := fold.NewState()
	var meta *stateMeta
	byOrd := map[string]*fold.Function{}
	ords := map[string]uint64{}
	for _, pc := range pieces {
		switch v := pc.v.(type) {
		case *stateMeta:
			meta = v
		case **events.Keyring:
			st.Keys = *v
		case *map[string]fold.RouteOwner:
			st.Routes = *v
		case *map[string]*fold.Image:
			st.Images = *v
		case *map[string]*fold.Network:
			st.Networks = *v
		case *map[string]*fold.Volume:
			st.Volumes = *v
		case *fold.Rejection:
			st.Rejected = append(st.Rejected, *v)
		case *fold.Function:
			ord, _, _ := splitFnKey(pc.key)
			if _, dup := st.Functions[v.Name]; dup || v.Name == "" {
				return nil, nil, fmt.Errorf("function %q stored twice or without a name", v.Name)
			}
			st.Functions[v.Name], byOrd[ord] = v, v
			ords[v.Name] = binary.BigEndian.Uint64([]byte(ord))
		case *fold.Version, *fold.Transition:
			ord, _, _ := splitFnKey(pc.key)
			f := byOrd[ord]
			if f == nil {
				return nil, nil, fmt.Errorf("%x has no function header", pc.key)
			}
			if ver, ok := v.(*fold.Version); ok {
				if ver.Number != len(f.Versions)+1 {
					return nil, nil, fmt.Errorf("function %s: version %d stored as %d", f.Name, ver.Number, len(f.Versions)+1)
				}
				f.Versions = append(f.Versions, *ver)
			} else {
				f.History = append(f.History, *v.(*fold.Transition))
			}
		}
	}
	switch {
	case meta == nil:
		return nil, nil, pebble.ErrNotFound
	case meta.Format != stateFormat:
		return nil, nil, fmt.Errorf("format %d, want %d: %w", meta.Format, stateFormat, errLegacy)
	}
	if st.Routes == nil {
		st.Routes = map[string]fold.RouteOwner{}
	}
	st.Ledger, st.Seq = meta.Ledger, meta.Seq
	return st, ords, nil
}
