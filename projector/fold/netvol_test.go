package fold_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
)

// containerDeploy is a restricted container deploy of fn naming volumes
// (its config mounts them) and networks.
func containerDeploy(l *foldtest.Ledger, fn string, volumes, networks []string, signer *events.Signer) []byte {
	d := events.Deployed{Name: fn, Artifact: foldtest.Digest(fn), Size: 4, Image: foldtest.OCIDigest("img"),
		Runtime: foldtest.WithVolumes(l.T(), foldtest.Runtime(l.T(), "restricted"), volumes...), Network: "restricted",
		Volumes: volumes, Networks: networks}
	return l.Seal(l.ID, events.TypeDeployed, fn, d, signer)
}

func TestNetVolRules(t *testing.T) {
	l := foldtest.NewLedger(t)
	s := foldtest.FoldAll(t, l.Genesis, l.PullImage(foldtest.Image("img", "registry.example.com/img", "1", "base"), l.Operator))
	steps := []struct {
		name string
		env  []byte
		want error // nil: applied
	}{
		{"CreateNetwork", l.CreateNetwork("backend", "10.89.0.0/24"), nil},
		{"ErrConflictNetworkTwice", l.CreateNetwork("backend", ""), events.ErrConflict},
		{"ErrInvalidEventDefaultNetwork", l.CreateNetwork("default", ""), events.ErrInvalidEvent},
		{"ErrConflictSubnetInside", l.CreateNetwork("inner", "10.89.0.64/26"), events.ErrConflict},
		{"ErrConflictSubnetAround", l.CreateNetwork("outer", "10.89.0.0/16"), events.ErrConflict},
		{"CreateNetworkBeside", l.CreateNetwork("beside", "10.89.1.0/24"), nil},
		{"CreateNetworkWithoutSubnet", l.CreateNetwork("any", ""), nil},
		{"CreateVolume", l.CreateVolume("pgdata"), nil},
		{"ErrConflictVolumeTwice", l.CreateVolume("pgdata"), events.ErrConflict},
		{"ErrNotFoundRemoveUnknown", l.RemoveVolume("cache"), events.ErrNotFound},
		{"ErrNotFoundUndeclaredVolume", containerDeploy(l, "api", []string{"cache"}, nil, l.Operator), events.ErrNotFound},
		{"ErrNotFoundUndeclaredNetwork", containerDeploy(l, "api", nil, []string{"frontend"}, l.Operator), events.ErrNotFound},
		{"DeployWithoutApproval", containerDeploy(l, "api", []string{"pgdata"}, []string{"backend", "default"}, l.Deployer), nil},
		{"ErrConflictRemoveMounted", l.RemoveVolume("pgdata"), events.ErrConflict},
		{"Retire", l.Lifecycle(events.TypeRetired, "api"), nil},
		{"RemoveOnceRetired", l.RemoveVolume("pgdata"), nil},
		{"ErrNotFoundDeployRemovedVolume", containerDeploy(l, "web", []string{"pgdata"}, nil, l.Operator), events.ErrNotFound},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := foldChecked(t, s, st.env)
			if !errors.Is(err, st.want) || (st.want == nil) != (err == nil) {
				t.Fatalf("fold = %v, want %v", err, st.want)
			}
		})
	}
	v := s.Functions["api"].Versions[0]
	if !slices.Equal(v.Volumes, []string{"pgdata"}) || !slices.Equal(v.Networks, []string{"backend", "default"}) {
		t.Errorf("api@v1 volumes %v networks %v, want [pgdata] [backend default]", v.Volumes, v.Networks)
	}
	if n := s.Networks["backend"]; n == nil || n.Subnet != "10.89.0.0/24" || !slices.Equal(n.By, []string{l.Operator.ID}) {
		t.Errorf("network backend = %+v", n)
	}
	if len(s.Volumes) != 0 {
		t.Errorf("volumes %v after the removal, want none", s.Volumes)
	}
}

