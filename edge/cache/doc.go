// Package cache is the node's store behind the Workers Cache API
// (caches.default, caches.open): responses a function put, kept in memory
// on this node only, per function (a function never sees another's
// entries), bounded by a byte budget with least-recently-used eviction.
//
// What is stored and for how long follows the response's own headers, as
// workerd does: Cache-Control (s-maxage, then max-age; no-store, private
// and no-cache store nothing), Expires against Date, and otherwise an edge
// TTL by status code. A response that sets a cookie is not stored unless
// Cache-Control says private=Set-Cookie, in which case it is stored
// without the cookie. Vary selects between variants of one URL by the
// request headers it names; Vary: * cannot be stored.
package cache
