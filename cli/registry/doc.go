// Package registry moves OCI images between registries and the ledger's
// artifact store: Pull resolves a reference (a tag to the digest it names
// now, an index to the manifest for the node's platform), stores the
// manifest, config and every layer blob the store lacks, and returns the
// image.pulled body that records them; Push writes a stored image to a
// registry under a new name.
//
// It is a thin layer over go-containerregistry's remote package: that
// library speaks the distribution API (Docker v2 and OCI manifests,
// indexes, Basic and Bearer token auth, chunked uploads, cross-repository
// mounts) and verifies what it reads. This package adds what Vault needs
// around it: retries on 5xx and broken connections, refusal messages that
// say what to do (401: log in; 404: no such tag), a Store interface the
// CLI backs with the node's artifact store, and credentials that the CLI
// keeps encrypted (Credentials) or finds in ~/.docker/config.json.
package registry
