package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shop-api")
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), args, &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, errs := run("new", dir, "--template", "json-api")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "function shop-api") || !strings.Contains(out, "next: vault dev "+dir) {
		t.Errorf("printed %q", out)
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "vault.yaml"))
	if err != nil || !strings.Contains(string(manifest), "name: shop-api") {
		t.Errorf("vault.yaml: %v\n%s", err, manifest)
	}

	t.Run("ErrNotEmpty", func(t *testing.T) {
		code, _, errs := run("new", dir)
		if code != 1 || !strings.Contains(errs, "exists and is not empty; nothing was written") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
	t.Run("BadName", func(t *testing.T) {
		code, _, errs := run("new", filepath.Join(t.TempDir(), "Shop"))
		if code != 1 || !strings.Contains(errs, "named after the directory") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
	t.Run("UnknownTemplate", func(t *testing.T) {
		code, _, errs := run("new", filepath.Join(t.TempDir(), "x"), "--template", "react")
		if code != 1 || !strings.Contains(errs, "container, hello, hono, json-api") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
}
