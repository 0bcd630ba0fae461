package shield

import "sync"

// shard is a bounded set of buckets with least-recently-seen eviction: a
// map from a key's hash to a slot of entries, and a doubly linked list of the slots
// through their indexes, most recently seen first. Slots are reused, so a
// full shard allocates nothing.
type shard struct {
	mu         sync.Mutex
	index      map[uint64]int32 // by Shield.hash
	entries    []entry
	size       int   // the most entries the shard holds
	head, tail int32 // most and least recently seen; −1 when empty
	_          [64]byte
}

type entry struct {
	key        key
	hash       uint64
	tat        int64 // the theoretical arrival time, in Unix ns
	prev, next int32
}

func (sh *shard) init(size int) {
	sh.size = size
	sh.index = make(map[uint64]int32, min(size, minShardSize))
	sh.entries = make([]entry, 0, min(size, minShardSize))
	sh.head, sh.tail = -1, -1
}

// get returns k's entry, now the most recently seen; a new entry starts
// with tat = now (a full bucket) and evicts the least recently seen one
// when the shard is full. The caller holds mu.
//
// Two keys of one hash share a slot: the newcomer takes it, as if the other
// had been evicted. Only IPv6 prefixes longer than /64 can collide at all
// (the hash is a bijection of the rest), and only with the seed known.
func (sh *shard) get(k key, h uint64, now int64) *entry {
	i, ok := sh.index[h]
	if ok && sh.entries[i].key == k {
		sh.toFront(i)
		return &sh.entries[i]
	}
	switch {
	case ok:
		sh.unlink(i)
	case len(sh.entries) < sh.size:
		i = int32(len(sh.entries))
		sh.entries = append(sh.entries, entry{})
	default:
		i = sh.tail
		delete(sh.index, sh.entries[i].hash)
		sh.unlink(i)
	}
	sh.entries[i] = entry{key: k, hash: h, tat: now, prev: -1, next: -1}
	sh.index[h] = i
	sh.pushFront(i)
	return &sh.entries[i]
}

func (sh *shard) toFront(i int32) {
	if sh.head == i {
		return
	}
	sh.unlink(i)
	sh.pushFront(i)
}

func (sh *shard) unlink(i int32) {
	e := &sh.entries[i]
	if e.prev >= 0 {
		sh.entries[e.prev].next = e.next
	} else {
		sh.head = e.next
	}
	if e.next >= 0 {
		sh.entries[e.next].prev = e.prev
	} else {
		sh.tail = e.prev
	}
	e.prev, e.next = -1, -1
}

func (sh *shard) pushFront(i int32) {
	e := &sh.entries[i]
	e.prev, e.next = -1, sh.head
	if sh.head >= 0 {
		sh.entries[sh.head].prev = i
	}
	sh.head = i
	if sh.tail < 0 {
		sh.tail = i
	}
}
