package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/cli/scaffold"
	"github.com/vault-runtime/vault/events"
)

func newCommand() *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "new NAME",
		Short: "Create a function's directory from a template: vault.yaml, a TypeScript entry and a README",
		Long: `New creates the directory NAME with a function called after its last element:
a vault.yaml, a TypeScript entry (src/index.ts), a package.json when the
template uses npm packages, and a README saying how to run it. It refuses a
directory that exists and is not empty.

Templates:
  hello      a function that greets (no dependencies)
  hono       a Hono app (run npm ci in it first: package-lock.json pins hono)
  json-api   a small JSON API without dependencies
  container  an OCI image behind the edge (vault deploy; vault dev runs functions only)

Then 'vault dev NAME' runs it on a throwaway node and redeploys it on every save.`,
		Example: "  vault new myfn && vault dev myfn\n  vault new api --template hono && cd api && npm ci && vault dev .",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			abs, err := filepath.Abs(dir)
			if err != nil {
				return fmt.Errorf("vault new %s: %w", dir, err)
			}
			name := filepath.Base(abs)
			if !events.ValidFunctionName(name) {
				return &exitError{1, fmt.Sprintf("vault new: the function is named after the directory, and %q is not a valid name: lower-case letters, digits and dashes, starting with a letter (at most 63)", name)}
			}
			files, err := scaffold.Write(dir, tmpl, name)
			if errors.Is(err, scaffold.ErrNotEmpty) {
				return &exitError{1, fmt.Sprintf("vault new: %s exists and is not empty; nothing was written", dir)}
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "created %s (template %s, function %s): %s\n", dir, tmpl, name, strings.Join(files, ", "))
			if tmpl == "container" {
				fmt.Fprintf(out, "next: vault deploy %s && vault activate %s@v1\n", dir, name)
				return nil
			}
			if tmpl == "hono" {
				fmt.Fprintf(out, "next: cd %s && npm ci && vault dev .\n", dir)
				return nil
			}
			fmt.Fprintf(out, "next: vault dev %s\n", dir)
			return nil
		},
	}
	cmd.Flags().StringVarP(&tmpl, "template", "t", "hello", "template: "+strings.Join(scaffold.Templates(), ", "))
	return cmd
}
