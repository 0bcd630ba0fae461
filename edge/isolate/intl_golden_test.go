package isolate

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The golden fixtures in testdata/intl hold JS expressions and what Deno
// printed for them; TestIntlMatchesDeno runs each expression in an
// isolate and wants the same. go test -run TestIntlMatchesDeno -update
// re-runs the expressions in Deno (the binary named by $DENO, or the one
// npm installs with
// npm install --prefix /tmp/intl-deno @deno/linux-x64-glibc) and rewrites
// the wants, with the Deno version and the command.
var intlUpdate = flag.Bool("update", false, "rewrite testdata/intl/*.json from Deno's output")

type intlFixture struct {
	Deno    string         `json:"deno"`
	Command string         `json:"command"`
	Cases   []intlGoldCase `json:"cases"`
}

// intlGoldCase is one expression. Known, when set, says why Vault is
// known to differ from Deno there: the case is logged, not compared.
type intlGoldCase struct {
	JS    string `json:"js"`
	Want  string `json:"want"`
	Known string `json:"known,omitempty"`
}

// intlHarness evaluates each source text the same way in both runtimes:
// the value as JSON, or "throws" and the error's name.
const intlHarness = `(srcs) => srcs.map((src) => {
  try { return JSON.stringify((0, eval)(src)); } catch (e) { return "throws " + (e && e.name); }
})`

const intlDenoDefault = "/tmp/intl-deno/node_modules/@deno/linux-x64-glibc/deno"

func TestIntlMatchesDeno(t *testing.T) {
	files, _ := filepath.Glob("testdata/intl/*.json")
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata/intl")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			var fx intlFixture
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &fx); err != nil {
				t.Fatal(err)
			}
			srcs := make([]string, len(fx.Cases))
			for i, c := range fx.Cases {
				srcs[i] = c.JS
			}
			if *intlUpdate {
				intlUpdateFixture(t, file, &fx, srcs)
			}
			got := intlRunVault(t, srcs)
			for i, c := range fx.Cases {
				if c.Known != "" {
					t.Logf("known difference (%s): %s: got %s, Deno %s", c.Known, c.JS, got[i], c.Want)
					continue
				}
				if got[i] != c.Want {
					t.Errorf("%s\n got %s\nwant %s", c.JS, got[i], c.Want)
				}
			}
		})
	}
}

func intlRunVault(t *testing.T, srcs []string) []string {
	vm := webapiVM(t)
	in, _ := json.Marshal(srcs)
	v, err := vm.RunString("JSON.stringify((" + intlHarness + ")(" + string(in) + "))")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if err := json.Unmarshal([]byte(v.String()), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func intlUpdateFixture(t *testing.T, file string, fx *intlFixture, srcs []string) {
	deno := os.Getenv("DENO")
	if deno == "" {
		deno = intlDenoDefault
	}
	if _, err := os.Stat(deno); err != nil {
		t.Fatalf("-update needs Deno: %v", err)
	}
	in, _ := json.Marshal(srcs)
	script := filepath.Join(t.TempDir(), "golden.js")
	body := "console.log(JSON.stringify((" + intlHarness + ")(" + string(in) + ")));\n"
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(deno, "run", "--quiet", script)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LANG=C", "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("deno: %v", err)
	}
	var wants []string
	if err := json.Unmarshal(out, &wants); err != nil {
		t.Fatal(err)
	}
	ver, _ := exec.Command(deno, "--version").Output()
	fx.Deno = strings.SplitN(string(ver), "\n", 2)[0]
	fx.Command = "TZ=UTC LANG=C deno run golden.js (go test ./edge/isolate -run TestIntlMatchesDeno -update)"
	for i := range fx.Cases {
		fx.Cases[i].Want = wants[i]
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(fx); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
