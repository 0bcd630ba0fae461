package registry

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Store holds blobs by digest ("sha256:<hex>"): the node's artifact
// store, reached by the CLI.
type Store interface {
	Has(ctx context.Context, digest string) (bool, error)
	// Put stores the size bytes of r under digest, refusing bytes that
	// hash to anything else.
	Put(ctx context.Context, digest string, size int64, r io.Reader) error
	Open(ctx context.Context, digest string) (io.ReadCloser, error)
}

// Options configure a Client. Zero fields take the defaults.
type Options struct {
	// Keychain finds credentials for a registry (default: the Docker
	// config, ~/.docker/config.json).
	Keychain authn.Keychain
	// Platform picks the manifest of an image index (default linux/amd64).
	Platform *v1.Platform
	// Transport is the HTTP transport (default http.DefaultTransport).
	Transport http.RoundTripper
	// Retries is how many times a request that failed with a 5xx status,
	// 429 or a broken connection is tried again (default 4), waiting
	// RetryWait, then twice as long each time (default 250 ms).
	Retries   int
	RetryWait time.Duration
	// Progress, if set, is called as blob bytes are stored or sent.
	Progress func(Progress)
}

// Progress is how far a pull or push has come.
type Progress struct {
	Done, Total int64
}

// Client pulls and pushes images.
type Client struct {
	opts Options
}

// New returns a Client with opts.
func New(opts Options) *Client {
	if opts.Keychain == nil {
		opts.Keychain = authn.DefaultKeychain
	}
	if opts.Platform == nil {
		opts.Platform = &v1.Platform{OS: "linux", Architecture: "amd64"}
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport
	}
	if opts.Retries <= 0 {
		opts.Retries = 4
	}
	if opts.RetryWait <= 0 {
		opts.RetryWait = 250 * time.Millisecond
	}
	return &Client{opts: opts}
}

// remote is the options of every request to a registry.
func (c *Client) remote(ctx context.Context) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(c.opts.Keychain),
		remote.WithPlatform(*c.opts.Platform),
		remote.WithTransport(c.opts.Transport),
		remote.WithUserAgent("vault"),
		remote.WithRetryBackoff(remote.Backoff{Duration: c.opts.RetryWait, Factor: 2, Jitter: 0.1, Steps: c.opts.Retries + 1}),
		remote.WithRetryStatusCodes(http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout),
	}
}

// platform is the Platform as os/arch[/variant].
func (c *Client) platform() string {
	p := c.opts.Platform.OS + "/" + c.opts.Platform.Architecture
	if c.opts.Platform.Variant != "" {
		p += "/" + c.opts.Platform.Variant
	}
	return p
}
