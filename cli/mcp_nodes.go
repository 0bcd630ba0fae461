package cli

import (
	"context"
	"io"

	"github.com/vault-runtime/vault/cli/mcp"
	"github.com/vault-runtime/vault/cli/registry"
)

// The tools about images, networks, volumes and nodes.

func (o mcpOps) imagePull(ctx context.Context, in mcp.ImageInput) (mcp.Output, error) {
	return o.run(func(iv invocation) error {
		rc, err := registryClient(io.Discard)
		if err != nil {
			return err
		}
		return storeAndRecord(ctx, iv, func(store *nodeStore) (*registry.Pulled, error) {
			return rc.Pull(ctx, in.Ref, store)
		})
	})
}

func (o mcpOps) imageList(ctx context.Context, _ mcp.NoInput) (mcp.Output, error) {
	return o.runJSON(func(iv invocation) error { return imageList(ctx, iv, true) })
}

func (o mcpOps) imageInspect(ctx context.Context, in mcp.ImageInput) (mcp.Output, error) {
	return o.runJSON(func(iv invocation) error { return imageInspect(ctx, iv, in.Ref, true) })
}

func (o mcpOps) nodes(ctx context.Context, _ mcp.NoInput) (mcp.Output, error) {
	return o.run(func(iv invocation) error { return listNodes(ctx, iv, mcpNodesQuiet, mcpNodesWait, false) })
}

func (o mcpOps) status(ctx context.Context, _ mcp.NoInput) (mcp.Output, error) {
	return o.runJSON(func(iv invocation) error { return status(ctx, iv, true) })
}

func (o mcpOps) networkCreate(ctx context.Context, in mcp.NetworkCreateInput) (mcp.Output, error) {
	return o.run(func(iv invocation) error { return networkCreate(ctx, iv, in.Name, in.Subnet) })
}

func (o mcpOps) volumeCreate(ctx context.Context, in mcp.VolumeCreateInput) (mcp.Output, error) {
	return o.run(func(iv invocation) error { return volumeCreate(ctx, iv, in.Name) })
}
