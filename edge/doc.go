// Package edge serves HTTP/2 requests by running the active version of the
// function whose route matches: h2c with prior knowledge, and TLS 1.3 with
// ALPN h2. HTTP/1.x is answered with 505.
//
// The edge never writes to the ledger. It learns what to serve from the
// projector: Warm compiles a version before any of its routes exists, and
// Publish swaps in a new, immutable route table in one atomic step, so no
// request ever sees half an update or a version that is not compiled.
package edge
