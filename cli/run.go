package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/vault-runtime/vault/ledger"
)

func runCommand() *cobra.Command {
	var server, name, health string
	var routes []string
	var port int
	var wait waitFlags
	cmd := &cobra.Command{
		Use:   "run --name NAME --route ROUTE --port PORT IMAGE",
		Short: "Deploy an image as a container and activate it, in one step",
		Long: `Run writes the manifest a container needs (kind: container, the image, its port,
routes and an optional health path, the restricted security defaults), deploys it
as the next version of NAME (or says it is unchanged) and activates that version,
waiting (--wait, on by default) until every node serves it. The image must be in
the ledger (vault image pull or vault image load). For volumes, networks and
security settings, write a vault.yaml and use vault deploy.`,
		Example: "  vault run --name web --route '/web/*' --port 8080 registry.example.com/web:2",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImage(cmd.Context(), commandInvocation(cmd, server), name, args[0], port, routes, health, wait)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().StringVar(&name, "name", "", "the function's name (required)")
	cmd.Flags().StringArrayVar(&routes, "route", nil, "a route the container answers (repeatable; required)")
	cmd.Flags().IntVar(&port, "port", 0, "the TCP port the container serves HTTP on (required)")
	cmd.Flags().StringVar(&health, "health", "", "a path that answers 2xx or 3xx once the container is ready")
	wait.addFlags(cmd)
	cmd.Flags().Lookup("wait").DefValue = "true"
	wait.on = true
	for _, f := range []string{"name", "route", "port"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

// runManifest is the vault.yaml run writes.
type runManifest struct {
	Name   string   `yaml:"name"`
	Kind   string   `yaml:"kind"`
	Image  string   `yaml:"image"`
	Port   int      `yaml:"port"`
	Health string   `yaml:"health,omitempty"`
	Routes []string `yaml:"routes"`
}

// runImage deploys image as the next version of name and activates it.
func runImage(ctx context.Context, iv invocation, name, image string, port int, routes []string, health string, wait waitFlags) error {
	dir, err := os.MkdirTemp("", "vault-run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	manifest, err := yaml.Marshal(runManifest{Name: name, Kind: "container", Image: image, Port: port, Health: health, Routes: routes})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "vault.yaml"), manifest, 0o600); err != nil {
		return err
	}
	if err := deploy(ctx, iv, dir, deployOptions{}); err != nil {
		return err
	}
	c, _, f, err := iv.dialFunction(ctx, "run", name)
	if err != nil {
		return err
	}
	c.Close()
	v := len(f.Versions)
	if f.Active == v && f.Canary == 0 && string(f.State) == "active" {
		fmt.Fprintf(iv.out, "%s@v%d already serves\n", name, v)
		return nil
	}
	if err := activate(ctx, iv, fmt.Sprintf("%s@v%d", name, v), 100, ledger.AppendOptions{}, wait, changeReport{}); err != nil {
		return fmt.Errorf("run %s: deployed v%d, but: %w", name, v, err)
	}
	return nil
}
