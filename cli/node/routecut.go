package node

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// How a hub closes the routes of a hub whose key the keyring stops
// trusting (routeAuth.sweep). nats-server offers no call to close a
// route, and its route list does not say which key a route proved; what
// it offers is
// pinned certificates for the cluster, applied to every route (solicited
// or accepted) by the key its TLS peer proved when the options are
// reloaded. So sweep pins every admitted key but the distrusted ones,
// which closes exactly their routes, and unpins at once; admit refuses
// them from then on, so they cannot come back.

// pinRoutes applies a set of pinned cluster keys (nil: none) to the
// running server; nats-server closes every route whose peer's key is not
// in a non-nil set.
type pinRoutes func(server.PinnedCertSet) error

// sweep cuts the routes of every admitted key the keyring now refuses
// (revoked, no longer a node, or not named once the cluster is
// registered), and forgets it: admit refuses it from then on. While it pins, admit waits: a route admitted meanwhile would
// be cut with the others.
func (a *routeAuth) sweep(pin pinRoutes) {
	kr := a.trust()
	if kr == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.registeredIn(kr)             // says so as soon as it is
	keep := server.PinnedCertSet{} // never nil: nil would pin nothing
	cut := map[string]string{}
	for id, p := range a.peers {
		if why := a.refuses(kr, id); why != "" {
			cut[id] = why
			continue
		}
		sum := sha256.Sum256(p.spki)
		keep[hex.EncodeToString(sum[:])] = struct{}{}
	}
	if len(cut) == 0 {
		return
	}
	err := pin(keep)
	if err == nil {
		err = pin(nil)
	}
	if err != nil {
		// Retried at every sweep; said once a minute.
		if a.refusal.due("pin: " + err.Error()) {
			a.log.Error("could not close the routes of hubs whose node keys are no longer trusted", "err", err, "repeats", "at most once a minute")
		}
		return
	}
	for id, why := range cut {
		delete(a.peers, id)
		a.log.Warn("closed a hub's routes: its node key is no longer trusted", "key", id, "reason", why)
	}
}

// clusterPins reloads the embedded server's options with a set of pinned
// cluster keys: the one way nats-server closes routes by the key they
// proved. opts are the options the server runs with now.
type clusterPins struct {
	ns   *server.Server
	opts *server.Options
}

func (p *clusterPins) pin(set server.PinnedCertSet) error {
	next := p.opts.Clone()
	// Clone copies the TLS configurations, which nats-server would then
	// see as changed (their functions never compare equal): keep them.
	next.TLSConfig, next.Cluster.TLSConfig, next.LeafNode.TLSConfig = p.opts.TLSConfig, p.opts.Cluster.TLSConfig, p.opts.LeafNode.TLSConfig
	next.Cluster.TLSPinnedCerts = set
	if err := p.ns.ReloadOptions(next); err != nil {
		return fmt.Errorf("pin cluster keys: %w", err)
	}
	p.opts = next
	return nil
}

// watch sweeps every 200 ms until stop is closed, as leafAuth.watch does.
func (a *routeAuth) watch(ns *server.Server, opts *server.Options, stop <-chan struct{}) {
	pins := &clusterPins{ns: ns, opts: opts}
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			a.sweep(pins.pin)
		}
	}
}
