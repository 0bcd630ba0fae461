// Package integration runs the real vault binary: an embedded NATS with
// JetStream, pebble and HTTP/2 over loopback, in temporary directories.
package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// vaultBin is the binary under test, built once by TestMain.
var vaultBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "vault-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	vaultBin = filepath.Join(dir, "vault")
	// VAULT_BUILD_TAGS builds the binary with extra tags: vaultpprof
	// serves Go's profiler on VAULT_PPROF (cli/pprof.go), to profile a
	// node under make bench-peers' load.
	build := exec.Command("go", "build", "-tags", os.Getenv("VAULT_BUILD_TAGS"), "-o", vaultBin, "..")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build vault:", err)
		return 1
	}
	return m.Run()
}
