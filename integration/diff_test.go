package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/edge/testenv"
)

// TestDiffDeno is the differential suite of issue 16: real apps on real npm
// packages (testdata/diff/<app>: vault.yaml, src, package.json and its
// lockfile; `npm ci` installs them), each bundled as `vault deploy`
// bundles it, served by a Vault node and by Deno running the same bundle
// (testdata/diff/deno-serve.ts). Every request of the app's requests.json
// goes to both; status, headers (all but diffIgnoredHeaders) and body must
// be the same. It logs a table per app and "N of M requests matched" per
// app and overall, and fails on any mismatch.
//
// Deno comes from VAULT_DIFF_DENO or `make deno` ($HOME/.cache/vault-peers);
// VAULT_DIFF_SHOW=1 also logs what Deno answered to every request.
func TestDiffDeno(t *testing.T) {
	e := newEnv(t) // first: it skips with -short
	deno := diffDenoBinary(t)
	apps := diffApps(t)
	e.mustVault("", "init", "--data", e.data)
	n := e.serve(nodeOptions{})
	vaultURL := "http://" + n.h2c
	runDiff(t, deno, apps, "vault", func(t *testing.T, dir string) (string, error) {
		return vaultURL, vaultPeer(e, n, dir)
	})
}

// TestDiffDenoAgainstItself runs the suite with a second Deno in Vault's
// place, and so checks the suite rather than Vault: every answer must be
// the same, or an app answers something random or time-dependent, or the
// comparison sees a difference that is not one.
func TestDiffDenoAgainstItself(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	deno := diffDenoBinary(t)
	apps := diffApps(t)
	runDiff(t, deno, apps, "deno2", func(t *testing.T, dir string) (string, error) {
		return denoPeer(t, deno, dir), nil
	})
}

// diffBudget bounds the time the suite spends asking the compared peer:
// one that hangs on every request would otherwise hold CI for
// diffClient's timeout times the number of requests. Deno answers the
// whole suite in a few seconds.
const diffBudget = 90 * time.Second

// runDiff sends every app's requests to Deno and to the peer that start
// gives for the app's directory, named other in the report, and compares
// the answers. An error from start counts every request of that app as a
// mismatch and names the error once.
func runDiff(t *testing.T, deno string, apps []string, other string, start func(t *testing.T, dir string) (string, error)) {
	ph := diffPlaceholders{"UPSTREAM": diffUpstream(t)}
	client := diffClient()
	show := os.Getenv("VAULT_DIFF_SHOW") != ""
	budget := time.Now().Add(diffBudget)

	var total, matched int
	var summary []string
	for _, app := range apps {
		dir := filepath.Join("testdata", "diff", app)
		reqs, err := loadDiffRequests(filepath.Join(dir, "requests.json"))
		if err != nil {
			t.Fatal(err)
		}
		var ok int
		ran := false // false when -run leaves the app out
		t.Run(app, func(t *testing.T) {
			ran = true
			denoURL := denoPeer(t, deno, dir)
			otherURL, startErr := start(t, dir)
			rows := []string{fmt.Sprintf("%-60s %s", app+": request", "result")}
			if startErr != nil {
				rows = append(rows, fmt.Sprintf("  %s does not serve the app: %v", other, startErr))
			}
			for _, r := range reqs {
				d := r.ask(client, denoURL, ph)
				if d.err == nil && d.status != r.Status {
					t.Errorf("%s: deno answered %d, requests.json expects %d: the suite, not %s, is wrong here:\n%s",
						r.Name, d.status, r.Status, other, clipBody(d.body))
				}
				if d.err == nil && r.Streamed && !d.streamed() {
					t.Errorf("%s: deno's first event came only %v before the end, not %v: the app must pause longer",
						r.Name, d.early, diffStreamEarly)
				}
				if show {
					t.Logf("deno %s %s -> %d %v %v\n%s", r.Method, r.Path, d.status, d.err, comparedHeaders(d.header), clipBody(d.body))
				}
				var diffs []string
				switch {
				case startErr != nil:
					diffs = []string{other + " does not serve the app (above)"}
				case time.Now().After(budget):
					diffs = []string{fmt.Sprintf("not sent to %s: the suite's %v budget is spent", other, diffBudget)}
				default:
					diffs = diffAnswers(d, r.ask(client, otherURL, ph), other)
				}
				label := fmt.Sprintf("  %s %s (%s)", r.Method, r.Path, r.Name)
				if len(diffs) == 0 {
					ok++
					rows = append(rows, fmt.Sprintf("%-60s match", label))
					continue
				}
				rows = append(rows, fmt.Sprintf("%-60s MISMATCH", label))
				for _, d := range diffs {
					rows = append(rows, "      "+d)
				}
			}
			line := fmt.Sprintf("%s: %d of %d requests matched", app, ok, len(reqs))
			t.Log("\n" + strings.Join(rows, "\n") + "\n" + line)
			if ok != len(reqs) {
				t.Error(line)
			}
		})
		if !ran {
			continue
		}
		total += len(reqs)
		matched += ok
		summary = append(summary, fmt.Sprintf("%s %d/%d", app, ok, len(reqs)))
	}
	t.Logf("differential suite, deno against %s: %d of %d requests matched (%s)", other, matched, total, strings.Join(summary, ", "))
}

// diffDenoBinary finds the Deno the suite compares with.
func diffDenoBinary(t *testing.T) string {
	deno := os.Getenv("VAULT_DIFF_DENO")
	if deno == "" {
		home, _ := os.UserHomeDir()
		deno = filepath.Join(home, ".cache", "vault-peers", "node_modules", "@deno", "linux-x64-glibc", "deno")
	}
	if _, err := os.Stat(deno); err != nil {
		testenv.Missing(t, "the differential suite needs Deno at %s (run `make deno`, or set VAULT_DIFF_DENO)", deno)
	}
	return deno
}

// diffApps lists the apps under testdata/diff, each a directory with a
// vault.yaml, and checks that npm ci has installed the packages its
// lockfile names.
func diffApps(t *testing.T) []string {
	entries, err := os.ReadDir(filepath.Join("testdata", "diff"))
	if err != nil {
		t.Fatal(err)
	}
	var apps []string
	for _, ent := range entries {
		dir := filepath.Join("testdata", "diff", ent.Name())
		if _, err := os.Stat(filepath.Join(dir, "vault.yaml")); !ent.IsDir() || err != nil {
			continue
		}
		lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
		if err != nil {
			t.Fatalf("%s: every app commits its package-lock.json: %v", dir, err)
		}
		var l struct {
			Packages map[string]json.RawMessage `json:"packages"`
		}
		if err := json.Unmarshal(lock, &l); err != nil {
			t.Fatalf("%s/package-lock.json: %v", dir, err)
		}
		for pkg := range l.Packages {
			if pkg == "" {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, pkg, "package.json")); err != nil {
				testenv.Missing(t, "%s is not installed: run `npm ci --no-audit --no-fund` in %s (`make diff-deps`)", pkg, dir)
			}
		}
		apps = append(apps, ent.Name())
	}
	slices.Sort(apps)
	if len(apps) == 0 {
		t.Fatal("no apps under testdata/diff")
	}
	return apps
}

func clipBody(b []byte) string {
	if len(b) > 400 {
		return fmt.Sprintf("%q…", b[:400])
	}
	return fmt.Sprintf("%q", b)
}
