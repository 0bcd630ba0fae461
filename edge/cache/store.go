package cache

import (
	"container/list"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config bounds a Store. The zero value takes the defaults.
type Config struct {
	// MaxBytes caps the bytes held over all functions (bodies, header
	// fields and URLs). Default 64 MiB.
	MaxBytes int64
	// MaxFunctionBytes caps one function's share, so one function cannot
	// evict every other's entries. Default MaxBytes/4.
	MaxFunctionBytes int64
	// MaxEntryBytes caps one response; larger ones are not stored.
	// Default 8 MiB.
	MaxEntryBytes int64
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.MaxBytes <= 0 {
		c.MaxBytes = 64 << 20
	}
	if c.MaxFunctionBytes <= 0 || c.MaxFunctionBytes > c.MaxBytes {
		c.MaxFunctionBytes = c.MaxBytes / 4
	}
	if c.MaxEntryBytes <= 0 {
		c.MaxEntryBytes = 8 << 20
	}
	if c.MaxEntryBytes > c.MaxFunctionBytes {
		c.MaxEntryBytes = c.MaxFunctionBytes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Entry is a stored response.
type Entry struct {
	Status     int
	StatusText string
	Header     http.Header
	Body       []byte
	// Stored is when it was put; Age is counted from it.
	Stored  time.Time
	expires time.Time
	// vary holds the request's values of the header fields the
	// response's Vary names (canonical names).
	vary map[string]string
	key  key
	size int64
}

// Age is how long ago the entry was stored, in whole seconds.
func (e *Entry) Age(now time.Time) int64 { return int64(now.Sub(e.Stored) / time.Second) }

type key struct{ fn, cache, url string }

// Stats are one function's counts.
type Stats struct {
	Entries   int
	Bytes     int64
	Hits      uint64
	Misses    uint64
	Stores    uint64
	Evictions uint64 // entries dropped for space or because they expired
}

// Store is a node's cache: every function's entries, in one LRU list.
type Store struct {
	cfg   Config
	mu    sync.Mutex
	lru   list.List // of *Entry, most recently used first
	items map[key][]*list.Element
	bytes int64
	fns   map[string]*Stats
}

// New makes an empty Store.
func New(cfg Config) *Store {
	return &Store{cfg: cfg.withDefaults(), items: map[key][]*list.Element{}, fns: map[string]*Stats{}}
}

// Partition is one function's view of the Store.
type Partition struct {
	s  *Store
	fn string
}

// For returns function fn's partition. Partitions of one name share
// entries: a function's versions see one cache, as on workerd.
func (s *Store) For(fn string) *Partition { return &Partition{s: s, fn: fn} }

// RequestHeader reads a request header field by name.
type RequestHeader func(name string) string

// Put stores a response to a GET of url in the named cache, if its headers
// allow (Freshness). stored is false, with the reason, when they do not or
// when it is larger than an entry may be. header is taken over.
func (p *Partition) Put(cache, url, method string, req RequestHeader, status int, statusText string, header http.Header, body []byte) (stored bool, reason string, err error) {
	if method != http.MethodGet {
		return false, "", ErrMethod
	}
	s := p.s
	now := s.cfg.Now()
	ttl, reason, err := Freshness(status, header, now)
	if err != nil || ttl == 0 {
		return false, reason, err
	}
	e := &Entry{Status: status, StatusText: statusText, Header: header, Body: body, Stored: now,
		expires: now.Add(ttl), key: key{p.fn, cache, url}}
	e.vary = varyValues(header, req)
	e.size = int64(len(body) + len(url) + len(statusText) + 64)
	for k, vs := range header {
		e.size += int64(len(k))
		for _, v := range vs {
			e.size += int64(len(v) + 8)
		}
	}
	if e.size > s.cfg.MaxEntryBytes {
		return false, "the response is larger than a cache entry may be", nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, el := range s.items[e.key] {
		if sameVary(el.Value.(*Entry).vary, e.vary) {
			s.removeLocked(el, false)
			break
		}
	}
	st := s.statsLocked(p.fn)
	for st.Bytes+e.size > s.cfg.MaxFunctionBytes {
		s.evictOldestLocked(p.fn)
	}
	for s.bytes+e.size > s.cfg.MaxBytes {
		s.evictOldestLocked("")
	}
	el := s.lru.PushFront(e)
	s.items[e.key] = append(s.items[e.key], el)
	s.bytes += e.size
	st.Entries++
	st.Bytes += e.size
	st.Stores++
	return true, "", nil
}

// Match returns the fresh entry for a GET of url whose Vary fields match
// the request, or nil. The caller must not change the entry.
func (p *Partition) Match(cache, url string, req RequestHeader) *Entry {
	s := p.s
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.statsLocked(p.fn)
	for _, el := range s.items[key{p.fn, cache, url}] {
		e := el.Value.(*Entry)
		if !varyMatches(e.vary, req) {
			continue
		}
		if !now.Before(e.expires) {
			s.removeLocked(el, true)
			break
		}
		s.lru.MoveToFront(el)
		st.Hits++
		return e
	}
	st.Misses++
	return nil
}

// Delete removes every variant stored for url; false when there was none.
func (p *Partition) Delete(cache, url string) bool {
	s := p.s
	k := key{p.fn, cache, url}
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	for len(s.items[k]) > 0 {
		s.removeLocked(s.items[k][0], false)
		found = true
	}
	return found
}

// Stats returns each function's counts.
func (s *Store) Stats() map[string]Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Stats, len(s.fns))
	for fn, st := range s.fns {
		out[fn] = *st
	}
	return out
}

// Bytes is what the Store holds now, over all functions.
func (s *Store) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

func (s *Store) statsLocked(fn string) *Stats {
	st := s.fns[fn]
	if st == nil {
		st = &Stats{}
		s.fns[fn] = st
	}
	return st
}

// evictOldestLocked drops the least recently used entry (of fn, or of
// anyone when fn is empty).
func (s *Store) evictOldestLocked(fn string) {
	for el := s.lru.Back(); el != nil; el = el.Prev() {
		if fn == "" || el.Value.(*Entry).key.fn == fn {
			s.removeLocked(el, true)
			return
		}
	}
}

func (s *Store) removeLocked(el *list.Element, evicted bool) {
	e := el.Value.(*Entry)
	s.lru.Remove(el)
	els := s.items[e.key]
	for i, x := range els {
		if x == el {
			els = append(els[:i], els[i+1:]...)
			break
		}
	}
	if len(els) == 0 {
		delete(s.items, e.key)
	} else {
		s.items[e.key] = els
	}
	s.bytes -= e.size
	st := s.statsLocked(e.key.fn)
	st.Entries--
	st.Bytes -= e.size
	if evicted {
		st.Evictions++
	}
}

// varyValues records the request's values of the fields Vary names.
func varyValues(h http.Header, req RequestHeader) map[string]string {
	var m map[string]string
	for _, v := range h.Values("Vary") {
		for _, name := range strings.Split(v, ",") {
			name = http.CanonicalHeaderKey(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			if m == nil {
				m = map[string]string{}
			}
			m[name] = req(name)
		}
	}
	return m
}

func varyMatches(vary map[string]string, req RequestHeader) bool {
	for name, v := range vary {
		if req(name) != v {
			return false
		}
	}
	return true
}

func sameVary(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
