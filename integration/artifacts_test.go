package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// alreadyStored is what `vault deploy` says on stderr when the node has
// the artifact and nothing was uploaded.
const alreadyStored = "is stored already; not uploaded again"

// deployed runs `vault deploy dir` against server and reports whether
// the artifact was uploaded.
func (e *env) deployed(server, dir string) (stdout string, uploaded bool) {
	e.t.Helper()
	out, errs, code := e.vault(server, "deploy", dir)
	if code != 0 {
		e.t.Fatalf("vault deploy %s: exit %d\n%s\n%s", dir, code, out, errs)
	}
	return out, !strings.Contains(errs, alreadyStored)
}

// TestArtifactsAreImmutable (issue 18, item 3): with default settings
// no client writes the artifact object store, not even with the operator
// key; `vault deploy` uploads through the node, which stores an object
// only if it is absent, and a second deploy of the same code sends
// nothing.
func TestArtifactsAreImmutable(t *testing.T) {
	e := newEnv(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	srv := n.server()
	fn := e.writeFunction("fn", map[string]string{
		"vault.yaml": "name: fn\nentry: index.js\nroutes: [/fn]\n",
		// Over one chunk, so the upload takes several.
		"index.js": "const pad = \"" + strings.Repeat("x", 700<<10) + "\";\n" +
			"export default { fetch() { return new Response(\"fn \" + pad.length) } };\n",
	})
	if _, uploaded := e.deployed(srv, fn); !uploaded {
		t.Fatal("the first deploy did not upload its artifact")
	}
	// The same code again is no new version (deploy says so, and sends
	// nothing); after other code, it is one, and is not uploaded again.
	if out, _ := e.deployed(srv, fn); !strings.Contains(out, "unchanged") {
		t.Fatalf("a second deploy of the same code: %q", out)
	}
	other := e.writeFunction("fn-other", map[string]string{
		"vault.yaml": "name: fn\nentry: index.js\nroutes: [/fn]\n",
		"index.js":   "export default { fetch() { return new Response(\"other\") } };\n",
	})
	if _, uploaded := e.deployed(srv, other); !uploaded {
		t.Fatal("other code was not uploaded")
	}
	if _, uploaded := e.deployed(srv, fn); uploaded {
		t.Fatal("a deploy of code stored already uploaded the artifact again")
	}
	e.mustVault(srv, "activate", "fn@v3")
	if r := get(t, h2cClient(), "http://"+n.h2c+"/fn"); r.body != "fn 716800" {
		t.Fatalf("served %q", r.body)
	}
	versions := e.snapshot(srv).State.Functions["fn"].Versions
	if len(versions) != 3 || versions[0].Artifact != versions[2].Artifact || versions[0].Size <= 512<<10 {
		t.Fatalf("versions %+v", versions)
	}
	digest := versions[0].Artifact

	// The operator's own key can neither replace that object nor add one.
	nc, err := nats.Connect(srv, nkeyOpt(t, e.operator()), nats.MaxReconnects(0),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		t.Fatalf("the operator key could not connect: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	obs, err := ledger.OpenArtifactBucket(ctx, js, false)
	if err != nil {
		t.Fatalf("open the artifact store to read: %v", err)
	}
	for _, name := range []string{digest, "planted"} {
		c, done := context.WithTimeout(ctx, 2*time.Second)
		if _, err := obs.PutBytes(c, name, []byte("export default {}")); err == nil {
			t.Errorf("the operator key wrote object %s", name)
		}
		done()
	}
	blob, err := obs.GetBytes(ctx, digest)
	if err != nil || events.Digest(blob) != digest {
		t.Fatalf("the stored artifact after the attempts: %d bytes, %v", len(blob), err)
	}
	if _, err := obs.GetInfo(ctx, "planted"); err == nil {
		t.Fatal("an object planted by a client is in the store")
	}
	e.mustVault(srv, "ledger", "verify")
}

// TestDeployThroughAnEdge: `vault deploy` against an edge uploads through
// the edge node into the hub's store (the edge's own is a mirror); the
// version serves on both, and the same code deployed again through the
// hub is not uploaded again.
func TestDeployThroughAnEdge(t *testing.T) {
	s := newSite(t)
	s.join("edge1")
	hub, leaf := s.hub()
	edge := s.edge("edge1", leaf)

	fn := s.greeter("edge")
	if _, uploaded := s.e.deployed(edge.server(), fn); !uploaded {
		t.Fatal("the deploy through the edge did not upload its artifact")
	}
	s.e.mustVault(hub.server(), "activate", "greet@v1", "--wait")
	waitServes(t, hub, "/greet", "greetings edge", 10*time.Second)
	waitServes(t, edge, "/greet", "greetings edge", 10*time.Second)
	// Other code, then the first again: a new version each time, and the
	// stored artifact is not uploaded again, through the hub or the edge.
	other := s.greeter("other")
	if _, uploaded := s.e.deployed(hub.server(), other); !uploaded {
		t.Fatal("other code was not uploaded")
	}
	if _, uploaded := s.e.deployed(hub.server(), fn); uploaded {
		t.Fatal("the hub took the same artifact again")
	}
	if _, uploaded := s.e.deployed(edge.server(), other); uploaded {
		t.Fatal("the edge uploaded an artifact the hub's store has")
	}
}
