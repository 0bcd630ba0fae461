package shield

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func newShield(t testing.TB, cfg Config) *Shield {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// step is one request and what Allow must answer.
type step struct {
	at    time.Duration // after t0
	ok    bool
	retry time.Duration
}

func run(t *testing.T, s *Shield, rule int, client netip.Addr, steps []step) {
	t.Helper()
	for i, st := range steps {
		ok, retry := s.Allow(rule, client, t0.Add(st.at))
		if ok != st.ok || retry != st.retry {
			t.Errorf("step %d at +%v: Allow = %v, %v; want %v, %v", i, st.at, ok, retry, st.ok, st.retry)
		}
	}
}

var client = netip.MustParseAddr("192.0.2.1")

func TestAllow(t *testing.T) {
	tests := []struct {
		name  string
		rate  Rate
		steps []step
	}{
		{"BurstThen429", Rate{PerSecond: 1, Burst: 3}, []step{
			{0, true, 0}, {0, true, 0}, {0, true, 0}, {0, false, time.Second}, {0, false, time.Second},
		}},
		{"RetryAfterIsTimeToOneToken", Rate{PerSecond: 0.25, Burst: 1}, []step{
			{0, true, 0},
			{time.Second, false, 3 * time.Second},
			{2500 * time.Millisecond, false, 2 * time.Second}, // 1.5 s rounds up
			{4 * time.Second, true, 0},
		}},
		{"RetryAfterAtLeastOneSecond", Rate{PerSecond: 100, Burst: 1}, []step{
			{0, true, 0}, {time.Millisecond, false, time.Second}, {10 * time.Millisecond, true, 0},
		}},
		{"Refill", Rate{PerSecond: 2, Burst: 2}, []step{
			{0, true, 0}, {0, true, 0}, {0, false, time.Second},
			{499 * time.Millisecond, false, time.Second},
			{500 * time.Millisecond, true, 0}, {500 * time.Millisecond, false, time.Second},
			// idle long enough to refill the whole burst, and no more
			{10 * time.Second, true, 0}, {10 * time.Second, true, 0}, {10 * time.Second, false, time.Second},
		}},
		{"ZeroBurstIsOneSecondsWorth", Rate{PerSecond: 2.5}, []step{
			{0, true, 0}, {0, true, 0}, {0, true, 0}, {0, false, time.Second},
		}},
		{"DeniedRequestsTakeNoToken", Rate{PerSecond: 1, Burst: 1}, []step{
			{0, true, 0}, {100 * time.Millisecond, false, time.Second}, {900 * time.Millisecond, false, time.Second},
			{time.Second, true, 0},
		}},
		{"ClockGoesBack", Rate{PerSecond: 1, Burst: 1}, []step{
			{time.Hour, true, 0},
			{0, false, time.Second}, // not an hour
			{time.Second, true, 0},
		}},
		{"Unlimited", Rate{}, []step{{0, true, 0}, {0, true, 0}, {0, true, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, newShield(t, Config{Default: tt.rate}), -1, client, tt.steps)
		})
	}
}

func TestRulesOverrideDefault(t *testing.T) {
	s := newShield(t, Config{
		Default: Rate{PerSecond: 1, Burst: 1},
		Rules: []Rule{
			{Route: "/api/*", Rate: Rate{PerSecond: 1, Burst: 3}},
			{Route: "/free/*"}, // unlimited
			{Route: "api.example.com/v1/:id", Rate: Rate{PerSecond: 1, Burst: 2}, BodyBytes: 4096},
		},
	})
	api, free, host := s.Match("x", "/api/users"), s.Match("x", "/free/x"), s.Match("API.example.com:443", "/v1/42")
	if api != 0 || free != 1 || host != 2 || s.Match("x", "/other") != -1 {
		t.Fatalf("Match = %d, %d, %d; want 0, 1, 2", api, free, host)
	}
	run(t, s, -1, client, []step{{0, true, 0}, {0, false, time.Second}})
	// the default's bucket is empty; each rule has its own
	run(t, s, api, client, []step{{0, true, 0}, {0, true, 0}, {0, true, 0}, {0, false, time.Second}})
	run(t, s, host, client, []step{{0, true, 0}, {0, true, 0}, {0, false, time.Second}})
	for range 100 {
		run(t, s, free, client, []step{{0, true, 0}})
	}
	// an index that is no rule's is the default
	run(t, s, 99, client, []step{{0, false, time.Second}})

	if n, ok := s.BodyLimit("api.example.com", "/v1/42"); n != 4096 || !ok {
		t.Errorf("BodyLimit(rule with body_bytes) = %d, %v; want 4096, true", n, ok)
	}
	if n, ok := s.RuleBodyLimit(host); n != 4096 || !ok {
		t.Errorf("RuleBodyLimit(%d) = %d, %v; want 4096, true", host, n, ok)
	}
	if _, ok := s.RuleBodyLimit(-1); ok {
		t.Error("RuleBodyLimit(-1) = true; want the function's limit")
	}
	for _, path := range []string{"/api/x", "/other"} {
		if n, ok := s.BodyLimit("x", path); ok {
			t.Errorf("BodyLimit(x, %s) = %d, true; want the function's limit", path, n)
		}
	}
}

func TestMatchLikeTheRouter(t *testing.T) {
	patterns := []string{"/", "/*", "/users/:id", "/users/me", "/users/:id/posts", "/static/*", "/a/b/c",
		"api.example.com/*", "api.example.com/v1/:thing", "/trailing/"}
	var rules []Rule
	for _, p := range patterns {
		rules = append(rules, Rule{Route: p})
	}
	s := newShield(t, Config{Rules: rules})
	tests := []struct{ host, path, want string }{
		{"x", "/", "/"},
		{"x", "/nothing/here", "/*"},
		{"x", "/users/me", "/users/me"},
		{"x", "/users/42", "/users/:id"},
		{"x", "/users/me/posts", "/users/:id/posts"},
		{"x", "/users/", "/*"},
		{"x", "/static", "/static/*"},
		{"x", "/static/css/site.css", "/static/*"},
		{"x", "/a/b", "/*"},
		{"x", "/a/b/c", "/a/b/c"},
		{"x", "/trailing/", "/trailing/"},
		{"x", "/trailing", "/*"},
		{"api.example.com", "/v1/widgets", "api.example.com/v1/:thing"},
		{"API.example.com:8443", "/v1/widgets", "api.example.com/v1/:thing"},
		{"api.example.com", "/v2", "api.example.com/*"},
		{"[::1]:8080", "/users/1", "/users/:id"},
		{"other.example.com", "/v1/widgets", "/*"},
	}
	for _, tt := range tests {
		i := s.Match(tt.host, tt.path)
		if i < 0 || patterns[i] != tt.want {
			t.Errorf("Match(%q, %q) = %d; want %q", tt.host, tt.path, i, tt.want)
		}
	}
}

func TestIPv6Grouping(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		name   string
		prefix int
		a, b   netip.Addr
		shared bool
	}{
		{"Same64", 0, a("2001:db8:1:2::1"), a("2001:db8:1:2:ffff:ffff:ffff:ffff"), true},
		{"Other64", 0, a("2001:db8:1:2::1"), a("2001:db8:1:3::1"), false},
		{"Same48", 48, a("2001:db8:1:2::1"), a("2001:db8:1:ffff::1"), true},
		{"Per128", 128, a("2001:db8::1"), a("2001:db8::2"), false},
		{"Same120", 120, a("2001:db8::1"), a("2001:db8::2"), true},
		{"IPv4Alone", 0, a("192.0.2.1"), a("192.0.2.2"), false},
		{"MappedIsIPv4", 0, a("192.0.2.1"), a("::ffff:192.0.2.1"), true},
		{"ZoneIgnored", 0, a("fe80::1%eth0"), a("fe80::2%eth1"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newShield(t, Config{Default: Rate{PerSecond: 1, Burst: 1}, IPv6Prefix: tt.prefix})
			run(t, s, -1, tt.a, []step{{0, true, 0}})
			if ok, _ := s.Allow(-1, tt.b, t0); ok == tt.shared {
				t.Errorf("after %v used the bucket, %v allowed = %v; want %v", tt.a, tt.b, ok, !tt.shared)
			}
		})
	}
}

