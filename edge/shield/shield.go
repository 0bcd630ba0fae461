package shield

import (
	"crypto/rand"
	"encoding/binary"
	"math"
	"net/netip"
	"time"

	"github.com/vault-runtime/vault/edge/route"
)

// Shield decides whether a client may make a request now. It is safe for
// concurrent use; Allow never blocks beyond one shard's short critical
// section.
type Shield struct {
	rules    []Rule
	routes   *route.Table[int] // of rule indexes
	def      cell              // Config.Default
	cells    []cell            // per rule
	maskHi   uint64            // of an IPv6 address's first and last 8 bytes
	maskLo   uint64
	seed     uint64
	shardBit uint // shards = 1 << shardBit
	shards   []shard
}

// cell is a Rate in the units of the bucket arithmetic (see doc.go).
type cell struct {
	interval  int64 // T in ns; 0 means unlimited
	tolerance int64 // (Burst−1)·T
}

func cellOf(r Rate) cell {
	if r.Unlimited() {
		return cell{}
	}
	t := max(1, int64(math.Round(1e9/r.PerSecond)))
	return cell{interval: t, tolerance: int64(r.burst()-1) * t}
}

// key names one bucket: a client (an address, IPv6 masked to its prefix,
// IPv4 in its IPv4-mapped IPv6 form) and the rule (−1 for the default).
type key struct {
	hi, lo uint64
	rule   int32
}

// minShardSize keeps each shard's LRU list long enough that a client
// sending steadily is never the least recently seen (see doc.go).
const (
	minShardSize = 1024
	maxShards    = 64
)

// New checks cfg and returns its shield.
func New(cfg Config) (*Shield, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	routes, err := compile(cfg.Rules)
	if err != nil {
		return nil, err
	}
	if cfg.MaxClients == 0 {
		cfg.MaxClients = DefaultMaxClients
	}
	if cfg.IPv6Prefix == 0 {
		cfg.IPv6Prefix = DefaultIPv6Prefix
	}
	s := &Shield{rules: append([]Rule(nil), cfg.Rules...), routes: routes, def: cellOf(cfg.Default)}
	for _, r := range cfg.Rules {
		s.cells = append(s.cells, cellOf(r.Rate))
	}
	p := uint(cfg.IPv6Prefix)
	s.maskHi = ^uint64(0) << (64 - min(p, 64))
	if p > 64 {
		s.maskLo = ^uint64(0) << (128 - p)
	}
	var seed [8]byte
	rand.Read(seed[:])
	s.seed = binary.LittleEndian.Uint64(seed[:])
	for 1<<(s.shardBit+1) <= maxShards && cfg.MaxClients>>(s.shardBit+1) >= minShardSize {
		s.shardBit++
	}
	n := 1 << s.shardBit
	s.shards = make([]shard, n)
	for i := range s.shards {
		size := cfg.MaxClients / n
		if i < cfg.MaxClients%n {
			size++
		}
		s.shards[i].init(size)
	}
	return s, nil
}

// Match returns the index in Config.Rules of the rule for a request's host
// (a port is ignored) and path, or −1 when the default applies. The edge
// calls it once per request, with the host and path in the normal form of
// package uri (the one the router and the function see, so that no other
// spelling of a path escapes its rule), and passes the result to Allow.
func (s *Shield) Match(host, path string) int {
	if len(s.rules) == 0 {
		return -1
	}
	if i, ok := s.routes.Lookup(host, path); ok {
		return i
	}
	return -1
}

// BodyLimit returns the request body cap of the rule for host and path;
// false means the function's own limit applies.
func (s *Shield) BodyLimit(host, path string) (int64, bool) {
	return s.RuleBodyLimit(s.Match(host, path))
}

// RuleBodyLimit is BodyLimit for a rule as Match returned it, so that a
// request's route is looked up once.
func (s *Shield) RuleBodyLimit(rule int) (int64, bool) {
	if uint(rule) < uint(len(s.rules)) && s.rules[rule].BodyBytes > 0 {
		return s.rules[rule].BodyBytes, true
	}
	return 0, false
}

// Allow takes a token from client's bucket of rule (as Match returned it;
// any index that is not a rule's means the default) at now. When the
// bucket is empty it returns false and how long until it holds a token
// again, rounded up to whole seconds (at least 1s), for Retry-After.
func (s *Shield) Allow(rule int, client netip.Addr, now time.Time) (ok bool, retryAfter time.Duration) {
	c := s.def
	if uint(rule) < uint(len(s.cells)) {
		c = s.cells[rule]
	} else {
		rule = -1
	}
	if c.interval == 0 {
		return true, 0
	}
	k := s.key(client, rule)
	h := s.hash(k)
	sh := &s.shards[h>>(64-s.shardBit)]
	t := now.UnixNano()
	sh.mu.Lock()
	e := sh.get(k, h, t)
	// tat never runs further ahead of now than a full burst; if it does,
	// the clock went back, and the client should not pay for that.
	tat := min(max(e.tat, t), t+c.tolerance+c.interval)
	if wait := tat - c.tolerance - t; wait > 0 {
		e.tat = tat
		sh.mu.Unlock()
		secs := (wait + int64(time.Second) - 1) / int64(time.Second)
		return false, time.Duration(secs) * time.Second
	}
	e.tat = tat + c.interval
	sh.mu.Unlock()
	return true, 0
}

// Len is the number of buckets tracked.
func (s *Shield) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.index)
		sh.mu.Unlock()
	}
	return n
}

func (s *Shield) key(a netip.Addr, rule int) key {
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		v4 := a.As4()
		return key{lo: 0xffff<<32 | uint64(binary.BigEndian.Uint32(v4[:])), rule: int32(rule)}
	}
	b := a.As16()
	return key{hi: binary.BigEndian.Uint64(b[:8]) & s.maskHi, lo: binary.BigEndian.Uint64(b[8:]) & s.maskLo, rule: int32(rule)}
}

// hash mixes k with the shield's random seed: its top bits pick the shard,
// so that no one can choose addresses that all land in one, and the whole
// of it indexes the shard's map.
func (s *Shield) hash(k key) uint64 {
	return mix(mix(k.hi^s.seed) ^ k.lo ^ uint64(uint32(k.rule))<<32)
}

// mix is MurmurHash3's 64-bit finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}
