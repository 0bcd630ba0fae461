package h2

import "golang.org/x/net/http2/hpack"

// Response header encoding. x/net's hpack.Encoder searches its static and dynamic tables (map
// lookups on name and value) for every field, while a connection's responses repeat the same
// fields: :status 200, content-type, date for a second, a function's own literals. Once a field
// is in a table, the encoder answers it with an Indexed representation that leaves the dynamic
// table as it is; as long as nothing is inserted, the same field encodes to the same bytes.
// fieldMemo remembers those bytes per field and replays them until the encoder next inserts
// something (which renumbers the dynamic table), without a search.
//
// Fields whose value is unique per response (x-request-id) are sent as literals without
// indexing: indexing them would insert an entry per response, evicting the reusable ones and
// renumbering the table every time.

// memoSlots is the size of the memo (two-way set-associative): a few responses' distinct
// fields.
const (
	memoBits  = 5
	memoSlots = 1 << memoBits
)

type memoEntry struct {
	name, value string // name as the caller keys it (see memoHitLocked)
	gen         uint64 // the table generation the bytes are valid in
	// fromHeader marks fields of a Response.Header, keyed by the map's key: they never answer
	// for the engine's own fields (:status, content-length, date), which must not be taken
	// from a handler's header, nor the reverse.
	fromHeader bool
	n          uint8
	b          [4]byte // an Indexed representation: index < 2^21
}

// fieldMemo is a connection's memo of encoded fields, guarded by conn.mu with the encoder.
type fieldMemo struct {
	// gen counts changes of the encoder's dynamic table: insertions, size updates. Entries of
	// an older generation are stale. It starts at 1 so that zero entries are stale.
	gen     uint64
	entries [memoSlots]memoEntry
	misses  int // fields the encoder was asked for (for tests)
}

// invalidate forgets every entry: the dynamic table changed, or will change at the next field
// (a table size update, which must open a header block: the next field must go through the
// encoder).
func (m *fieldMemo) invalidate() { m.gen++ }

// setPeerTableSizeLocked applies the peer's SETTINGS_HEADER_TABLE_SIZE. A smaller table takes
// effect with a size update at the start of the next block, which the encoder writes before
// its next field: the memo must not answer that block's first field.
func (c *conn) setPeerTableSizeLocked(v uint32) {
	c.henc.SetMaxDynamicTableSizeLimit(v)
	c.memo.invalidate()
}

// memoSet picks the pair of slots (i, i^1) where name: value may be remembered: a hash of the
// name (short, and usually a constant of the engine's), the value's length and three of its
// bytes. Two ways, so that two fields of a response that share a set do not evict each other.
func memoSet(name, value string) int {
	h := uint32(len(value))
	for i := 0; i < len(name); i++ {
		h = h*31 + uint32(name[i])
	}
	if n := len(value); n > 0 {
		h = h*31 + uint32(value[0])
		h = h*31 + uint32(value[n/2])
		h = h*31 + uint32(value[n-1])
	}
	h *= 0x9e3779b1
	return int(h>>(32-memoBits)) &^ 1
}

// writeFieldLocked appends the encoding of name: value to c.hsink.b.
func (c *conn) writeFieldLocked(name, value string) {
	if !c.memoHitLocked(name, value, false) {
		c.encodeFieldLocked(name, name, value, false)
	}
}

// memoHitLocked appends the remembered encoding of the field the memo knows as key: value, if
// it has one. The key is the caller's spelling of the name (a response header's canonical
// key), so that a hit needs neither the wire name nor the value's validation again.
func (c *conn) memoHitLocked(key, value string, fromHeader bool) bool {
	m := &c.memo
	if m.gen == 0 {
		m.gen = 1
	}
	set := memoSet(key, value)
	for i := set; i < set+2; i++ {
		if e := &m.entries[i]; e.gen == m.gen && e.name == key && e.value == value && e.fromHeader == fromHeader {
			c.hsink.b = append(c.hsink.b, e.b[:e.n]...)
			return true
		}
	}
	return false
}

// encodeFieldLocked encodes name: value with the encoder and remembers the result under key if
// it is an index.
func (c *conn) encodeFieldLocked(key, name, value string, fromHeader bool) {
	m := &c.memo
	set := memoSet(key, value)
	// The way to fill: a stale one, else the second (the first holds what came first, often
	// the more common field).
	e := &m.entries[set+1]
	if m.entries[set].gen != m.gen {
		e = &m.entries[set]
	}
	m.misses++
	start := len(c.hsink.b)
	c.henc.WriteField(hpack.HeaderField{Name: name, Value: value})
	out := c.hsink.b[start:]
	switch {
	case out[0]&0x80 != 0: // Indexed: the table is unchanged
		if len(out) <= len(e.b) {
			e.name, e.value, e.gen, e.fromHeader = key, value, m.gen, fromHeader
			e.n = uint8(copy(e.b[:], out))
		}
	case out[0]&0xc0 == 0x40, out[0]&0xe0 == 0x20: // inserted, or a table size update first
		m.invalidate()
	}
	// Literals without indexing (0000xxxx, 0001xxxx) leave the table alone; they are not
	// remembered, as their bytes are as long as the field.
}

// writeLiteralLocked appends name: value as a literal without indexing, with a new name, raw
// (not Huffman-coded) strings: for fields unique per response. It leaves the dynamic table
// alone, so it may follow memoized fields; it must not open a block that a table size update
// must open (the caller encodes :status first).
func (c *conn) writeLiteralLocked(name, value string) {
	b := append(c.hsink.b, 0)
	b = appendHpackInt(b, 7, uint64(len(name)))
	b = append(b, name...)
	b = appendHpackInt(b, 7, uint64(len(value)))
	c.hsink.b = append(b, value...)
}

// appendHpackInt appends i with an n-bit prefix (RFC 7541 §5.1); the prefix's high bits (the
// representation's flags, here all zero) are 0.
func appendHpackInt(b []byte, n uint, i uint64) []byte {
	k := uint64(1)<<n - 1
	if i < k {
		return append(b, byte(i))
	}
	b = append(b, byte(k))
	i -= k
	for ; i >= 128; i >>= 7 {
		b = append(b, byte(0x80|(i&0x7f)))
	}
	return append(b, byte(i))
}
