// Package sched is the edge's admission scheduler: it runs each request's
// task on a bounded set of executors, short functions first, with aging,
// under an adaptive concurrency limit, and sheds with Retry-After when its
// queue is full.
package sched
