package edge

import (
	"fmt"
	"net"
	"strings"

	"github.com/vault-runtime/vault/schemas"
)

// Router maps host + path to a target. Each host has a tree of path
// segments (a radix tree over segments); a route without a host lives in
// the any-host tree. Lookup prefers, in order: the exact host's tree over
// the any-host tree, then at each segment a literal over a :param over a
// trailing *. So the most specific route wins, and backtracking finds a
// less specific one when the specific branch dead-ends.
//
// A Router is immutable once built; a new route table is a new Router,
// swapped in atomically.
type Router[T any] struct {
	hosts map[string]*segNode[T]
	any   *segNode[T]
}

type segNode[T any] struct {
	literal  map[string]*segNode[T]
	param    *segNode[T]
	catchAll *T
	target   *T
	pattern  string
}

// NewRouter returns an empty router.
func NewRouter[T any]() *Router[T] {
	return &Router[T]{hosts: map[string]*segNode[T]{}, any: &segNode[T]{}}
}

// Add registers route for t. Two routes of the same shape (equal up to
// parameter names) conflict.
func (r *Router[T]) Add(route schemas.Route, t T) error {
	n := r.any
	if route.Host != "" {
		if r.hosts[route.Host] == nil {
			r.hosts[route.Host] = &segNode[T]{}
		}
		n = r.hosts[route.Host]
	}
	for i, seg := range route.Segments {
		switch {
		case seg == "*" && i == len(route.Segments)-1:
			if n.catchAll != nil {
				return fmt.Errorf("route %s conflicts with %s", route, n.pattern+"/*")
			}
			n.catchAll = &t
			return nil
		case strings.HasPrefix(seg, ":"):
			if n.param == nil {
				n.param = &segNode[T]{pattern: n.pattern + "/" + seg}
			}
			n = n.param
		default:
			if n.literal == nil {
				n.literal = map[string]*segNode[T]{}
			}
			child := n.literal[seg]
			if child == nil {
				child = &segNode[T]{pattern: n.pattern + "/" + seg}
				n.literal[seg] = child
			}
			n = child
		}
	}
	if n.target != nil {
		return fmt.Errorf("route %s conflicts with an existing route of the same shape", route)
	}
	n.target = &t
	return nil
}

// Lookup finds the target for a request's host (a port is ignored) and
// path.
func (r *Router[T]) Lookup(host, path string) (T, bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if len(path) == 0 || path[0] != '/' {
		path = "/" + path
	}
	rest := path[1:]
	if tree := r.hosts[strings.ToLower(host)]; tree != nil {
		if t := tree.match(rest, path == "/"); t != nil {
			return *t, true
		}
	}
	if t := r.any.match(rest, path == "/"); t != nil {
		return *t, true
	}
	var zero T
	return zero, false
}

// match walks rest, the path after a "/". root says the whole path is "/",
// which only a route of no segments (or a catch-all) matches.
func (n *segNode[T]) match(rest string, root bool) *T {
	if root {
		if n.target != nil {
			return n.target
		}
		return n.catchAll
	}
	seg, tail, more := strings.Cut(rest, "/")
	if child := n.literal[seg]; child != nil {
		if t := child.next(tail, more); t != nil {
			return t
		}
	}
	if n.param != nil && seg != "" {
		if t := n.param.next(tail, more); t != nil {
			return t
		}
	}
	return n.catchAll
}

// next continues below n after one segment was consumed.
func (n *segNode[T]) next(tail string, more bool) *T {
	if !more {
		if n.target != nil {
			return n.target
		}
		return n.catchAll
	}
	return n.match(tail, false)
}
