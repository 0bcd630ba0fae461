// Package testenv decides what a test does when the machine lacks
// something it needs: a tool such as h2spec, or data kept outside the
// repository. On a developer's machine it skips; in CI, which is meant to
// have everything (.ci/run installs it), a skip would hide a test that
// never ran, so it fails instead.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CI reports whether the tests run in CI: the environment variable CI is
// set and not empty, as CI services set it (CI=true).
func CI() bool { return os.Getenv("CI") != "" }

// Missing ends the test because something it needs is not there: a skip
// with the reason, or, in CI, a failure. The reason should say how to get
// what is missing.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatalf("%s (CI is set: a missing prerequisite fails the test rather than skip it)", reason)
	}
	t.Skip(reason)
}

// Tool finds the binary of a tool `make tools` installs: $VAULT_<NAME>
// (upper case), else where `go install` puts it ($GOBIN, else bin under
// the first GOPATH entry), else ~/go/bin, else PATH. It returns "" if
// there is none.
func Tool(name string) string {
	if p := os.Getenv("VAULT_" + strings.ToUpper(name)); p != "" {
		return p
	}
	var dirs []string
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		lines := strings.Split(string(out), "\n")
		if len(lines) >= 2 {
			if gobin := strings.TrimSpace(lines[0]); gobin != "" {
				dirs = append(dirs, gobin)
			}
			if gopath, _, _ := strings.Cut(strings.TrimSpace(lines[1]), string(os.PathListSeparator)); gopath != "" {
				dirs = append(dirs, filepath.Join(gopath, "bin"))
			}
		}
	}
	if gopath, _, _ := strings.Cut(os.Getenv("GOPATH"), string(os.PathListSeparator)); gopath != "" {
		dirs = append(dirs, filepath.Join(gopath, "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	p, _ := exec.LookPath(name)
	return p
}
