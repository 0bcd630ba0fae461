package cli

import (
	"strings"
	"testing"
)

// TestCompletion asks cobra's completion entry point (what the shell
// scripts of vault completion call) against a node: function names for
// a lifecycle command, NAME@ then NAME@vN for activate, and nothing from
// a node that is not there.
func TestCompletion(t *testing.T) {
	n := startTestNode(t)
	srv := "nats://" + n.nats
	mustRun(t, "deploy", writeLoggingFunction(t, "echo"), "--server", srv)
	mustRun(t, "deploy", writeLoggingFunction(t, "other"), "--server", srv)
	complete := func(args ...string) []string {
		out := mustRun(t, append([]string{"__complete"}, args...)...)
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if !strings.HasPrefix(line, ":") { // the directive line
				got = append(got, line)
			}
		}
		return got
	}
	if got := complete("pause", "--server", srv, "e"); len(got) != 1 || got[0] != "echo" {
		t.Errorf("pause e<TAB>: %q", got)
	}
	if got := complete("inspect", "--server", srv, ""); len(got) != 2 || got[0] != "echo" || got[1] != "other" {
		t.Errorf("inspect <TAB>: %q", got)
	}
	if got := complete("activate", "--server", srv, "ec"); len(got) != 1 || got[0] != "echo@" {
		t.Errorf("activate ec<TAB>: %q", got)
	}
	if got := complete("activate", "--server", srv, "echo@"); len(got) != 1 || got[0] != "echo@v1" {
		t.Errorf("activate echo@<TAB>: %q", got)
	}
	if got := complete("pause", "--server", "nats://127.0.0.1:1", ""); len(got) != 0 {
		t.Errorf("with no node: %q", got)
	}
}
