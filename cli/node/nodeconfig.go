package node

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

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
	p := &configParser{file: file}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil // an empty file: the defaults
		}
		return schemas.PosErrors{schemas.YAMLError(file, err)}
	}
	p.root(&doc, t)
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.fail(&extra, "a node config is one YAML document; remove everything from this \"---\" on")
	} else if err != io.EOF {
		p.errs = append(p.errs, schemas.YAMLError(file, err))
	}
	if len(p.errs) > 0 {
		p.errs.Sort()
		return p.errs
	}
	return nil
}

// ParseSize reads a size as the config file writes it (see parseSize), for
// flags that take the same syntax.
func ParseSize(s string, max int64) (int64, error) { return parseSize(s, max) }

// parseSize reads whole bytes or a whole number of KiB, MiB or GiB, at most max.
func parseSize(s string, max int64) (int64, error) {
	num := strings.TrimSpace(s)
	unit := int64(1)
	for suffix, u := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "B": 1} {
		if strings.HasSuffix(num, suffix) && (suffix != "B" || !strings.HasSuffix(num, "iB")) {
			num, unit = strings.TrimSpace(strings.TrimSuffix(num, suffix)), u
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("size %q: want whole bytes or a whole number of KiB, MiB or GiB, such as 16KiB", s)
	}
	if n > max/unit {
		return 0, fmt.Errorf("size %q: at most %d bytes", s, max)
	}
	return n * unit, nil
}
