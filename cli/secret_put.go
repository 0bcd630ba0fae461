package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// maxSecretValue bounds a value, so that its ciphertext to many node keys
// stays under events.MaxSecretCiphertext.
const maxSecretValue = 32 << 10

func secretPutCommand() *cobra.Command {
	var server string
	var opts ledger.AppendOptions
	cmd := &cobra.Command{
		Use:   "put NAME KEY",
		Short: "Set a function's secret KEY (env.KEY), typed without echo or read from stdin",
		Long: `Put reads the value from the terminal without echoing it, or, when stdin is not a
terminal, all of stdin (one trailing newline is dropped). It encrypts the value
with age to every node key the ledger trusts and to your operator key, and
appends a signed secret.put event (deploy role) carrying only the ciphertext.
The function's served versions are compiled again with the new value; the
function reads it as env.KEY. A key is a letter or _ followed by letters,
digits or _. A secret may not share its name with a var of the function's
vault.yaml: the node refuses the put, and a deploy that adds such a var.`,
		Example: "  vault secret put shop STRIPE_KEY\n  printf %s \"$TOKEN\" | vault secret put shop API_TOKEN",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, key := args[0], args[1]
			op := fmt.Sprintf("secret put %s %s", name, key)
			if !events.ValidSecretKey(key) {
				return fmt.Errorf("%s: a key is a letter or _ then letters, digits or _ (at most 64), like an environment variable", op)
			}
			ctx := cmd.Context()
			c, snap, _, err := commandInvocation(cmd, server).dialFunction(ctx, "secret put", name)
			if err != nil {
				return err
			}
			defer c.Close()
			value, err := readSecretValue(cmd.ErrOrStderr(), name, key)
			if err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			defer clear(value)
			s, err := newSealer(snap.State, op)
			if err != nil {
				return err
			}
			put, err := s.seal(name, key, value)
			if err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			res, after, err := signAndAppend(ctx, c, events.TypeSecretPut, name, put, opts)
			if err != nil {
				return opError(op, err)
			}
			if err := reportApplied(cmd.OutOrStdout(), after, res.Seq, name, op); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "secret %s of %s set at seq %d, encrypted to %d node key(s) and yours (%s)\n",
				key, name, res.Seq, len(s.nodes), s.operator.ID)
			reportWarm(out, after, name, res.Seq)
			return nil
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().Uint64Var(&opts.ExpectHead, "expect-head", 0, "append only if the ledger's last record is this sequence")
	return cmd
}

// readSecretValue reads a value typed on the terminal without echo, or
// all of stdin when it is not a terminal.
func readSecretValue(prompts io.Writer, name, key string) ([]byte, error) {
	fd := int(os.Stdin.Fd())
	var value []byte
	if term.IsTerminal(fd) {
		fmt.Fprintf(prompts, "Value of %s for %s: ", key, name)
		v, err := term.ReadPassword(fd)
		fmt.Fprintln(prompts)
		if err != nil {
			return nil, fmt.Errorf("read the value: %w", err)
		}
		value = v
	} else {
		v, err := readPipedValue(os.Stdin)
		if err != nil {
			return nil, err
		}
		value = v
	}
	switch {
	case len(value) == 0:
		return nil, errors.New("empty value (to delete a secret: vault secret rm)")
	case len(value) > maxSecretValue:
		clear(value)
		return nil, fmt.Errorf("the value is over %d bytes: a secret is a token or a key, not a file", maxSecretValue)
	}
	return value, nil
}

// readPipedValue reads a value from a pipe or file: all of it but one
// final newline (echo adds it), and one byte more than a value may
// have, so that a longer one is noticed.
func readPipedValue(r io.Reader) ([]byte, error) {
	value, err := io.ReadAll(io.LimitReader(r, maxSecretValue+2))
	if err != nil {
		return nil, fmt.Errorf("read the value from stdin: %w", err)
	}
	if bytes.HasSuffix(value, []byte("\r\n")) {
		return value[:len(value)-2], nil
	}
	return bytes.TrimSuffix(value, []byte("\n")), nil
}
