package edge

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
)

// Request IDs are a random per-process prefix and a counter: unique, cheap
// (no syscall per request), and they sort by arrival within a process.
var (
	requestPrefix = func() uint32 {
		var b [4]byte
		rand.Read(b[:])
		return binary.BigEndian.Uint32(b[:])
	}()
	requestCounter atomic.Uint64
)

func newRequestID() string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], requestPrefix)
	binary.BigEndian.PutUint64(b[4:], requestCounter.Add(1))
	return hex.EncodeToString(b[:])
}
