// Command vault is a self-hosted edge runtime for JavaScript functions
// with a signed, verifiable ledger. See the cli package.
package main

import "github.com/vault-runtime/vault/cli"

func main() { cli.Main() }
