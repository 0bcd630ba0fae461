package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/cli/mcp"
	"github.com/vault-runtime/vault/events"
)

func mcpCommand() *cobra.Command {
	var server, keyPath, listen, proposals string
	var readOnly, allowRemote bool
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Serve Vault's operations as tools to an AI assistant (Model Context Protocol, over stdio)",
		Long: `Mcp runs a Model Context Protocol server on stdin/stdout for an AI assistant:
deploy, activate, rollback, pause, resume, stop, start, retire, kill, logs,
inspect, ls, ps, the image and node commands, network_create, volume_create,
the auditor's view (ledger_log, ledger_verify, ledger_prove, state_at, keys_ls,
explain) and key changes (keys_add, keys_rotate, keys_revoke, keys_grant,
keys_revoke_role) as tools, and ledger records
(vault://ledger/SEQ), the functions (vault://functions) and the latest
checkpoint (vault://checkpoint/latest) as resources.

Every tool that changes something signs with one key, opened when the server
starts: the operator key in $VAULT_CONFIG, or --key FILE. Its passphrase comes
from $VAULT_PASSPHRASE only (stdin is the protocol, and no tool takes a
passphrase). The node judges each record as it judges the CLI's: the assistant
can do what the key's roles allow and nothing else, and a refusal comes back as
a tool error with the node's reason. Give an assistant a key with only the
roles it needs; --read-only offers only the tools that change nothing.

A key change that needs more admin signatures than the server's key gives is
not appended: the proposal, signed by that key, is written to --proposals DIR
for 'vault sign' and 'vault submit', and the tool says how many are missing.

--listen ADDR serves Streamable HTTP on ADDR instead of stdio. It has no
authentication of its own, so ADDR must be a loopback address unless
--allow-remote says otherwise.`,
		Example: `  VAULT_PASSPHRASE=... vault mcp
  vault mcp --read-only --server nats://10.0.0.5:4222
  vault mcp --key ~/.config/vault/assistant.key --listen 127.0.0.1:7070`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if listen != "" && !allowRemote {
				if err := checkLoopback(listen); err != nil {
					return err
				}
			}
			key, err := loadMCPKey(keyPath)
			if err != nil {
				return err
			}
			if proposals == "" {
				dir, err := configDir()
				if err != nil {
					return err
				}
				proposals = filepath.Join(dir, "proposals")
			}
			s := newMCPServer(mcpOps{server: server, key: func() (*events.Signer, error) { return key, nil }, proposals: proposals}, readOnly)
			if listen != "" {
				return serveMCPHTTP(cmd, s, listen)
			}
			err = s.Run(cmd.Context(), &sdk.StdioTransport{})
			if cmd.Context().Err() != nil {
				return nil // interrupted: the normal end
			}
			return err
		},
	}
	addServerFlag(cmd, &server)
	f := cmd.Flags()
	f.StringVar(&keyPath, "key", "", "the key file tools sign with (default: the operator key in $VAULT_CONFIG)")
	f.StringVar(&proposals, "proposals", "", "where key changes that need more admin signatures are written as proposals (default: proposals in $VAULT_CONFIG)")
	f.BoolVar(&readOnly, "read-only", false, "offer only the tools that change nothing")
	f.StringVar(&listen, "listen", "", "serve Streamable HTTP on this loopback address (host:port) instead of stdio")
	f.BoolVar(&allowRemote, "allow-remote", false, "let --listen take a non-loopback address (the server has no authentication of its own)")
	return cmd
}

// newMCPServer is the MCP server whose tools run ops.
func newMCPServer(ops mcpOps, readOnly bool) *sdk.Server {
	return mcp.New(mcp.Config{Ops: ops.ops(), ReadOnly: readOnly})
}

// loadMCPKey opens the key file at path (empty: the operator key) with the
// passphrase in $VAULT_PASSPHRASE: never from the terminal, whose stdin is
// the protocol's.
func loadMCPKey(path string) (*events.Signer, error) {
	if path == "" {
		var err error
		if path, err = operatorKeyPath(); err != nil {
			return nil, err
		}
	}
	passphrase := func() (string, error) {
		if v := os.Getenv(passphraseEnv); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("no passphrase: set %s (vault mcp reads nothing from the terminal: stdin is the protocol)", passphraseEnv)
	}
	s, err := readKeyFile(path, passphrase, os.Stderr)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no key at %s: run 'vault init', set VAULT_CONFIG or pass --key", path)
	}
	return s, err
}

// checkLoopback refuses a listen address that is not on a loopback
// interface.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--listen %s: not a loopback address; the MCP server has no authentication of its own (use 127.0.0.1, or --allow-remote behind your own)", addr)
}

// serveMCPHTTP serves s over Streamable HTTP on addr until the command's
// context ends.
func serveMCPHTTP(cmd *cobra.Command, s *sdk.Server, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("mcp: %w", err)
	}
	srv := &http.Server{
		Handler:           sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s }, nil),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "vault mcp: Streamable HTTP on http://%s/\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("mcp: %w", err)
	case <-cmd.Context().Done():
	}
	// Requests in flight get a moment to finish; a client's open event
	// stream (Streamable HTTP keeps one) never does by itself, so what is
	// left then is closed: an interrupted server is not a failed one.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
		return srv.Close()
	} else if err != nil {
		return err
	}
	return nil
}
