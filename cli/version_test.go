package cli

import (
	"bytes"
	"context"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionOf(t *testing.T) {
	t.Run("Stamped", func(t *testing.T) {
		info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.9.0"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "9f3e203abc"}, {Key: "vcs.time", Value: "2026-12-07T15:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
		got := versionOf(info)
		for _, want := range []string{"vault v0.9.0", "commit 9f3e203abc (2026-12-07T15:00:00Z) with uncommitted changes", "built with go1.26.8"} {
			if !strings.Contains(got, want) {
				t.Errorf("%q lacks %q", got, want)
			}
		}
	})
	t.Run("Unstamped", func(t *testing.T) {
		got := versionOf(&debug.BuildInfo{GoVersion: "go1.26.8"})
		if !strings.Contains(got, "vault (devel)") || !strings.Contains(got, "commit unknown") {
			t.Errorf("got %q", got)
		}
	})
}

func TestVersionPrintsGo(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"--version"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "vault ") || !strings.Contains(out.String(), runtime.Version()) {
		t.Errorf("vault --version printed %q", out.String())
	}
}
