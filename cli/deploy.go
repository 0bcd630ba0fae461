package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/edge/isolate"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/schemas"
	"github.com/vault-runtime/vault/schemas/oci"
)

func deployCommand() *cobra.Command {
	var server string
	var opts ledger.AppendOptions
	var take []string
	var skipCheck bool
	var out string
	var asJSON bool
	maxSize := schemas.DefaultMaxArtifactBytes
	cmd := &cobra.Command{
		Use:   "deploy DIR",
		Short: "Bundle a function (or pin a container's image), upload its artifact and append a signed function.deployed event",
		Long: `Deploy reads DIR/vault.yaml, bundles its entry (ES module or TypeScript) into one
script with a source map, has the node store the artifact by its SHA-256
(nothing is sent when it has it already) and appends a function.deployed
event signed with the operator key. It prints the new version; 'vault
activate' makes it serve. Nothing is appended when the manifest or the
code has an error.

Before anything is uploaded the bundle is run as a node would activate it:
compiled, its module's top level evaluated in a throwaway isolate (1s of
CPU at most), and its default export checked for a fetch method. Code that
cannot compile, a top level that throws or does not finish, or a module
without a fetch handler is refused, with file:line:col in your sources.

Only files inside DIR and its node_modules are bundled, symlinks followed:
an import that leaves DIR ("../x", an absolute path, a package found above
DIR, a symlink pointing out) is an error. An artifact larger than
--max-artifact-size (25MiB) is refused before anything is uploaded; the
nodes refuse one over their own limits.max_artifact_size.

A container (kind: container in vault.yaml) has no code to bundle: its
image is resolved now, to the image the ledger holds under that tag (the
latest pull) or digest, pulled first if the ledger has none, and the
deploy record carries the digest, never the tag, and the OCI runtime
config made of the image and the manifest's security section, which the
gatekeeper judges: a config that needs approval (privileged, host
namespaces or mounts, capabilities beyond NET_BIND_SERVICE) is admitted
when admins up to the ledger's threshold signed the record (deploy -o FILE,
then vault sign and vault submit). The record names the volumes the
container mounts and the networks it joins; each must have been created
(vault volume create, vault network create; "default" always exists).`,
		Example: "  vault deploy ./myfn\n  vault deploy ./myfn --server nats://10.0.0.5:4222",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return deploy(cmd.Context(), commandInvocation(cmd, server), args[0], deployOptions{append: opts, take: take, skipCheck: skipCheck, out: out, maxSize: maxSize, asJSON: asJSON})
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().Uint64Var(&opts.ExpectHead, "expect-head", 0, "append only if the ledger's last record is this sequence")
	cmd.Flags().Var((*size64Flag)(&maxSize), "max-artifact-size", "refuse an artifact larger than this (bytes, or KiB/MiB/GiB; 0: 25MiB); nodes apply their own limit too")
	cmd.Flags().BoolVar(&skipCheck, "skip-check", false, "do not run the bundle before uploading it (nodes still refuse to serve a version that cannot start)")
	cmd.Flags().StringArrayVar(&take, "take-route", nil, "take over ROUTE, owned by another function (needs an admin key); repeatable")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON (function, version, seq, artifact, image, unchanged, proposal, urls)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "upload the artifact but write the deploy as an unsigned proposal to FILE, for signatures ('vault sign', 'vault submit'): a container that needs approval")
	return cmd
}

// deployResult is what deploy --json prints: the version deployed (or
// the latest, unchanged), or the proposal written for signatures.
type deployResult struct {
	Function  string   `json:"function"`
	Version   int      `json:"version,omitempty"`
	Seq       uint64   `json:"seq,omitempty"`
	Artifact  string   `json:"artifact"`
	Image     string   `json:"image,omitempty"`
	Unchanged bool     `json:"unchanged,omitempty"`
	Proposal  string   `json:"proposal,omitempty"`
	URLs      []string `json:"urls,omitempty"`
}

// printURLs lists where a deployed version answers, indented under the
// line naming it (scripts take that line's first word), and says when it
// needs activating first.
func printURLs(w io.Writer, urls []string, inactive bool, ref string) {
	when := ""
	if inactive {
		when = " (once active: vault activate " + ref + ")"
	}
	for _, u := range urls {
		fmt.Fprintf(w, "  %s%s\n", u, when)
	}
}

// deployOptions are deploy's flags.
type deployOptions struct {
	append    ledger.AppendOptions
	take      []string
	skipCheck bool
	// out, if set, names the proposal file to write instead of appending.
	out     string
	maxSize int64
	// asJSON prints the outcome as one deployResult (--json).
	asJSON bool
}

