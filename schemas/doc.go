// Package schemas holds Vault's user-facing formats: the function manifest
// (vault.yaml), route patterns and the artifact binary format, with
// validation errors that carry file:line:col. It knows nothing of NATS,
// pebble or HTTP.
package schemas
