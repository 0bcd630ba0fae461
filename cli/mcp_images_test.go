package cli

import (
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vault-runtime/vault/cli/registry/testimage"
	"github.com/vault-runtime/vault/edge/testenv"
)

// TestMCPImages pulls an image from a registry on loopback through the
// image_pull tool, then lists and inspects it; a key without the role is
// refused the pull.
func TestMCPImages(t *testing.T) {
	n := startTestNode(t)
	img, err := testimage.Build(testimage.Options{Page: "mcp"})
	if errors.Is(err, testimage.ErrNoBusybox) {
		testenv.Missing(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	ref := strings.TrimPrefix(srv.URL, "http://") + "/team/web:1"
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}

	admin, err := loadOperatorKey()
	if err != nil {
		t.Fatal(err)
	}
	activateOnly := n.addKey(t, "activate")
	cs := mcpSession(t, n, admin, false)
	limited := mcpSession(t, n, activateOnly, false)

	mustFail(t, limited, "image_pull", map[string]any{"ref": ref}, "key "+activateOnly.ID+" holds none of the roles [admin deploy]")
	mustFail(t, cs, "image_pull", map[string]any{"ref": ref, "tag": "2"}, "tag")
	mustSucceed(t, cs, "image_pull", map[string]any{"ref": ref}, "is "+digest.String())
	// The pull's record is acknowledged; the node applies it a moment
	// later (image_pull, like vault image pull, does not wait).
	deadline := time.Now().Add(10 * time.Second)
	for r := callTool(t, cs, "image_ls", map[string]any{}); !strings.Contains(r.text, digest.String()); r = callTool(t, cs, "image_ls", map[string]any{}) {
		if time.Now().After(deadline) {
			t.Fatalf("image_ls never listed %s: %s", digest, r.text)
		}
		time.Sleep(20 * time.Millisecond) // polling for the node to apply the pull
	}
	mustSucceed(t, cs, "image_inspect", map[string]any{"ref": ref}, digest.String())
	mustFail(t, cs, "image_inspect", map[string]any{"ref": ref, "platform": "arm64"}, "platform")
}
