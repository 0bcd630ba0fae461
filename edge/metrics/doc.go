// Package metrics is what a node tells Prometheus: requests, latency,
// the scheduler, isolates, the ledger and HTTP/2, all named vault_… and
// kept in a registry of its own (never the global default one), which
// edge/admin serves on /metrics.
//
// # The hot path
//
// A request must not pay for a map lookup keyed by a string built from its
// labels. The edge resolves a function version once, when it warms it, with
// Metrics.Function, keeps the returned *FnHandles beside the version (and in
// the scheduler class's Tag), and reports each request with Metrics.Request:
// an atomic load of a pre-resolved counter, an add, and three histogram
// observations. Counters for a status class nobody has returned yet are
// resolved on first use, so a version that only answers 200 has one
// vault_requests_total series, not six.
//
// # Retired versions
//
// Every version that was ever served would keep its series for the life of
// the process. Metrics.Forget removes a version's series when the edge drops
// it from the route table, and a function's per-function series (latency,
// queue wait, run time, shed, discarded isolates) with its last version.
// Handles of a forgotten version stay safe to use: what they record after
// Forget goes to series that are no longer exported, and they never
// re-create the series Forget removed.
//
// # Scrape-time values
//
// Values that something else already holds (the ledger head, the
// scheduler's limit and queue, isolate pools, HTTP/2 connections) are not
// copied into gauges on every change: SetSources installs callbacks that
// are read only when Prometheus scrapes. They return plain structs, so this
// package imports neither the scheduler's internals nor the HTTP/2 server.
package metrics
