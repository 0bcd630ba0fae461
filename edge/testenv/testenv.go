// Package testenv decides what a test does when the machine lacks
// something it needs: a tool such as h2spec, or data kept outside the
// repository. On a developer's machine it skips; in CI, which is meant to
// have everything (.ci/run installs it), a skip would hide a test that
// never ran, so it fails instead.
package testenv

import (
	"fmt"
	"os"
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
