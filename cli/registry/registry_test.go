package registry

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vault-runtime/vault/cli/registry/testimage"
	"github.com/vault-runtime/vault/edge/testenv"
	"github.com/vault-runtime/vault/events"
)

// memStore is a Store in memory that checks digests as the node's does.
type memStore struct {
	mu    sync.Mutex
	blobs map[string][]byte
	puts  int
}

func newMemStore() *memStore { return &memStore{blobs: map[string][]byte{}} }

func (s *memStore) Has(_ context.Context, d string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.blobs[d]
	return ok, nil
}

func (s *memStore) Put(_ context.Context, d string, size int64, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if "sha256:"+events.Digest(b) != d || int64(len(b)) != size {
		return fmt.Errorf("blob %s: the bytes hash to sha256:%s (%d bytes)", d, events.Digest(b), len(b))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blobs[d] = b
	s.puts++
	return nil
}

func (s *memStore) Open(_ context.Context, d string) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blobs[d]
	if !ok {
		return nil, fmt.Errorf("blob %s: %w", d, events.ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (s *memStore) bytes() (n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.blobs {
		n += int64(len(b))
	}
	return n
}

// serve runs an in-memory registry behind wrap (nil: none) on loopback
// and returns its host:port.
func serve(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func build(t *testing.T, page string) v1.Image {
	t.Helper()
	img, err := testimage.Build(testimage.Options{Page: page})
	if errors.Is(err, testimage.ErrNoBusybox) {
		testenv.Missing(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func put(t *testing.T, ref string, img v1.Image) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
}

func digestOf(t *testing.T, img v1.Image) string {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

func fastClient(opts Options) *Client {
	opts.RetryWait = time.Millisecond
	return New(opts)
}

func TestPullByTagAndByDigest(t *testing.T) {
	host := serve(t, nil)
	img := build(t, "one\n")
	put(t, host+"/team/api:1.4", img)
	want := digestOf(t, img)

	store := newMemStore()
	c := fastClient(Options{})
	got, err := c.Pull(context.Background(), host+"/team/api:1.4", store)
	if err != nil {
		t.Fatal(err)
	}
	p := got.Image
	if p.Digest != want || p.Tag != "1.4" || p.Repository != host+"/team/api" || p.Index != "" || p.Platform != "linux/amd64" {
		t.Errorf("pulled %+v, want digest %s, tag 1.4", p, want)
	}
	if got.Stored != 4 || got.Skipped != 0 || len(p.Layers) != 2 {
		t.Errorf("stored %d, skipped %d blobs, %d layers; want 4, 0, 2", got.Stored, got.Skipped, len(p.Layers))
	}
	for _, b := range p.Blobs() {
		if ok, _ := store.Has(context.Background(), b.Digest); !ok {
			t.Errorf("blob %s (%s) not stored", b.Digest, b.MediaType)
		}
	}
	if err := p.Check(); err != nil {
		t.Errorf("the record would be refused: %v", err)
	}

	// By digest: no tag, the same image, nothing stored twice.
	again, err := c.Pull(context.Background(), host+"/team/api@"+want, store)
	if err != nil {
		t.Fatal(err)
	}
	if again.Image.Digest != want || again.Image.Tag != "" || again.Stored != 0 || again.Skipped != 4 {
		t.Errorf("pull by digest: %+v, stored %d, skipped %d; want %s, no tag, 0 stored", again.Image, again.Stored, again.Skipped, want)
	}
}

// TestPullDedupesSharedLayers pulls two images built on one base: the
// second stores only its own page layer, config and manifest.
func TestPullDedupesSharedLayers(t *testing.T) {
	host := serve(t, nil)
	put(t, host+"/web:one", build(t, "one\n"))
	put(t, host+"/web:two", build(t, "two\n"))
	store := newMemStore()
	c := fastClient(Options{})
	first, err := c.Pull(context.Background(), host+"/web:one", store)
	if err != nil {
		t.Fatal(err)
	}
	afterOne := store.bytes()
	second, err := c.Pull(context.Background(), host+"/web:two", store)
	if err != nil {
		t.Fatal(err)
	}
	if first.Image.Layers[0] != second.Image.Layers[0] || first.Image.Digest == second.Image.Digest {
		t.Fatal("the test images do not share their base layer")
	}
	if second.Stored != 3 || second.Skipped != 1 {
		t.Errorf("second pull stored %d, skipped %d; want 3 and the shared base", second.Stored, second.Skipped)
	}
	base := first.Image.Layers[0].Size
	if grew := store.bytes() - afterOne; grew >= base || grew != second.Bytes {
		t.Errorf("the store grew by %d bytes for the second image (base layer %d, reported %d)", grew, base, second.Bytes)
	}
	t.Logf("two images: %d bytes stored, %d if the base were not shared", store.bytes(), store.bytes()+base)
}

func TestPullPicksThePlatformOfAnIndex(t *testing.T) {
	host := serve(t, nil)
	amd64, arm64 := build(t, "amd64\n"), build(t, "arm64\n")
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: arm64, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
		mutate.IndexAddendum{Add: amd64, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	r, _ := name.ParseReference(host + "/multi:1")
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
	idxDigest, _ := idx.Digest()
	got, err := fastClient(Options{}).Pull(context.Background(), host+"/multi:1", newMemStore())
	if err != nil {
		t.Fatal(err)
	}
	if got.Image.Digest != digestOf(t, amd64) || got.Image.Index != idxDigest.String() {
		t.Errorf("pulled %s from index %s; want the amd64 manifest %s from %s", got.Image.Digest, got.Image.Index, digestOf(t, amd64), idxDigest)
	}
	arm, err := fastClient(Options{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}).Pull(context.Background(), host+"/multi:1", newMemStore())
	if err != nil || arm.Image.Digest != digestOf(t, arm64) || arm.Image.Platform != "linux/arm64" {
		t.Errorf("arm64 pull: %+v, %v", arm, err)
	}
}

// basicAuth refuses requests without user:pass, as a registry with
// htpasswd does.
func basicAuth(user, pass string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

func TestPullErrorsSayWhatToDo(t *testing.T) {
	img := build(t, "x\n")
	open := serve(t, nil)
	put(t, open+"/team/api:1", img)
	locked := serve(t, basicAuth("alice", "s3cret"))
	r, _ := name.ParseReference(locked + "/team/api:1")
	if err := remote.Write(r, img, remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret"})); err != nil {
		t.Fatal(err)
	}
	login := func(pass string) authn.Keychain {
		c := &Credentials{}
		if err := c.Set(locked, Login{Username: "alice", Password: pass}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name     string
		ref      string
		keychain authn.Keychain
		want     error
		say      string
	}{
		{"unknown tag", open + "/team/api:2", nil, ErrNotFound, "manifest unknown"},
		{"unknown repository", open + "/team/nothing:1", nil, ErrNotFound, ""},
		{"no login", locked + "/team/api:1", nil, ErrUnauthorized, "vault registry login " + locked},
		{"wrong password", locked + "/team/api:1", login("wrong"), ErrUnauthorized, "check the password"},
		{"logged in", locked + "/team/api:1", login("s3cret"), nil, ""},
		{"not a reference", "Not A Reference", nil, nil, "pull Not A Reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fastClient(Options{Keychain: tt.keychain}).Pull(context.Background(), tt.ref, newMemStore())
			switch {
			case tt.want == nil && tt.say == "" && err != nil:
				t.Fatalf("Pull: %v", err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("Pull: %v, want %v", err, tt.want)
			case tt.say != "" && (err == nil || !strings.Contains(err.Error(), tt.say)):
				t.Fatalf("Pull: %v, want it to say %q", err, tt.say)
			}
			t.Log(err)
			if err != nil && !strings.Contains(err.Error(), tt.ref) {
				t.Errorf("the error %q does not name %s", err, tt.ref)
			}
		})
	}
}

// flaky fails the first n requests for manifests once armed, with 503
// or by closing the connection.
func flaky(n int32, hangUp bool, armed *atomic.Bool, seen *atomic.Int32) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if armed.Load() && strings.Contains(r.URL.Path, "/manifests/") && seen.Add(1) <= n {
				if hangUp {
					conn, _, _ := w.(http.Hijacker).Hijack()
					conn.Close()
					return
				}
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

func TestPullRetries(t *testing.T) {
	img := build(t, "x\n")
	for _, tc := range []struct {
		name     string
		failures int32
		hangUp   bool
		ok       bool
	}{
		{"two 503s", 2, false, true},
		{"two hang-ups", 2, true, true},
		{"503 every time", 100, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen atomic.Int32
			var armed atomic.Bool
			host := serve(t, flaky(tc.failures, tc.hangUp, &armed, &seen))
			put(t, host+"/api:1", img)
			armed.Store(true)
			_, err := fastClient(Options{Retries: 3}).Pull(context.Background(), host+"/api:1", newMemStore())
			if (err == nil) != tc.ok {
				t.Fatalf("Pull: %v (after %d manifest requests)", err, seen.Load())
			}
			if !tc.ok && seen.Load() != 4 {
				t.Errorf("%d manifest requests, want 1 and 3 retries", seen.Load())
			}
		})
	}
}

// TestPullRefusesACorruptBlob serves a layer with one byte flipped: the
// pull fails and the store holds nothing under the layer's digest.
func TestPullRefusesACorruptBlob(t *testing.T) {
	img := build(t, "x\n")
	layers, _ := img.Layers()
	bad, _ := layers[0].Digest()
	host := serve(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+bad.String()) {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				body := rec.Body.Bytes()
				body[len(body)/2] ^= 1
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				w.Write(body)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	put(t, host+"/api:1", img)
	store := newMemStore()
	_, err := fastClient(Options{}).Pull(context.Background(), host+"/api:1", store)
	if err == nil {
		t.Fatal("a corrupt layer was pulled")
	}
	if ok, _ := store.Has(context.Background(), bad.String()); ok {
		t.Error("the corrupt layer was stored")
	}
}

// TestPushRoundTrip pulls an image into a store and pushes it from there
// to another registry under another name: the digest is unchanged.
func TestPushRoundTrip(t *testing.T) {
	a, b := serve(t, nil), serve(t, basicAuth("bob", "pw"))
	img := build(t, "round trip\n")
	put(t, a+"/team/api:1.4", img)
	store := newMemStore()
	var progress []Progress
	c := fastClient(Options{})
	pulled, err := c.Pull(context.Background(), a+"/team/api:1.4", store)
	if err != nil {
		t.Fatal(err)
	}
	creds := &Credentials{}
	creds.Set(b, Login{Username: "bob", Password: "pw"})
	pusher := fastClient(Options{Keychain: creds, Progress: func(p Progress) { progress = append(progress, p) }})
	if err := pusher.Push(context.Background(), pulled.Image, store, b+"/other/api:1.4"); err != nil {
		t.Fatal(err)
	}
	r, _ := name.ParseReference(b + "/other/api:1.4")
	desc, err := remote.Get(r, remote.WithAuth(&authn.Basic{Username: "bob", Password: "pw"}))
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest.String() != pulled.Image.Digest {
		t.Errorf("pushed digest %s, want %s", desc.Digest, pulled.Image.Digest)
	}
	if len(progress) == 0 || progress[len(progress)-1].Done == 0 {
		t.Errorf("no progress reported: %v", progress)
	}
	if err := fastClient(Options{}).Push(context.Background(), pulled.Image, store, b+"/other/api:2"); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("push without a login: %v, want ErrUnauthorized", err)
	}
	other := "sha256:" + strings.Repeat("0", 64)
	if err := pusher.Push(context.Background(), pulled.Image, store, b+"/other/api@"+other); err == nil {
		t.Error("a push under another digest was accepted")
	}
}

func TestCredentials(t *testing.T) {
	c, err := ParseCredentials([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set("docker.io", Login{Username: "u", Password: "p"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("Not A Host!", Login{}); err == nil {
		t.Error("a bad host was accepted")
	}
	back, err := ParseCredentials(c.Marshal())
	if err != nil || len(back.Hosts()) != 1 || back.Hosts()[0] != "index.docker.io" {
		t.Fatalf("round trip: %v, %v", back.Hosts(), err)
	}
	repo, _ := name.NewRepository("library/busybox")
	auth, err := back.Resolve(repo)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := auth.Authorization()
	if cfg.Username != "u" || cfg.Password != "p" {
		t.Errorf("Docker Hub resolves to %+v", cfg)
	}
	if !back.Remove("docker.io") || back.Remove("docker.io") || len(back.Hosts()) != 0 {
		t.Error("Remove")
	}
}

// TestDockerConfigIsHonoured pulls from a registry that wants a login,
// with no saved login but one in $DOCKER_CONFIG/config.json, as docker
// login writes it.
func TestDockerConfigIsHonoured(t *testing.T) {
	host := serve(t, basicAuth("carol", "pw"))
	r, _ := name.ParseReference(host + "/api:1")
	if err := remote.Write(r, build(t, "x\n"), remote.WithAuth(&authn.Basic{Username: "carol", Password: "pw"})); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, base64.StdEncoding.EncodeToString([]byte("carol:pw")))
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	creds, _ := ParseCredentials([]byte(`{}`))
	if _, err := fastClient(Options{Keychain: creds.Keychain()}).Pull(context.Background(), host+"/api:1", newMemStore()); err != nil {
		t.Fatalf("pull with the Docker config's login: %v", err)
	}
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	if _, err := fastClient(Options{Keychain: creds.Keychain()}).Pull(context.Background(), host+"/api:1", newMemStore()); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("pull without any login: %v, want ErrUnauthorized", err)
	}
}
