package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/projector/fold"
)

// imageConfig is what inspect shows of an OCI image config.
type imageConfig struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Config       struct {
		User         string              `json:"User,omitempty"`
		Entrypoint   []string            `json:"Entrypoint,omitempty"`
		Cmd          []string            `json:"Cmd,omitempty"`
		Env          []string            `json:"Env,omitempty"`
		WorkingDir   string              `json:"WorkingDir,omitempty"`
		ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	} `json:"config"`
}

// inspected is what `vault image inspect --json` prints.
type inspected struct {
	*fold.Image
	Config   imageConfig     `json:"imageConfig"`
	Manifest json.RawMessage `json:"rawManifest"`
}

func imageInspectCommand() *cobra.Command {
	var server string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect IMAGE",
		Short: "Show an image: pulls, platform, config (entrypoint, user, env, ports) and layers, read from the store",
		Example: "  vault image inspect registry.example.com/team/api:1.4\n" +
			"  vault image inspect sha256:3f2a…",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return imageInspect(cmd.Context(), commandInvocation(cmd, server), args[0], asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the image, its config and its manifest as JSON")
	addServerFlag(cmd, &server)
	return cmd
}

// imageInspect prints image ref, its config and layers, read from the
// node's store.
func imageInspect(ctx context.Context, iv invocation, ref string, asJSON bool) error {
	c, img, err := dialImage(ctx, iv, ref)
	if err != nil {
		return err
	}
	defer c.Close()
	store, err := openNodeStore(ctx, c)
	if err != nil {
		return err
	}
	var out inspected
	out.Image = img
	if out.Manifest, err = store.ReadDocument(ctx, img.Manifest.Digest); err != nil {
		return fmt.Errorf("inspect %s: manifest: %w", ref, err)
	}
	raw, err := store.ReadDocument(ctx, img.Config.Digest)
	if err != nil {
		return fmt.Errorf("inspect %s: config: %w", ref, err)
	}
	if err := json.Unmarshal(raw, &out.Config); err != nil {
		return fmt.Errorf("inspect %s: config: %w", ref, err)
	}
	w := iv.out
	if asJSON {
		return printJSON(w, out)
	}
	cfg := out.Config.Config
	fmt.Fprintf(w, "image     %s\nplatform  %s\nsize      %s (%d layers)\n", img.Digest, img.Platform, size(img.Size), len(img.Layers))
	for _, p := range img.Pulls {
		fmt.Fprintf(w, "pulled    %s:%s at seq %d by %s\n", p.Repository, p.Tag, p.Seq, strings.Join(p.By, ", "))
	}
	fmt.Fprintf(w, "entrypoint %q\ncmd       %q\nuser      %s\nworkdir   %s\n", cfg.Entrypoint, cfg.Cmd, cfg.User, cfg.WorkingDir)
	for _, e := range cfg.Env {
		fmt.Fprintf(w, "env       %s\n", e)
	}
	var ports []string
	for p := range cfg.ExposedPorts {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	fmt.Fprintf(w, "ports     %s\nconfig    %s\n", strings.Join(ports, " "), img.Config.Digest)
	for i, l := range img.Layers {
		fmt.Fprintf(w, "layer %-3d %s %9s %s\n", i+1, l.Digest, size(l.Size), l.MediaType)
	}
	return nil
}
