// Package route maps a request's host and path to the most specific of a
// set of routes (schemas.Route). The edge routes requests to functions
// with a Table, and the shield finds a request's rule with one, so that
// both answer alike.
//
// A Table matches paths in the normal form of package uri: the edge
// rewrites each request's path with uri.Path before it looks routes up,
// and Add puts each literal segment in that form (uri.Segment), so /~a
// and /%7Ea, or a raw and an encoded /café, are one route.
package route

import (
	"fmt"
	"strings"

	"github.com/vault-runtime/vault/edge/uri"
	"github.com/vault-runtime/vault/schemas"
)

// Table maps host + path to a value. Each host has a tree of path
// segments (a radix tree over segments); a route without a host lives in
// the any-host tree. Lookup prefers, in order: the exact host's tree over
// the any-host tree, then at each segment a literal over a :param over a
// trailing *. So the most specific route wins, and backtracking finds a
// less specific one when the specific branch dead-ends.
//
// A Table is immutable once built; a new route table is a new Table,
// swapped in atomically.
type Table[T any] struct {
	hosts map[string]*node[T]
	any   *node[T]
}

// node is one path segment. target is the value of the route that ends
// here, catchAll that of the route that ends here with a trailing *;
// targetRoute and catchAllRoute name them in conflict errors.
type node[T any] struct {
	literal       map[string]*node[T]
	param         *node[T]
	target        *T
	catchAll      *T
	targetRoute   string
	catchAllRoute string
}

// NewTable returns an empty table.
func NewTable[T any]() *Table[T] {
	return &Table[T]{hosts: map[string]*node[T]{}, any: &node[T]{}}
}

// Add registers r, as schemas.ParseRoute returned it, for v. Two routes
// of the same shape (equal up to parameter names, and literals up to
// uri.Segment) conflict.
func (t *Table[T]) Add(r schemas.Route, v T) error {
	n := t.any
	if r.Host != "" {
		if t.hosts[r.Host] == nil {
			t.hosts[r.Host] = &node[T]{}
		}
		n = t.hosts[r.Host]
	}
	for i, seg := range r.Segments {
		switch {
		case seg == "*" && i == len(r.Segments)-1:
			if n.catchAll != nil {
				return fmt.Errorf("route %s conflicts with %s", r, n.catchAllRoute)
			}
			n.catchAll, n.catchAllRoute = &v, r.String()
			return nil
		case strings.HasPrefix(seg, ":"):
			if n.param == nil {
				n.param = &node[T]{}
			}
			n = n.param
		default:
			seg = uri.Segment(seg)
			if n.literal == nil {
				n.literal = map[string]*node[T]{}
			}
			child := n.literal[seg]
			if child == nil {
				child = &node[T]{}
				n.literal[seg] = child
			}
			n = child
		}
	}
	if n.target != nil {
		return fmt.Errorf("route %s conflicts with %s", r, n.targetRoute)
	}
	n.target, n.targetRoute = &v, r.String()
	return nil
}

// Lookup finds the value for a request's host (a port is ignored) and
// path, both as uri.Authority and uri.Path return them (the path without
// its query). It does not allocate unless host has upper-case letters.
func (t *Table[T]) Lookup(host, path string) (T, bool) {
	if len(path) == 0 || path[0] != '/' {
		path = "/" + path
	}
	rest, root := path[1:], path == "/"
	if len(t.hosts) > 0 {
		if tree := t.hosts[strings.ToLower(hostname(host))]; tree != nil {
			if v := tree.match(rest, root); v != nil {
				return *v, true
			}
		}
	}
	if v := t.any.match(rest, root); v != nil {
		return *v, true
	}
	var zero T
	return zero, false
}

// hostname is host without its port. It answers as net.SplitHostPort
// would for every host a route can name (none has ':', '[' or ']'), and,
// unlike it, does not allocate an error for a host without a port.
func hostname(host string) string {
	i := strings.LastIndexByte(host, ':')
	switch {
	case i < 0 || strings.ContainsAny(host[i+1:], "[]"):
		return host
	case host[0] == '[' && host[i-1] == ']':
		return host[1 : i-1]
	}
	return host[:i]
}

// match walks rest, the path after a "/". root says the whole path is "/",
// which only a route of no segments (or a catch-all) matches.
func (n *node[T]) match(rest string, root bool) *T {
	if root {
		if n.target != nil {
			return n.target
		}
		return n.catchAll
	}
	seg, tail, more := strings.Cut(rest, "/")
	if child := n.literal[seg]; child != nil {
		if v := child.next(tail, more); v != nil {
			return v
		}
	}
	if n.param != nil && seg != "" {
		if v := n.param.next(tail, more); v != nil {
			return v
		}
	}
	return n.catchAll
}

// next continues below n after one segment was consumed.
func (n *node[T]) next(tail string, more bool) *T {
	if !more {
		if n.target != nil {
			return n.target
		}
		return n.catchAll
	}
	return n.match(tail, false)
}
