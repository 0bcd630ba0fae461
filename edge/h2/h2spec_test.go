package h2

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/edge/testenv"
)

// h2specPath finds the h2spec binary: $VAULT_H2SPEC, else where `go
// install` puts it ($GOBIN, else bin under the first GOPATH entry, which
// is where `make tools` installs it), else ~/go/bin, else PATH. It
// returns "" if there is none.
func h2specPath() string {
	if p := os.Getenv("VAULT_H2SPEC"); p != "" {
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
		if p := filepath.Join(dir, "h2spec"); fileExists(p) {
			return p
		}
	}
	p, _ := exec.LookPath("h2spec")
	return p
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

var h2specSummary = regexp.MustCompile(`(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed`)

// TestH2Spec runs the h2spec conformance suite against an in-process server, over h2c and TLS.
func TestH2Spec(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs h2spec")
	}
	bin := h2specPath()
	if bin == "" {
		testenv.Missing(t, "h2spec not installed: run make tools, or set VAULT_H2SPEC to its path")
	}
	for _, useTLS := range []bool{false, true} {
		name := "h2c"
		if useTLS {
			name = "TLS"
		}
		t.Run(name, func(t *testing.T) {
			ts := startServer(t, Config{}, &testHandler{}, useTLS)
			_, port, _ := net.SplitHostPort(ts.addr)
			args := []string{"-h", "127.0.0.1", "-p", port, "-o", "5"}
			if useTLS {
				args = append(args, "-t", "-k")
			}
			out, err := exec.Command(bin, args...).CombinedOutput()
			m := h2specSummary.FindSubmatch(out)
			if m == nil {
				t.Fatalf("h2spec: %v\n%s", err, out)
			}
			t.Logf("h2spec %s: %s", name, m[0])
			if string(m[4]) != "0" {
				t.Errorf("h2spec failures:\n%s", failures(out))
			}
		})
	}
}

// failures extracts the "Failures:" section of h2spec's output.
func failures(out []byte) string {
	i := bytes.Index(out, []byte("Failures:"))
	if i < 0 {
		return string(out)
	}
	var b strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(out[i:]))
	for sc.Scan() {
		b.WriteString(sc.Text())
		b.WriteByte('\n')
	}
	return b.String()
}
