package h2

import (
	"bufio"
	"bytes"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/vault-runtime/vault/edge/testenv"
)

// h2specPath finds the h2spec binary ($VAULT_H2SPEC, else where `make
// tools` installs it; see testenv.Tool), "" if there is none.
func h2specPath() string { return testenv.Tool("h2spec") }

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
