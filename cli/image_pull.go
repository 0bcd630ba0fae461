package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/cli/registry"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/schemas"
	"github.com/vault-runtime/vault/schemas/oci"
)

func imagePullCommand() *cobra.Command {
	var server string
	cmd := &cobra.Command{
		Use:   "pull REFERENCE",
		Short: "Resolve an image in a registry, store every blob it lacks, and record the pull (the digest, never the tag)",
		Example: "  vault image pull registry.example.com/team/api:1.4\n" +
			"  vault image pull registry.example.com/team/api@sha256:…",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rc, err := registryClient(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return storeAndRecord(cmd.Context(), commandInvocation(cmd, server), func(store *nodeStore) (*registry.Pulled, error) {
				return rc.Pull(cmd.Context(), args[0], store)
			})
		},
	}
	addServerFlag(cmd, &server)
	return cmd
}

func imageLoadCommand() *cobra.Command {
	var server, as string
	cmd := &cobra.Command{
		Use:     "load TARBALL --as REPOSITORY:TAG",
		Short:   "Store the image of a tarball (docker save, or an OCI image tarball) and record it as REPOSITORY:TAG",
		Example: "  vault image load api.tar --as registry.example.com/team/api:1.4",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if as == "" {
				return fmt.Errorf("load %s: --as REPOSITORY:TAG is required", args[0])
			}
			return storeAndRecord(cmd.Context(), commandInvocation(cmd, server), func(store *nodeStore) (*registry.Pulled, error) {
				return registry.New(registry.Options{}).Load(cmd.Context(), args[0], as, store)
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "the repository and tag to record the image under")
	addServerFlag(cmd, &server)
	return cmd
}

// storeAndRecord stores an image's blobs through the node with store, then
// appends the image.pulled record, signed with the operator key.
func storeAndRecord(ctx context.Context, iv invocation, store func(*nodeStore) (*registry.Pulled, error)) error {
	c, err := iv.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	ns, err := openNodeStore(ctx, c)
	if err != nil {
		return err
	}
	pulled, err := store(ns)
	if err != nil {
		return err
	}
	p := pulled.Image
	ack, _, err := signAndAppend(ctx, c, events.TypeImagePulled, p.Digest, p, ledger.AppendOptions{})
	if err != nil {
		return opError("record "+p.Repository, err)
	}
	var total int64
	for _, b := range p.Blobs() {
		total += b.Size
	}
	name := p.Repository
	if p.Tag != "" {
		name += ":" + p.Tag
	}
	fmt.Fprintf(iv.out, "%s is %s (%s, %d layers, %s): %d blobs stored (%s), %d already there; recorded at seq %d\n",
		name, p.Digest, p.Platform, len(p.Layers), size(total), pulled.Stored, size(pulled.Bytes), pulled.Skipped, ack.Seq)
	return nil
}

// resolveImage is the image ref names: the one the ledger holds under
// that tag (its latest pull) or digest, else pulled now. It returns the
// image's digest and its config blob's.
func resolveImage(ctx context.Context, errOut io.Writer, c *node.Client, snap *fold.Snapshot, ref string) (image, config string, err error) {
	if img, err := findImage(snap.State, ref); err == nil {
		fmt.Fprintf(errOut, "image %s is %s\n", ref, img.Digest)
		return img.Digest, img.Config.Digest, nil
	}
	rc, err := registryClient(errOut)
	if err != nil {
		return "", "", err
	}
	store, err := openNodeStore(ctx, c)
	if err != nil {
		return "", "", err
	}
	pulled, err := rc.Pull(ctx, ref, store)
	if err != nil {
		return "", "", err
	}
	p := pulled.Image
	ack, _, err := signAndAppend(ctx, c, events.TypeImagePulled, p.Digest, p, ledger.AppendOptions{})
	if err != nil {
		return "", "", opError("record "+p.Repository, err)
	}
	fmt.Fprintf(errOut, "image %s is %s: pulled (%d blobs stored, %d already there), recorded at seq %d\n", ref, p.Digest, pulled.Stored, pulled.Skipped, ack.Seq)
	return p.Digest, p.Config.Digest, nil
}

// containerRuntime is the runtime config of container m running an image
// whose config blob is config, made of that config as stored.
func containerRuntime(ctx context.Context, c *node.Client, m *schemas.Manifest, config string) ([]byte, oci.Network, error) {
	store, err := openNodeStore(ctx, c)
	if err != nil {
		return nil, "", err
	}
	raw, err := store.ReadDocument(ctx, config)
	if err != nil {
		return nil, "", fmt.Errorf("image config %s: %w", config, err)
	}
	cfg, err := oci.ParseImageConfig(raw)
	if err != nil {
		return nil, "", err
	}
	spec, network, err := oci.Generate(m, cfg)
	if err != nil {
		return nil, "", err
	}
	runtime, err := json.Marshal(spec)
	return runtime, network, err
}