func addr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
}

func TestEvictionBoundsMemory(t *testing.T) {
	for _, max := range []int{1, 1000, 5000, DefaultMaxClients} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			if max == DefaultMaxClients && testing.Short() {
				t.Skip("short")
			}
			s := newShield(t, Config{Default: Rate{PerSecond: 1, Burst: 1}, MaxClients: max})
			for i := range 2*max + 10 {
				s.Allow(-1, addr(i), t0)
			}
			if n := s.Len(); n != max {
				t.Errorf("Len = %d after %d clients; want MaxClients = %d", n, 2*max+10, max)
			}
		})
	}
}

func TestHotClientStaysLimited(t *testing.T) {
	s := newShield(t, Config{Default: Rate{PerSecond: 0.01, Burst: 1}, MaxClients: 1000})
	hot := netip.MustParseAddr("2001:db8::1")
	run(t, s, -1, hot, []step{{0, true, 0}})
	// a flood of new clients, ten times MaxClients, while the hot client
	// keeps trying: it must never find a fresh bucket
	for i := range 10_000 {
		s.Allow(-1, addr(i), t0)
		if i%100 == 0 {
			if ok, _ := s.Allow(-1, hot, t0); ok {
				t.Fatalf("the hot client was allowed again after %d new clients: its bucket was evicted", i)
			}
		}
	}
	if n := s.Len(); n > 1000 {
		t.Errorf("Len = %d; want at most 1000", n)
	}
}

