package oci

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/vault-runtime/vault/schemas"
)

// TestGenerateMeetsTheGate generates configs from manifests and checks
// the gatekeeper's verdict on each: the default runs without approval,
// and each security option gets the verdict its rule gives.
func TestGenerateMeetsTheGate(t *testing.T) {
	img := ImageConfig{User: "1000:1000", Entrypoint: []string{"/bin/busybox", "httpd"}, Cmd: []string{"-f"}, Env: []string{"PATH=/bin"}, WorkingDir: "/www"}
	tests := []struct {
		name     string
		sec      schemas.Security
		img      *ImageConfig
		rule     int  // 0: admitted without approval
		approved bool // with rule 5: admitted once approved
	}{
		{name: "default"},
		{name: "writable root", sec: schemas.Security{WritableRoot: true}},
		{name: "root image", img: &ImageConfig{Entrypoint: []string{"/app"}}, rule: 2},
		{name: "root in a user namespace", sec: schemas.Security{User: "0", UserNamespace: true}},
		{name: "escalation without a user namespace", sec: schemas.Security{AllowPrivilegeEscalation: true}, rule: 4},
		{name: "escalation in a user namespace", sec: schemas.Security{AllowPrivilegeEscalation: true, UserNamespace: true}},
		{name: "net admin on none", sec: schemas.Security{Capabilities: []string{"CAP_NET_ADMIN"}, Network: "none"}, rule: 3},
		{name: "net admin on admin", sec: schemas.Security{Capabilities: []string{"CAP_NET_ADMIN"}, Network: "admin"}, rule: 5, approved: true},
		{name: "sys admin", sec: schemas.Security{Capabilities: []string{"CAP_SYS_ADMIN"}}, rule: 1},
		{name: "another capability", sec: schemas.Security{Capabilities: []string{"CAP_SYS_PTRACE"}}, rule: 5, approved: true},
		{name: "privileged", sec: schemas.Security{Privileged: true}, rule: 5, approved: true},
		{name: "host network", sec: schemas.Security{Network: "host"}, rule: 5, approved: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			image := img
			if tt.img != nil {
				image = *tt.img
			}
			m := &schemas.Manifest{Name: "api", Kind: schemas.KindContainer, Image: "x:1", Port: 8080, Container: &schemas.Container{Security: tt.sec}}
			spec, net, err := Generate(m, image)
			if err != nil {
				t.Fatal(err)
			}
			if spec.Version != OCIVersion || !slices.Contains(spec.Process.Env, "PORT=8080") {
				t.Errorf("version %q, env %v", spec.Version, spec.Process.Env)
			}
			p := Abstract(spec, net)
			err = Judge(p, false)
			var r *Refusal
			switch {
			case tt.rule == 0 && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.rule != 0 && (!errors.As(err, &r) || r.Rule != tt.rule):
				t.Fatalf("Judge = %v, want rule %d", err, tt.rule)
			}
			if tt.rule == 5 && (Judge(p, true) == nil) != tt.approved {
				t.Errorf("with approval: %v", Judge(p, true))
			}
		})
	}
	if _, _, err := Generate(&schemas.Manifest{Image: "x:1", Container: &schemas.Container{}}, ImageConfig{}); err == nil {
		t.Error("an image without entrypoint or command was given a config")
	}
	spec, _, _ := Generate(&schemas.Manifest{Image: "x:1", Port: 80, Container: &schemas.Container{}}, img)
	if got := spec.Process.Args; !slices.Equal(got, []string{"/bin/busybox", "httpd", "-f"}) || spec.Process.Cwd != "/www" || spec.Process.User.UID != 1000 {
		t.Errorf("process %+v", spec.Process)
	}
}

// TestGenerateVolumes: a manifest's volumes become "volume:NAME" bind
// mounts the gatekeeper admits without approval; a volume over a kernel
// path or the root, refused by the manifest, is a host mount to the
// gatekeeper too when a config is made around the manifest.
func TestGenerateVolumes(t *testing.T) {
	img := ImageConfig{User: "1000", Entrypoint: []string{"/bin/busybox", "httpd"}}
	yaml := "name: db\nkind: container\nimage: x:1\nport: 8080\nvolumes:\n  - {name: pgdata, path: /data}\n  - {name: conf, path: /etc/app, read_only: true}\n"
	m, err := schemas.ParseManifest("vault.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	spec, net, err := Generate(m, img)
	if err != nil {
		t.Fatal(err)
	}
	want := []specs.Mount{
		{Destination: "/data", Type: "bind", Source: "volume:pgdata", Options: []string{"rbind", "rw", "nosuid", "nodev"}},
		{Destination: "/etc/app", Type: "bind", Source: "volume:conf", Options: []string{"rbind", "ro", "nosuid", "nodev"}},
	}
	if got := spec.Mounts[len(spec.Mounts)-2:]; !reflect.DeepEqual(got, want) {
		t.Errorf("volume mounts %+v\nwant %+v", got, want)
	}
	p := Abstract(spec, net)
	if p.HostMounts || NeedsApproval(p) || Judge(p, false) != nil {
		t.Errorf("a config with volumes: profile %+v, judged %v", p, Judge(p, false))
	}

	for _, dest := range []string{"/proc", "/", "/sys/fs/cgroup", "/dev/shm"} {
		t.Run("ErrHostMount"+dest, func(t *testing.T) {
			bad := "name: db\nkind: container\nimage: x:1\nport: 8080\nvolumes: [{name: pgdata, path: " + dest + "}]\n"
			if _, err := schemas.ParseManifest("vault.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "5:") {
				t.Errorf("ParseManifest of a volume at %s = %v, want refused at its line", dest, err)
			}
			m := &schemas.Manifest{Name: "db", Kind: schemas.KindContainer, Image: "x:1", Port: 8080,
				Container: &schemas.Container{Volumes: []schemas.VolumeMount{{Name: "pgdata", Path: dest}}}}
			spec, net, err := Generate(m, img)
			if err != nil {
				t.Fatal(err)
			}
			var r *Refusal
			if err := Judge(Abstract(spec, net), false); !errors.As(err, &r) || r.Rule != 5 || !strings.Contains(r.Field, "from volume:pgdata") {
				t.Fatalf("Judge = %v, want rule 5 naming the volume's mount", err)
			}
		})
	}
}
