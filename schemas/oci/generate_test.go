package oci

import (
	"errors"
	"slices"
	"testing"

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
