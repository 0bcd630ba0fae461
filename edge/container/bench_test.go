package container

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"
)

// BenchmarkStart is a container's way to its first answer, in parts: the
// supervisor's whole Start (namespace and veth, runc create and start,
// health check) then its removal; the network attachment alone (ip);
// and runc create + start alone, without a network.
func BenchmarkStart(b *testing.B) {
	dir := b.TempDir()
	rootfs := busyboxRootfs(b)
	s, _ := newSupervisor(b, dir, rootfs)
	b.Cleanup(func() {
		s.Prune(context.Background(), nil, 0)
		ip(context.Background(), "", "netns", "delete", s.Namespace())
	})
	ctx := context.Background()
	b.Run("supervisor", func(b *testing.B) {
		for i := range b.N {
			sp := httpdSpec(b, fmt.Sprintf("bench%d", i), 1)
			in, err := s.Start(ctx, sp)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if err := s.Remove(ctx, in.ID, 0); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
	b.Run("attach", func(b *testing.B) {
		n, err := s.network(ctx, NetworkRef{Name: DefaultNetwork})
		if err != nil {
			b.Fatal(err)
		}
		for i := range b.N {
			id := fmt.Sprintf("vault-%s-attach-%d", s.cfg.Node, i)
			if _, err := Attach(ctx, n, id, "eth0", netip.MustParseAddr("10.213.200.7"), true); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			Detach(ctx, id)
			b.StartTimer()
		}
	})
	b.Run("runc", func(b *testing.B) {
		sp := httpdSpec(b, "runc", 1)
		spec, err := (&Instance{s: s, Spec: sp, bundle: filepath.Join(dir, "runc-bundle")}).prepare(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for i := range b.N {
			id := fmt.Sprintf("vault-%s-runc-%d", s.cfg.Node, i)
			if _, err := s.cfg.Runtime.Create(ctx, id, filepath.Join(dir, id), rootfs, "", spec); err != nil {
				b.Fatal(err)
			}
			if err := s.cfg.Runtime.Start(ctx, id); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			s.cfg.Runtime.Delete(ctx, id, true)
			b.StartTimer()
		}
	})
}
