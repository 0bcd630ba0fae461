// Package schemas holds Vault's user-facing formats: the function manifest
// (vault.yaml), route patterns and the artifact binary format, with
// validation errors that carry file:line:col, and YAMLReader, the one
// reader of YAML files (the manifest, the node config) that places them.
// It knows nothing of NATS, pebble or HTTP.
package schemas
