package integration

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// Two edges with the witness role cosign the hub's checkpoints, which
// `vault ledger verify` counts; a checkpoint signed by the log key that
// contradicts the ledger the edges hold (a split view) is reported by
// them, and `vault nodes` fails.
func TestWitnessesCosignAndSplitViewIsReported(t *testing.T) {
	s := newSite(t)
	id1, pub1 := s.join("edge1")
	id2, pub2 := s.join("edge2")
	hub, leaf := s.hub()
	edges := []*node{s.edge("edge1", leaf), s.edge("edge2", leaf)}
	s.e.mustVault(hub.server(), "keys", "add", pub1, "--role", "witness")
	s.e.mustVault(edges[1].server(), "keys", "add", pub2, "--role", "witness") // appended through an edge
	s.e.mustVault(hub.server(), "deploy", s.greeter("one"))
	s.e.mustVault(hub.server(), "activate", "greet@v1", "--wait")

	var report struct {
		Records      uint64   `json:"records"`
		Latest       uint64   `json:"latestCheckpoint"`
		CosignedSize uint64   `json:"cosignedSize"`
		Cosigners    []string `json:"cosigners"`
	}
	cosigned := eventually(15*time.Second, func() bool {
		out := s.e.mustVault(hub.server(), "ledger", "verify", "--json")
		if err := json.Unmarshal([]byte(out), &report); err != nil {
			t.Fatalf("verify --json: %v\n%s", err, out)
		}
		return report.Latest == report.Records && len(report.Cosigners) == 2
	})
	if !cosigned {
		t.Fatalf("the latest checkpoint never got both witnesses' cosignatures: %+v", report)
	}
	if report.CosignedSize != report.Records || !sameSet(report.Cosigners, []string{id1, id2}) {
		t.Fatalf("cosigned size %d by %v; want size %d by %s and %s", report.CosignedSize, report.Cosigners, report.Records, id1, id2)
	}
	text := s.e.mustVault(edges[0].server(), "ledger", "verify")
	if !strings.Contains(text, "witnesses    2 cosigned the latest checkpoint") {
		t.Fatalf("verify on an edge's mirror does not count both witnesses:\n%s", text)
	}

	// The log key signs a second, different tree of the same size: what a
	// compromised or buggy hub would show some nodes. A node announcing it
	// is enough for every edge that hears it to catch the contradiction.
	hubKey, err := events.NewSigner(s.e.keySeed(filepath.Join(s.e.data, "node.key")))
	if err != nil {
		t.Fatal(err)
	}
	ledgerID := s.e.snapshot(hub.server()).State.Ledger
	origin := ledger.Origin(ledgerID)
	forged := ledger.Checkpoint{Origin: origin, Size: report.Records, Root: sha256.Sum256([]byte("another view"))}
	note, err := ledger.SignCheckpoint(forged, ledger.NoteSigner(origin, hubKey))
	if err != nil {
		t.Fatal(err)
	}
	ann, _ := json.Marshal(map[string]any{"nodeId": "a-forked-hub", "role": "hub", "ledger": ledgerID, "applied": report.Records,
		"checkpoint": map[string]any{"size": forged.Size, "root": base64.StdEncoding.EncodeToString(forged.Root[:]), "note": note}})
	// Announcements are the nodes' own: it takes a node key to send one.
	nc := dialAsNode(t, s.e, s.e.data, hub.server())
	if err := nc.Publish("vault.nodes.applied", ann); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	for _, e := range edges {
		e.waitLog(t, "SPLIT VIEW:")
		if out := s.e.mustVault(e.server(), "status"); !strings.Contains(out, "SPLIT VIEW") {
			t.Fatalf("vault status on an edge that saw a split view does not say so:\n%s", out)
		}
	}
	out, _, code := s.e.vault(hub.server(), "nodes")
	if code != 1 || !strings.Contains(out, "SPLIT VIEW") {
		t.Fatalf("vault nodes after a split view: exit %d, want 1 naming it:\n%s", code, out)
	}
	// The witnesses did not cosign the forged tree.
	msgs, err := ledger.ReadCosignatures(t.Context(), jetStream(t, nc), forged.Size)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if strings.Contains(string(m), base64.StdEncoding.EncodeToString(forged.Root[:])) {
			t.Fatalf("a witness cosigned the forged checkpoint:\n%s", m)
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]bool{}
	for _, x := range a {
		seen[x] = true
	}
	for _, x := range b {
		if !seen[x] {
			return false
		}
	}
	return true
}

func jetStream(t *testing.T, nc *nats.Conn) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}
