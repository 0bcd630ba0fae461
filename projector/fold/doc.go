// Package fold is the deterministic part of the projector: the State the
// ledger describes (the trust keyring, functions, their versions, routes
// and lifecycle) and the pure function that applies one record to it.
//
// Apply is a function of the state and one record only, so replaying
// records 1..N from scratch gives exactly the state a live node had after
// applying N, on every node and in an auditor's offline replay. The same
// checks judge a record before it is appended (Check, Advance) and when
// it is projected, so a record that reached the stream by another path is
// rejected, and remembered as rejected, everywhere in the same way.
//
// ServedFor derives what a node serves from the state. The package
// imports only events and schemas: it neither reads the ledger nor
// fetches artifacts, and code that imports it (the edge) cannot write to
// the ledger through it.
package fold