// A clone shares the maps, so a fold must replace them, never change
// them: the clone keeps what it had.
func TestNetVolCloneUnchanged(t *testing.T) {
	l := foldtest.NewLedger(t)
	s := foldtest.FoldAll(t, l.Genesis, l.CreateVolume("keep"), l.CreateNetwork("backend", ""))
	before := s.Clone()
	hash := before.Hash()
	for _, env := range [][]byte{l.CreateVolume("more"), l.RemoveVolume("keep"), l.CreateNetwork("frontend", "")} {
		if err := fold.Apply(s, s.Seq+1, events.ID(env), env); err != nil {
			t.Fatal(err)
		}
	}
	if before.Hash() != hash || before.Volumes["keep"] == nil || before.Volumes["more"] != nil || before.Networks["frontend"] != nil {
		t.Fatalf("the clone changed: volumes %v networks %v", before.Volumes, before.Networks)
	}
	if s.Volumes["keep"] != nil || s.Volumes["more"] == nil || s.Networks["frontend"] == nil {
		t.Fatalf("the state: volumes %v networks %v", s.Volumes, s.Networks)
	}
}

// A ledger without networks or volumes encodes, and so hashes, as before
// they existed; so does one whose volumes were all removed.
func TestNetVolOmittedWhenNone(t *testing.T) {
	l := foldtest.NewLedger(t)
	for name, s := range map[string]*fold.State{
		"none":    foldtest.FoldAll(t, l.Genesis),
		"removed": foldtest.FoldAll(t, l.Genesis, l.CreateVolume("v"), l.RemoveVolume("v")),
	} {
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), `"volumes"`) || strings.Contains(string(data), `"networks"`) {
			t.Errorf("%s: %s", name, data)
		}
	}
}

// The record's volumes must be the config's volume mounts, both ways:
// otherwise VolumeUsers would not count what runs.
func TestDeployVolumesMatchMounts(t *testing.T) {
	l := foldtest.NewLedger(t)
	s := foldtest.FoldAll(t, l.Genesis, l.PullImage(foldtest.Image("img", "registry.example.com/img", "1", "base"), l.Operator),
		l.CreateVolume("a"), l.CreateVolume("b"))
	base := foldtest.Runtime(t, "restricted")
	for name, tc := range map[string]struct {
		named   []string
		mounted []string
		want    string
	}{
		"ErrInvalidEventUnnamedMount":  {[]string{"a"}, []string{"a", "b"}, `mounts volume "b", which the record's volumes do not name`},
		"ErrInvalidEventUnmountedName": {[]string{"a", "b"}, []string{"a"}, "volume b is named but its runtime config does not mount it"},
		"ErrInvalidEventTraversal":     {[]string{"a"}, []string{"a", "../../etc"}, `mounts volume "../../etc"`},
	} {
		t.Run(name, func(t *testing.T) {
			d := events.Deployed{Name: "api", Artifact: foldtest.Digest("api"), Size: 4, Image: foldtest.OCIDigest("img"),
				Runtime: foldtest.WithVolumes(t, base, tc.mounted...), Network: "restricted", Volumes: tc.named}
			err := fold.Check(s, l.Seal(l.ID, events.TypeDeployed, "api", d, l.Operator))
			if !errors.Is(err, events.ErrInvalidEvent) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check = %v, want ErrInvalidEvent saying %q", err, tc.want)
			}
		})
	}
}

func TestVolumeAndNetworkUsers(t *testing.T) {
	l := foldtest.NewLedger(t)
	s := foldtest.FoldAll(t, l.Genesis, l.PullImage(foldtest.Image("img", "registry.example.com/img", "1", "base"), l.Operator),
		l.CreateVolume("data"), l.CreateVolume("logs"),
		l.CreateNetwork("backend", ""),
		containerDeploy(l, "web", []string{"data"}, []string{"default"}, l.Operator),
		containerDeploy(l, "api", []string{"logs"}, []string{"backend"}, l.Operator),
		containerDeploy(l, "api", []string{"data", "logs"}, []string{"default"}, l.Operator),
		containerDeploy(l, "old", []string{"data"}, []string{"backend"}, l.Operator),
		l.Lifecycle(events.TypeRetired, "old"))
	if got, want := s.VolumeUsers("data"), []string{"api@v2", "web@v1"}; !slices.Equal(got, want) {
		t.Errorf("VolumeUsers(data) = %v, want %v", got, want)
	}
	if got, want := s.NetworkUsers("backend"), []string{"api@v1"}; !slices.Equal(got, want) {
		t.Errorf("NetworkUsers(backend) = %v, want %v", got, want)
	}
	if got, want := s.NetworkUsers("default"), []string{"api@v2", "web@v1"}; !slices.Equal(got, want) {
		t.Errorf("NetworkUsers(default) = %v, want %v", got, want)
	}
	if got := s.VolumeUsers("none"); got != nil {
		t.Errorf("VolumeUsers(none) = %v, want none", got)
	}
}
