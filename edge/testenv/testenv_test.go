package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMissing runs this test binary again with and without CI set, with a
// test that calls Missing, and reads the verdict from its output.
func TestMissing(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") != "" {
		Missing(t, "the %s is not installed", "frobnicator")
		return
	}
	for _, tc := range []struct {
		name string
		ci   string
		want string // in the child's -test.v output
		fail bool
	}{
		{"SkipsOutsideCI", "", "--- SKIP: TestMissing", false},
		{"FailsInCI", "true", "--- FAIL: TestMissing", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMissing$", "-test.v")
			cmd.Env = append(os.Environ(), "TESTENV_CHILD=1", "CI="+tc.ci)
			out, err := cmd.CombinedOutput()
			if failed := err != nil; failed != tc.fail {
				t.Errorf("child failed = %v (%v), want %v:\n%s", failed, err, tc.fail, out)
			}
			if !strings.Contains(string(out), tc.want) || !strings.Contains(string(out), "the frobnicator is not installed") {
				t.Errorf("child output lacks %q and the reason:\n%s", tc.want, out)
			}
		})
	}
}
