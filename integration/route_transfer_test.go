package integration

import (
	"strings"
	"testing"
)

// TestRouteTransferAtActivation (issue 23, fix 4): deploying a function
// that takes a route over (--take-route) moves no traffic: the route's
// owner answers it, and ls says so, until the taker's version is
// activated; then the taker answers it.
func TestRouteTransferAtActivation(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	fn := func(name, route, body string) string {
		return e.writeFunction(name, map[string]string{
			"vault.yaml": "name: " + name + "\nentry: index.js\nroutes: [\"" + route + "\"]\n",
			"index.js":   `export default { fetch() { return new Response("` + body + `"); } };` + "\n",
		})
	}
	e.mustVault(srv, "deploy", fn("hello", "/*", "hello"))
	e.mustVault(srv, "activate", "hello@v1", "--wait")
	e.mustVault(srv, "deploy", fn("myfn", "/my/*", "myfn"))
	e.mustVault(srv, "activate", "myfn@v1", "--wait")
	c := h2cClient()
	url := "http://" + n.h2c + "/my/x"
	if r := get(t, c, url); r.body != "myfn" {
		t.Fatalf("before the transfer /my/x answered %q", r.body)
	}

	e.mustVault(srv, "deploy", fn("other", "/my/*", "other"), "--take-route", "/my/*")
	if r := get(t, c, url); r.status != 200 || r.body != "myfn" {
		t.Fatalf("after the deploy that takes /my/*, before its activation, /my/x answered %d %q; want myfn", r.status, r.body)
	}
	if ls := e.mustVault(srv, "ls"); !strings.Contains(ls, "myfn") || !strings.Contains(ls, "/my/*") {
		t.Errorf("ls before the activation:\n%s", ls)
	}

	e.mustVault(srv, "activate", "other@v1", "--wait")
	if r := get(t, c, url); r.body != "other" {
		t.Fatalf("after activating other@v1, /my/x answered %q", r.body)
	}
	if r := get(t, c, "http://"+n.h2c+"/elsewhere"); r.body != "hello" {
		t.Errorf("/elsewhere answered %q", r.body)
	}
}
