package shield

import (
	"fmt"
	"strings"

	"github.com/vault-runtime/vault/schemas"
)

// matcher finds the rule of a request with the edge router's semantics
// (edge.Router): the exact host's tree over the any-host tree, and at each
// path segment a literal over a :param over a trailing *. It is the
// router's algorithm over rule indexes; the shield cannot import edge,
// which imports the shield.
type matcher struct {
	hosts map[string]*node
	any   *node
}

// node is one path segment; rule and catchAll are rule indexes, −1 for none.
type node struct {
	literal  map[string]*node
	param    *node
	rule     int
	catchAll int
	pattern  string
}

func newNode(pattern string) *node { return &node{rule: -1, catchAll: -1, pattern: pattern} }

func newMatcher() *matcher { return &matcher{hosts: map[string]*node{}, any: newNode("")} }

func (m *matcher) add(route schemas.Route, rule int) error {
	n := m.any
	if route.Host != "" {
		if m.hosts[route.Host] == nil {
			m.hosts[route.Host] = newNode(route.Host)
		}
		n = m.hosts[route.Host]
	}
	for i, seg := range route.Segments {
		switch {
		case seg == "*" && i == len(route.Segments)-1:
			if n.catchAll >= 0 {
				return fmt.Errorf("route %s conflicts with %s", route, n.pattern+"/*")
			}
			n.catchAll = rule
			return nil
		case strings.HasPrefix(seg, ":"):
			if n.param == nil {
				n.param = newNode(n.pattern + "/" + seg)
			}
			n = n.param
		default:
			if n.literal == nil {
				n.literal = map[string]*node{}
			}
			child := n.literal[seg]
			if child == nil {
				child = newNode(n.pattern + "/" + seg)
				n.literal[seg] = child
			}
			n = child
		}
	}
	if n.rule >= 0 {
		return fmt.Errorf("route %s conflicts with %s", route, n.pattern)
	}
	n.rule = rule
	return nil
}

// lookup returns the rule for host (a port is ignored) and path, or −1.
func (m *matcher) lookup(host, path string) int {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && i > strings.LastIndexByte(host, ']') {
		host = host[:i]
	}
	if len(path) == 0 || path[0] != '/' {
		path = "/" + path
	}
	rest, root := path[1:], path == "/"
	if len(m.hosts) > 0 {
		if tree := m.hosts[strings.ToLower(host)]; tree != nil {
			if r := tree.match(rest, root); r >= 0 {
				return r
			}
		}
	}
	return m.any.match(rest, root)
}

// match walks rest, the path after a "/"; root says the path is "/".
func (n *node) match(rest string, root bool) int {
	if root {
		if n.rule >= 0 {
			return n.rule
		}
		return n.catchAll
	}
	seg, tail, more := strings.Cut(rest, "/")
	if child := n.literal[seg]; child != nil {
		if r := child.next(tail, more); r >= 0 {
			return r
		}
	}
	if n.param != nil && seg != "" {
		if r := n.param.next(tail, more); r >= 0 {
			return r
		}
	}
	return n.catchAll
}

// next continues below n after one segment was consumed.
func (n *node) next(tail string, more bool) int {
	if !more {
		if n.rule >= 0 {
			return n.rule
		}
		return n.catchAll
	}
	return n.match(tail, false)
}
