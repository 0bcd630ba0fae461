package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/cli/registry"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

func imageCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "OCI images as signed ledger artifacts: pull, load, list, inspect, push, remove",
		Long: "Images are stored in the ledger's artifact store, blob by blob, each digest-checked, and mirrored to\n" +
			"every edge; an image.pulled record pins the digest a tag named at pull time. Registry logins come from\n" +
			"vault registry login, then ~/.docker/config.json.",
	}
	cmd.AddCommand(imagePullCommand(), imageLoadCommand(), imageLsCommand(), imageInspectCommand(), imagePushCommand(), imageRmCommand())
	return cmd
}

// nodeStore is the node's artifact store as a registry.Store: blobs are
// read straight from the object store (clients may read it) and written
// through the node, which checks them (Client.UploadImageBlob).
type nodeStore struct {
	c    *node.Client
	obs  jetstream.ObjectStore
	arts *ledger.Artifacts
}

func openNodeStore(ctx context.Context, c *node.Client) (*nodeStore, error) {
	js, err := c.JetStream()
	if err != nil {
		return nil, err
	}
	obs, err := ledger.OpenArtifactBucket(ctx, js, false)
	if err != nil {
		return nil, err
	}
	return &nodeStore{c: c, obs: obs, arts: ledger.NewArtifacts(js, obs, nil, nil, slog.New(slog.DiscardHandler))}, nil
}

func hexOf(digest string) (string, error) {
	h, ok := strings.CutPrefix(digest, "sha256:")
	if !ok {
		return "", fmt.Errorf("%q is not a sha256 digest", digest)
	}
	return h, nil
}

func (s *nodeStore) Has(ctx context.Context, digest string) (bool, error) {
	h, err := hexOf(digest)
	if err != nil {
		return false, err
	}
	_, err = s.obs.GetInfo(ctx, h)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (s *nodeStore) Put(ctx context.Context, digest string, size int64, r io.Reader) error {
	_, err := s.c.UploadImageBlob(ctx, digest, size, r)
	return err
}

// maxImageDocument bounds a manifest or config blob read whole.
const maxImageDocument = 4 << 20

// ReadDocument reads a small blob (a manifest or an image config) whole.
func (s *nodeStore) ReadDocument(ctx context.Context, digest string) ([]byte, error) {
	rc, err := s.Open(ctx, digest)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxImageDocument))
}

func (s *nodeStore) Open(ctx context.Context, digest string) (io.ReadCloser, error) {
	h, err := hexOf(digest)
	if err != nil {
		return nil, err
	}
	return s.arts.Open(ctx, h)
}

// registryClient is a registry.Client with the saved logins and, on a
// terminal, progress on progress (stderr).
func registryClient(progress io.Writer) (*registry.Client, error) {
	creds, err := loadCredentials()
	if err != nil {
		return nil, err
	}
	opts := registry.Options{Keychain: creds.Keychain()}
	if f, ok := progress.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opts.Progress = func(p registry.Progress) {
			if p.Total > 0 {
				fmt.Fprintf(f, "\r%s of %s (%d%%)", size(p.Done), size(p.Total), p.Done*100/p.Total)
				if p.Done >= p.Total {
					fmt.Fprintln(f)
				}
			}
		}
	}
	return registry.New(opts), nil
}

// size is n bytes, in the largest binary unit under 1024 of it.
func size(n int64) string {
	const units = "KMGT"
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, u := float64(n)/1024, 0
	for v >= 1024 && u < len(units)-1 {
		v, u = v/1024, u+1
	}
	return fmt.Sprintf("%.1f %ciB", v, units[u])
}

// dialImage connects to the node and finds the image ref names in its
// ledger (findImage); the caller closes the client.
func dialImage(ctx context.Context, iv invocation, ref string) (*node.Client, *fold.Image, error) {
	c, snap, err := iv.dialNode(ctx)
	if err != nil {
		return nil, nil, err
	}
	img, err := findImage(snap.State, ref)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, img, nil
}

// findImage resolves ref among the ledger's images: a digest, REPO@digest,
// or REPO[:TAG] (the image its latest pull recorded; TAG defaults to
// latest).
func findImage(st *fold.State, ref string) (*fold.Image, error) {
	if i := strings.LastIndex(ref, "@"); i >= 0 || strings.HasPrefix(ref, "sha256:") {
		digest := ref[i+1:]
		if img := st.Images[digest]; img != nil {
			return img, nil
		}
		var found *fold.Image
		for d, img := range st.Images {
			if strings.HasPrefix(d, digest) && len(digest) >= len("sha256:")+12 {
				if found != nil {
					return nil, fmt.Errorf("image %s: more than one image has that digest prefix", ref)
				}
				found = img
			}
		}
		if found == nil {
			return nil, fmt.Errorf("image %s: %w", ref, events.ErrNotFound)
		}
		return found, nil
	}
	repo, tag := ref, "latest"
	if t, err := name.NewTag(ref); err == nil {
		// As pulls record it: docker.io/busybox is index.docker.io/library/busybox.
		repo, tag = t.Context().Name(), t.TagStr()
	} else if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		repo, tag = ref[:i], ref[i+1:]
	}
	var best *fold.Image
	var seq uint64
	for _, img := range st.Images {
		for _, p := range img.Pulls {
			if p.Repository == repo && p.Tag == tag && p.Seq > seq {
				best, seq = img, p.Seq
			}
		}
	}
	if best == nil {
		return nil, fmt.Errorf("image %s: no image was pulled as %s:%s: %w", ref, repo, tag, events.ErrNotFound)
	}
	return best, nil
}
