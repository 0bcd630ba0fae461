package shield

import (
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAllow is the common case: many goroutines (connections), each
// of many known clients allowed.
func BenchmarkAllow(b *testing.B) {
	s := newShield(b, Config{Default: Rate{PerSecond: 1e9, Burst: 1 << 30}})
	const clients = 4096
	for i := range clients {
		s.Allow(-1, addr(i), t0)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1)) * 7919
		now := t0
		for pb.Next() {
			s.Allow(-1, addr(i%clients), now)
			i++
			now = now.Add(time.Microsecond)
		}
	})
}

// BenchmarkAllowDenied is one hot client refused over and over.
func BenchmarkAllowDenied(b *testing.B) {
	s := newShield(b, Config{Default: Rate{PerSecond: 1, Burst: 1}})
	hot := netip.MustParseAddr("2001:db8::1")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Allow(-1, hot, t0)
		}
	})
}

// BenchmarkAllowChurn is a flood of new clients, each evicting another.
func BenchmarkAllowChurn(b *testing.B) {
	s := newShield(b, Config{Default: Rate{PerSecond: 1, Burst: 1}, MaxClients: 10_000})
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Allow(-1, addr(int(next.Add(1))), t0)
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	s := newShield(b, Config{Rules: []Rule{
		{Route: "/api/*"}, {Route: "api.example.com/v1/:id"}, {Route: "/static/*"}, {Route: "/users/:id/posts"},
	}})
	b.ReportAllocs()
	for b.Loop() {
		s.Match("api.example.com:443", "/v1/42")
	}
}
