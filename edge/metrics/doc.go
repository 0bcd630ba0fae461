// Package metrics is what a node tells Prometheus: requests, latency,
// the scheduler, isolates, the ledger and HTTP/2, all named vault_… and
// kept in a registry of its own (never the global default one), which
// edge/admin serves on /metrics.
//
// # The hot path
//
// A request must not pay for a map lookup keyed by a string built from its
// labels, nor for a lock. The edge resolves a function version once, when
// it warms it, with Metrics.Function, keeps the returned *FnHandles beside
// the version (and in the scheduler class's Tag), and reports each request
// with Metrics.Request: three atomic adds (the status class's count, a
// latency bucket, the latency sum). The counters and histograms are plain
// atomics of this package, not client_golang's Counter and Histogram
// (whose Observe takes four atomic operations, one a compare-and-swap
// loop on a float); a collector turns them into Prometheus metrics when
// scraped. A status class nobody returned yet is no series, so a version
// that only answers 200 has one vault_requests_total series, not six.
//
// # Retired versions
//
// Every version that was ever served would keep its series for the life of
// the process. Metrics.Forget stops exporting a version's series when the
// edge drops it from the route table, and a function's per-function series
// (latency, queue wait, run time, shed, discarded isolates) with its last
// version. Handles of a forgotten version stay safe to use: a request in
// flight may still record into them, but nothing exports them any more.
//
// # Scrape-time values
//
// Values that something else already holds (the ledger head, the
// scheduler's limit and queue, isolate pools, HTTP/2 connections) are not
// copied into gauges on every change: SetSources installs callbacks that
// are read only when Prometheus scrapes. They return plain structs, so this
// package imports neither the scheduler's internals nor the HTTP/2 server.
package metrics
