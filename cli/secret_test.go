package cli

import (
	"strings"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
)

func TestReadPipedValue(t *testing.T) {
	for in, want := range map[string]string{
		"hunter2\n":      "hunter2",
		"hunter2\r\n":    "hunter2",
		"hunter2":        "hunter2",
		"two\nlines\n":   "two\nlines",
		"trailing\n\n":   "trailing\n",
		" spaced out \n": " spaced out ",
	} {
		got, err := readPipedValue(strings.NewReader(in))
		if err != nil || string(got) != want {
			t.Errorf("readPipedValue(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	long, err := readPipedValue(strings.NewReader(strings.Repeat("x", maxSecretValue+10)))
	if err != nil || len(long) <= maxSecretValue {
		t.Fatalf("a value over the bound reads as %d bytes, %v: the caller could not tell", len(long), err)
	}
}

func TestNodeRecipients(t *testing.T) {
	key := func(id string, revoked uint64, roles ...events.Role) *events.Key {
		return &events.Key{ID: id, PublicKey: make([]byte, 32), Roles: roles, RevokedSeq: revoked}
	}
	kr := &events.Keyring{Keys: map[string]*events.Key{
		"operator": key("operator", 0, events.RoleAdmin, events.RoleDeploy, events.RoleActivate),
		"hub":      key("hub", 0, events.RoleLog),
		"edge":     key("edge", 0, events.RoleWitness),
		"gone":     key("gone", 9, events.RoleWitness),
	}}
	var ids []string
	for _, r := range nodeRecipients(kr) {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, ",") != "edge,hub" {
		t.Fatalf("node recipients %v, want the trusted log and witness keys: edge,hub", ids)
	}
}

func TestStale(t *testing.T) {
	kr := &events.Keyring{Keys: map[string]*events.Key{
		"hub":   {ID: "hub", Roles: []events.Role{events.RoleLog}},
		"edge":  {ID: "edge", Roles: []events.Role{events.RoleWitness}},
		"alice": {ID: "alice", Roles: []events.Role{events.RoleDeploy}},
		"gone":  {ID: "gone", Roles: []events.Role{events.RoleWitness}, RevokedSeq: 7},
	}}
	nodes := nodeRecipients(kr)
	for name, tc := range map[string]struct {
		recipients []string
		want       bool
	}{
		"current, another operator's": {[]string{"hub", "edge", "alice"}, false},
		"misses the edge":             {[]string{"hub", "alice"}, true},
		"to a revoked key":            {[]string{"hub", "edge", "gone"}, true},
		"to a key the ledger forgot":  {[]string{"hub", "edge", "nobody"}, true},
	} {
		if got := stale(fold.Secret{Recipients: tc.recipients}, nodes, kr); got != tc.want {
			t.Errorf("%s: stale = %v, want %v", name, got, tc.want)
		}
	}
}
