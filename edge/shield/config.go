package shield

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vault-runtime/vault/edge/route"
	"github.com/vault-runtime/vault/schemas"
)

// ErrInvalidConfig is wrapped by every error Validate returns.
var ErrInvalidConfig = errors.New("shield: invalid config")

// Defaults of the fields whose zero value means "default".
const (
	DefaultMaxClients = 100_000
	DefaultIPv6Prefix = 64
)

// maxPerSecond is the fastest rate a bucket can express: its emission
// interval is a whole number of nanoseconds.
const maxPerSecond = 1e9

// maxRefill bounds Burst/PerSecond, so that bucket arithmetic in
// nanoseconds cannot overflow.
const maxRefill = 100 * 365 * 24 * time.Hour

// Rate is a token bucket: PerSecond tokens are added each second, up to
// Burst. A request takes one token.
type Rate struct {
	// PerSecond is the sustained rate; zero means unlimited. Fractions
	// are fine: 0.5 is one request every two seconds.
	PerSecond float64
	// Burst is how many requests a client may send at once after being
	// idle. Zero means max(1, ⌈PerSecond⌉): one second's worth.
	Burst int
}

// Unlimited reports whether r limits nothing.
func (r Rate) Unlimited() bool { return r.PerSecond == 0 }

func (r Rate) burst() int {
	if r.Burst > 0 {
		return r.Burst
	}
	return max(1, int(math.Ceil(r.PerSecond)))
}

func (r Rate) validate() error {
	switch {
	case math.IsNaN(r.PerSecond) || r.PerSecond < 0 || r.PerSecond > maxPerSecond:
		return fmt.Errorf("per_second %v: want 0 (unlimited) up to %g", r.PerSecond, float64(maxPerSecond))
	case r.Burst < 0:
		return fmt.Errorf("burst %d: want 0 (one second's worth) or more", r.Burst)
	case r.PerSecond > 0 && float64(r.burst())/r.PerSecond > maxRefill.Seconds():
		return fmt.Errorf("burst %d at %v per second takes longer than %v to refill", r.burst(), r.PerSecond, maxRefill)
	}
	return nil
}

// Rule overrides the default for the requests its route matches.
type Rule struct {
	// Route is a pattern as in vault.yaml (schemas.ParseRoute): an
	// optional host, then a path of literal, :param and trailing *
	// segments. The most specific rule wins, as in the edge's router:
	// both look routes up in a route.Table.
	Route string
	// Rate replaces Config.Default for this route; zero is unlimited.
	Rate Rate
	// BodyBytes caps the request body on this route; zero leaves the
	// function's own limit.
	BodyBytes int64
}

// Config is the shield of a node.
type Config struct {
	// Default applies to requests that no rule matches. Zero: unlimited.
	Default Rate
	// Rules override Default per route.
	Rules []Rule
	// MaxClients bounds the buckets tracked (one per client and rule);
	// the least recently seen is evicted. Zero means DefaultMaxClients.
	MaxClients int
	// IPv6Prefix is how many leading bits of an IPv6 address make one
	// client. Zero means DefaultIPv6Prefix (a /64).
	IPv6Prefix int
}

// DefaultConfig limits nothing and tracks up to DefaultMaxClients buckets.
func DefaultConfig() Config {
	return Config{MaxClients: DefaultMaxClients, IPv6Prefix: DefaultIPv6Prefix}
}

// Validate reports a config New would refuse.
func (c Config) Validate() error {
	if err := c.Default.validate(); err != nil {
		return fmt.Errorf("%w: default rate: %v", ErrInvalidConfig, err)
	}
	if c.MaxClients < 0 {
		return fmt.Errorf("%w: max_clients %d: want 0 (default %d) or more", ErrInvalidConfig, c.MaxClients, DefaultMaxClients)
	}
	if c.IPv6Prefix < 0 || c.IPv6Prefix > 128 {
		return fmt.Errorf("%w: ipv6_prefix %d: want 0 (default /%d) up to 128", ErrInvalidConfig, c.IPv6Prefix, DefaultIPv6Prefix)
	}
	_, err := compile(c.Rules)
	return err
}

// compile checks c's rules and builds their table; rule i matches as i.
func compile(rules []Rule) (*route.Table[int], error) {
	table := route.NewTable[int]()
	for i, r := range rules {
		rt, err := schemas.ParseRoute(r.Route)
		if err != nil {
			return nil, fmt.Errorf("%w: rule %d: %v", ErrInvalidConfig, i, err)
		}
		if err := r.Rate.validate(); err != nil {
			return nil, fmt.Errorf("%w: rule %d (%s): %v", ErrInvalidConfig, i, r.Route, err)
		}
		if r.BodyBytes < 0 {
			return nil, fmt.Errorf("%w: rule %d (%s): body_bytes %d: want 0 (the function's limit) or more", ErrInvalidConfig, i, r.Route, r.BodyBytes)
		}
		if err := table.Add(rt, i); err != nil {
			return nil, fmt.Errorf("%w: rule %d: %v", ErrInvalidConfig, i, err)
		}
	}
	return table, nil
}
