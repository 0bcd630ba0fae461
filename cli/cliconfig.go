package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vault-runtime/vault/schemas"
)

// CLIConfigFile is the CLI's own settings in $VAULT_CONFIG: today the
// node to talk to, for when $VAULT_SERVER is not set.
//
//	server: nats://edge1.example.com:4222
const CLIConfigFile = "config.yaml"

// cliConfig is what CLIConfigFile holds.
type cliConfig struct {
	Server string
}

// loadCLIConfig reads CLIConfigFile; a missing file is an empty config,
// a wrong one an error naming file:line:col.
func loadCLIConfig() (cliConfig, error) {
	var cfg cliConfig
	dir, err := configDir()
	if err != nil {
		return cfg, nil
	}
	file := filepath.Join(dir, CLIConfigFile)
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, err
	}
	r := schemas.NewYAMLReader(file, data)
	if doc := r.Document(); doc != nil {
		r.Fields(doc, schemas.Mapping{Keys: []string{"server"}, NotMapping: CLIConfigFile + " must be a mapping (server: URL)"}, func(key, val *yaml.Node) {
			s, ok := r.String(val)
			if !ok {
				return
			}
			if !strings.Contains(s, "://") {
				r.Failf(val, "server %q: want a NATS URL such as nats://127.0.0.1:4222", s)
				return
			}
			cfg.Server = s
		})
	}
	return cfg, r.Finish(CLIConfigFile)
}

// serverDefault is --server's default: $VAULT_SERVER, else the config
// file's server, else the local node's.
func serverDefault() string {
	if s := os.Getenv("VAULT_SERVER"); s != "" {
		return s
	}
	if cfg, err := loadCLIConfig(); err == nil && cfg.Server != "" {
		return cfg.Server
	}
	return defaultServer
}
