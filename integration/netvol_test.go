package integration

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/cli/registry/testimage"
	"github.com/vault-runtime/vault/edge/testenv"
)

// TestNetworksAndVolumes declares a network and a volume, deploys a
// container that joins and mounts them with a deploy key alone (a volume
// needs no approval), refuses a deploy naming an undeclared volume and
// the removal of a mounted volume (naming who mounts it), and removes it
// once its function is retired; the ledger verifies.
func TestNetworksAndVolumes(t *testing.T) {
	img, err := testimage.Build(testimage.Options{})
	if errors.Is(err, testimage.ErrNoBusybox) {
		testenv.Missing(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	alice := newEnv(t)
	alice.mustVault("", "init", "--data", alice.data)
	srv := alice.serve(nodeOptions{}).server()
	tarball := filepath.Join(alice.root, "busybox.tar")
	if err := testimage.Save(img, "vault.test/busybox:1", tarball); err != nil {
		t.Fatal(err)
	}
	alice.mustVault(srv, "image", "load", tarball, "--as", "vault.test/busybox:1")
	bob := alice.colleague("bob")
	_, bobKey := keyID(t, bob)
	alice.mustVault(srv, "keys", "add", bobKey, "--role", "deploy")

	alice.mustVault(srv, "network", "create", "backend", "--subnet", "10.89.3.0/24")
	if _, errs, code := alice.vault(srv, "network", "create", "backend"); code == 0 || !strings.Contains(errs, "it exists") {
		t.Fatalf("a network created twice: exit %d, %s", code, errs)
	}
	if _, errs, code := bob.vault(srv, "volume", "create", "pgdata"); code == 0 || !strings.Contains(errs, "no admin role") {
		t.Fatalf("a volume created by a deploy key: exit %d, %s", code, errs)
	}
	alice.mustVault(srv, "volume", "create", "pgdata")

	container := func(name, volume string) string {
		return alice.writeFunction(name, map[string]string{
			"vault.yaml": "name: " + name + "\nkind: container\nimage: vault.test/busybox:1\nport: 8080\nroutes: [/" + name + "/*]\n" +
				"volumes: [{name: " + volume + ", path: /data}]\nnetworks: [backend]\n",
		})
	}
	if out := bob.mustVault(srv, "deploy", container("db", "pgdata")); !strings.Contains(out, "db@v1") {
		t.Fatalf("a container with a volume, by a deploy key: %q", out)
	}
	if _, errs, code := bob.vault(srv, "deploy", container("cache", "cache")); code == 0 || !strings.Contains(errs, "volume cache is not in the ledger") {
		t.Fatalf("a deploy naming an undeclared volume: exit %d, %s", code, errs)
	}
	if _, errs, code := alice.vault(srv, "volume", "rm", "pgdata"); code == 0 || !strings.Contains(errs, "mounted by db@v1") {
		t.Fatalf("removing a mounted volume: exit %d, %s", code, errs)
	}
	if out := alice.mustVault(srv, "volume", "ls"); !strings.Contains(out, "pgdata") || !strings.Contains(out, "db@v1") {
		t.Fatalf("vault volume ls:\n%s", out)
	}
	if out := alice.mustVault(srv, "network", "ls"); !strings.Contains(out, "10.89.3.0/24") || !strings.Contains(out, "db@v1") {
		t.Fatalf("vault network ls:\n%s", out)
	}
	if out := alice.mustVault(srv, "inspect", "db"); !strings.Contains(out, "volumes pgdata networks backend") {
		t.Fatalf("vault inspect db:\n%s", out)
	}
	var st struct {
		State struct {
			Functions map[string]struct {
				Versions []struct {
					Volumes  []string `json:"volumes"`
					Networks []string `json:"networks"`
				} `json:"versions"`
			} `json:"functions"`
		} `json:"state"`
	}
	if err := json.Unmarshal([]byte(alice.mustVault(srv, "ls", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if v := st.State.Functions["db"].Versions; len(v) != 1 || !slices.Equal(v[0].Volumes, []string{"pgdata"}) || !slices.Equal(v[0].Networks, []string{"backend"}) {
		t.Fatalf("db's versions %+v, want one mounting pgdata on backend", v)
	}

	alice.mustVault(srv, "retire", "db", "--yes")
	if out := alice.mustVault(srv, "volume", "rm", "pgdata"); !strings.Contains(out, "volume pgdata removed") {
		t.Fatalf("vault volume rm after the retirement: %q", out)
	}
	alice.mustVault(srv, "ledger", "verify")
}
