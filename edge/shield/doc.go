// Package shield limits how often each client may call each route, before
// any function runs: a token bucket per (client, rule), answered with 429
// and a Retry-After, and a per-route cap on request bodies.
//
// The edge calls Allow on the connection's goroutine for every request, so
// the common case takes one mutex of one shard, one map lookup and a few
// arithmetic operations, and allocates nothing.
//
// # Buckets
//
// A bucket is a GCRA cell (the "generic cell rate algorithm" of ATM, which
// is a token bucket written as one timestamp): with an emission interval
// T = 1/PerSecond and a capacity of Burst tokens, the bucket keeps tat, the
// theoretical arrival time of the next request if the client sent at exactly
// the rate. A request at now is allowed when tat−now ≤ (Burst−1)·T, and then
// tat becomes max(tat, now)+T. So a fresh client may send Burst requests at
// once, then one per T; Retry-After, the time until the next token, is
// tat−(Burst−1)·T−now.
//
// # Clients
//
// A client is its address: IPv4 addresses one by one, IPv6 addresses by
// their /64 (Config.IPv6Prefix), since one host commonly holds a whole /64
// and rotating within it would otherwise give it unlimited fresh buckets.
//
// # Memory
//
// At most Config.MaxClients buckets are tracked, in shards, each an LRU
// list over a preallocated array; a new client evicts the least recently
// seen bucket of its shard. A shard holds at least 1024 buckets (or all of
// them), so a client that keeps sending stays near the front of its list and
// is not evicted by a flood of new addresses: a hot client stays limited.
// An evicted client starts again with a full bucket, which is what it would
// have had anyway after being idle for Burst·T.
package shield