// deploy bundles the function in dir (or pins its container's image),
// uploads the artifact and appends the deploy, or writes it as a proposal
// to o.out; it prints the new version and the URLs where it answers.
func deploy(ctx context.Context, iv invocation, dir string, o deployOptions) error {
	m, blob, err := schemas.BuildArtifact(dir)
	var perrs schemas.PosErrors
	if errors.As(err, &perrs) {
		return &exitError{1, perrs.Error()}
	}
	if err != nil {
		return err
	}
	if err := schemas.CheckArtifactSize(int64(len(blob)), o.maxSize); err != nil {
		return &exitError{1, fmt.Sprintf("deploy %s: %v; shrink the bundle, or raise the limit with --max-artifact-size here and limits.max_artifact_size (vault serve --max-artifact-size) on every node", m.Name, err)}
	}
	if !o.skipCheck && m.Kind != schemas.KindContainer {
		if err := isolate.CheckArtifact(m, blob); err != nil {
			return &exitError{1, fmt.Sprintf("deploy %s: nothing was deployed: %s", m.Name, strings.TrimRight(err.Error(), "\n"))}
		}
	}
	c, snap, err := iv.dialNode(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	image := ""
	var runtime []byte
	var network oci.Network
	if m.Kind == schemas.KindContainer {
		var config string
		if image, config, err = resolveImage(ctx, iv.errOut, c, snap, m.Image); err != nil {
			return fmt.Errorf("deploy %s: %w", m.Name, err)
		}
		if runtime, network, err = containerRuntime(ctx, c, m, config); err != nil {
			return fmt.Errorf("deploy %s: %w", m.Name, err)
		}
	}
	if f := snap.State.Functions[m.Name]; f != nil && f.State != fold.Retired && len(f.Versions) > 0 && len(o.take) == 0 {
		if last := f.Versions[len(f.Versions)-1]; last.Artifact == events.Digest(blob) && last.Image == image {
			if o.asJSON {
				return printJSON(iv.out, deployResult{Function: m.Name, Version: last.Number, Artifact: last.Artifact, Image: image, Unchanged: true})
			}
			fmt.Fprintf(iv.out, "%s@v%d (unchanged: the latest version has this artifact; nothing appended)\n", m.Name, last.Number)
			return nil
		}
	}
	// The node stores the artifact (no client may write the
	// object store); it skips one it already has.
	digest, sent, err := c.Upload(ctx, blob)
	if err != nil {
		return fmt.Errorf("deploy %s: %w", m.Name, err)
	}
	if !sent {
		fmt.Fprintf(iv.errOut, "artifact %s is stored already; not uploaded again\n", digest)
	}
	body := events.Deployed{Name: m.Name, Artifact: digest, Size: int64(len(blob)), Routes: m.Routes, Transfer: o.take,
		Image: image, Runtime: runtime, Network: string(network)}
	if m.Container != nil {
		body.Volumes, body.Networks = m.Container.VolumeNames(), m.Container.NetworkNames()
	}
	if o.out != "" {
		// Approval: admins sign the proposal before it is submitted.
		p, err := newProposal(snap.State.Ledger, events.TypeDeployed, m.Name, body, "deploy "+m.Name)
		if err != nil {
			return err
		}
		if err := p.write(o.out); err != nil {
			return err
		}
		if o.asJSON {
			return printJSON(iv.out, deployResult{Function: m.Name, Artifact: digest, Image: image, Proposal: o.out})
		}
		fmt.Fprintf(iv.out, "wrote unsigned proposal \"deploy %s\" to %s\nnext: 'vault sign %s' by a deploy key and the admins it needs, then 'vault submit %s'\n",
			m.Name, o.out, o.out, o.out)
		return nil
	}
	res, after, err := signAndAppend(ctx, c, events.TypeDeployed, m.Name, body, o.append)
	if err != nil {
		return opError("deploy "+m.Name, err)
	}
	version := 0
	if f := after.State.Functions[m.Name]; f != nil {
		for _, v := range f.Versions {
			if v.DeployedSeq == res.Seq {
				version = v.Number
			}
		}
	}
	if version == 0 {
		return fmt.Errorf("deploy %s: appended at seq %d but the node did not apply it (see its log)", m.Name, res.Seq)
	}
	urls := nodeURLs(ctx, c, m.Routes)
	if o.asJSON {
		return printJSON(iv.out, deployResult{Function: m.Name, Version: version, Seq: res.Seq, Artifact: digest, Image: image, URLs: urls})
	}
	if image != "" {
		fmt.Fprintf(iv.out, "%s@v%d (seq %d) runs image %s\n", m.Name, version, res.Seq, image)
	} else {
		fmt.Fprintf(iv.out, "%s@v%d (seq %d)\n", m.Name, version, res.Seq)
	}
	printURLs(iv.out, urls, after.Served[m.Name].Weight(version) == 0, fmt.Sprintf("%s@v%d", m.Name, version))
	return nil
}
