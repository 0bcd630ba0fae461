package registry

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/vault-runtime/vault/events"
)

// Load stores the image of a tarball (`docker save` or an OCI image
// tarball, as ggcr's tarball package reads them) and returns the
// image.pulled body recording it under as, a repository:tag of the
// user's choosing: for sites without a registry, and for tests.
func (c *Client) Load(ctx context.Context, path, as string, store Store) (*Pulled, error) {
	tag, err := name.NewTag(as)
	if err != nil {
		return nil, fmt.Errorf("load %s as %s: %w", path, as, err)
	}
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return c.keep(ctx, img, tag, "", store)
}

// keep stores img and describes it as pulled from ref (index: the image
// index it was chosen from, if any).
func (c *Client) keep(ctx context.Context, img v1.Image, ref name.Reference, index string, store Store) (*Pulled, error) {
	out := &Pulled{Image: events.ImagePulled{Repository: ref.Context().Name(), Platform: c.platform(), Index: index}}
	if tag, ok := ref.(name.Tag); ok {
		out.Image.Tag = tag.TagStr()
	}
	if err := c.store(ctx, img, store, out); err != nil {
		return nil, err
	}
	if err := out.Image.Check(); err != nil {
		return nil, err
	}
	return out, nil
}

// CheckLogin asks the registry at host whether login is good, as docker
// login does: the API's base endpoint with the credentials.
func (c *Client) CheckLogin(ctx context.Context, host string, login Login) error {
	reg, err := name.NewRegistry(host)
	if err != nil {
		return fmt.Errorf("login %s: %w", host, err)
	}
	auth := authn.FromConfig(authn.AuthConfig{Username: login.Username, Password: login.Password})
	rt, err := transport.NewWithContext(ctx, reg, auth, c.opts.Transport, []string{reg.Scope(transport.PullScope)})
	if err != nil {
		return explain("login", host, reg.RegistryStr(), err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s://%s/v2/", reg.Scheme(), reg.RegistryStr()), nil)
	if err != nil {
		return err
	}
	res, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return fmt.Errorf("login %s: %w", host, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return explain("login", host, reg.RegistryStr(), &transport.Error{StatusCode: res.StatusCode})
	}
	return nil
}