// TestConcurrentBurst has many goroutines share a few clients' buckets at
// one instant: exactly Burst requests of each client get through.
func TestConcurrentBurst(t *testing.T) {
	const clients, burst, workers, tries = 8, 100, 16, 200
	s := newShield(t, Config{Default: Rate{PerSecond: 1, Burst: burst}, MaxClients: 4096})
	var allowed [clients]atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range tries {
				c := (w + i) % clients
				if ok, _ := s.Allow(-1, addr(c), t0); ok {
					allowed[c].Add(1)
				}
				s.Allow(-1, addr(1000+w*tries+i), t0) // churn in other buckets
			}
		})
	}
	wg.Wait()
	for c := range allowed {
		if n := allowed[c].Load(); n != burst {
			t.Errorf("client %d: %d requests allowed; want the burst, %d", c, n, burst)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"NegativeRate", Config{Default: Rate{PerSecond: -1}}, "default rate: per_second -1"},
		{"NegativeBurst", Config{Default: Rate{PerSecond: 1, Burst: -1}}, "default rate: burst -1"},
		{"TooSlowToRefill", Config{Default: Rate{PerSecond: 1e-10, Burst: 1}}, "longer than"},
		{"NegativeMaxClients", Config{MaxClients: -1}, "max_clients -1"},
		{"IPv6PrefixTooLong", Config{IPv6Prefix: 129}, "ipv6_prefix 129"},
		{"BadRoute", Config{Rules: []Rule{{Route: "no-slash"}}}, "rule 0: route \"no-slash\": path must start with /"},
		{"SameShape", Config{Rules: []Rule{{Route: "/a/:x"}, {Route: "/a/:y"}}}, "rule 1: route /a/:y conflicts with /a/:x"},
		{"NegativeBodyBytes", Config{Rules: []Rule{{Route: "/", BodyBytes: -1}}}, "body_bytes -1"},
		{"RuleRate", Config{Rules: []Rule{{Route: "/", Rate: Rate{PerSecond: 2e9}}}}, "rule 0 (/): per_second 2e+09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if err == nil || !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v; want ErrInvalidConfig with %q", err, tt.want)
			}
			if _, err := New(tt.cfg); err == nil {
				t.Error("New accepted it")
			}
		})
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig().Validate() = %v", err)
	}
}

func TestAllowDoesNotAllocate(t *testing.T) {
	s := newShield(t, Config{Default: Rate{PerSecond: 1e6, Burst: 1e6}, MaxClients: 2000})
	for i := range 4000 { // fill the shard, so that new clients evict
		s.Allow(-1, addr(i), t0)
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		s.Allow(s.Match("api.example.com:443", "/v1/users/42"), addr(i%3000), t0)
		i++
	})
	if allocs != 0 {
		t.Errorf("Match+Allow allocate %v times per call; want 0", allocs)
	}
}
