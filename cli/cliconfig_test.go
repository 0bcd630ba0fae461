package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServerFromConfigFile: --server defaults to $VAULT_SERVER, else to
// server: in $VAULT_CONFIG/config.yaml; a config file that does not read
// stops every command with its file:line:col.
func TestServerFromConfigFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("VAULT_CONFIG", dir)
	t.Setenv("VAULT_SERVER", "")
	os.Unsetenv("VAULT_SERVER")
	run := func(args ...string) (int, string) {
		var out, errb strings.Builder
		code := Run(context.Background(), args, &out, &errb)
		return code, out.String() + errb.String()
	}
	if _, out := run("ls", "--help"); !strings.Contains(out, `(default "`+defaultServer+`")`) {
		t.Errorf("without a config file, --server's default is not %s:\n%s", defaultServer, out)
	}
	file := filepath.Join(dir, CLIConfigFile)
	os.WriteFile(file, []byte("# where my node is\nserver: nats://127.0.0.1:14999\n"), 0o600)
	if _, out := run("ls", "--help"); !strings.Contains(out, `(default "nats://127.0.0.1:14999")`) {
		t.Errorf("the config file's server is not --server's default:\n%s", out)
	}
	t.Setenv("VAULT_SERVER", "nats://127.0.0.1:15999")
	if _, out := run("ls", "--help"); !strings.Contains(out, `(default "nats://127.0.0.1:15999")`) {
		t.Errorf("$VAULT_SERVER does not come first:\n%s", out)
	}
	os.WriteFile(file, []byte("server: nats://x:1\nsevrer: y\n"), 0o600)
	if code, out := run("ls"); code == 0 || !strings.Contains(out, CLIConfigFile+`:2:1: unknown key "sevrer"`) {
		t.Errorf("a config file with a typo: exit %d, %s", code, out)
	}
	os.WriteFile(file, []byte("server: 127.0.0.1:4222\n"), 0o600)
	if code, out := run("ls"); code == 0 || !strings.Contains(out, CLIConfigFile+`:1:9: server "127.0.0.1:4222": want a NATS URL`) {
		t.Errorf("a server that is not a URL: exit %d, %s", code, out)
	}
}
