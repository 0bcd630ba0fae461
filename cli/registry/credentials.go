package registry

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Credentials are the logins `vault registry login` saved, by registry
// host ("registry.example.com:5000"; Docker Hub is "index.docker.io").
// The CLI keeps them encrypted; in memory they are a Keychain.
type Credentials struct {
	Logins map[string]Login `json:"logins"`
}

// Login is one registry's user name and password (or token).
type Login struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// ParseCredentials decodes saved credentials.
func ParseCredentials(data []byte) (*Credentials, error) {
	var c Credentials
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("registry: read credentials: %w", err)
	}
	if c.Logins == nil {
		c.Logins = map[string]Login{}
	}
	return &c, nil
}

// Marshal encodes c to be encrypted and saved.
func (c *Credentials) Marshal() []byte {
	b, _ := json.Marshal(c)
	return b
}

// Set records a login for the registry of host, normalised as name
// parses it ("docker.io" is "index.docker.io").
func (c *Credentials) Set(host string, l Login) error {
	reg, err := name.NewRegistry(host)
	if err != nil {
		return fmt.Errorf("registry: %q is not a registry host: %w", host, err)
	}
	if c.Logins == nil {
		c.Logins = map[string]Login{}
	}
	c.Logins[reg.RegistryStr()] = l
	return nil
}

// Remove forgets the login for host; it reports whether there was one.
func (c *Credentials) Remove(host string) bool {
	reg, err := name.NewRegistry(host)
	if err != nil {
		return false
	}
	_, ok := c.Logins[reg.RegistryStr()]
	delete(c.Logins, reg.RegistryStr())
	return ok
}

// Hosts lists the registries with a login, sorted.
func (c *Credentials) Hosts() []string { return slices.Sorted(maps.Keys(c.Logins)) }

// Resolve implements authn.Keychain: the saved login, or anonymous.
func (c *Credentials) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if l, ok := c.Logins[r.RegistryStr()]; ok {
		return authn.FromConfig(authn.AuthConfig{Username: l.Username, Password: l.Password}), nil
	}
	return authn.Anonymous, nil
}

// Keychain is c, then the Docker config.
func (c *Credentials) Keychain() authn.Keychain {
	return authn.NewMultiKeychain(c, authn.DefaultKeychain)
}
