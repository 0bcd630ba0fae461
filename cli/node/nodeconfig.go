package node

import (
	"github.com/vault-runtime/vault/schemas"
)

// The node config file (vault serve --config FILE) is YAML; examples/node.yaml
// documents every key. It is read the way vault.yaml is: every problem is
// reported with its file:line:col, unknown keys are errors, and each
// section's own Validate (h2.Config, sched.Config, shield.Config) has the
// last word, its complaint placed at the key it names.
//
// Values: addresses and paths are strings (relative paths are relative to
// the working directory, as for flags); durations are Go durations ("10s",
// "1m30s"); sizes are whole bytes or a whole number of KiB, MiB or GiB
// ("16KiB", "1MiB"), in the file and in size flags alike; counts are whole
// numbers; zero means the default wherever the Go config says so.

// serveTarget is where a config file's values land: the node's Config and
// the level of the logger the caller makes.
type serveTarget struct {
	cfg      *Config
	logLevel *string
}

// ParseConfigFile overlays the config file's settings (data, read from
// file) on cfg and logLevel; file names it in errors, which are
// schemas.PosErrors.
func ParseConfigFile(file string, data []byte, cfg *Config, logLevel *string) error {
	return parseNodeConfig(file, data, serveTarget{cfg, logLevel})
}

// parseNodeConfig overlays the file's settings on t; file names it in errors.
func parseNodeConfig(file string, data []byte, t serveTarget) error {
	p := &configParser{schemas.NewYAMLReader(file, data)}
	root := p.Document()
	if root == nil {
		return p.Err() // nil for an empty file: the defaults
	}
	p.root(root, t)
	return p.Finish("a node config")
}
