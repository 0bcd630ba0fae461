package node

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

// hubDomain is the JetStream domain of the hubs: edges mirror its streams
// and send appends and artifact uploads to it.
const hubDomain = "hub"

// Topology is how a node's NATS joins the others: a hub alone, a hub in a
// cluster of hubs, an edge leafed to the hubs, or a node on a NATS that
// the operator runs (External).
type Topology struct {
	// Edge makes the node an edge: its embedded NATS is a leaf node of
	// Hubs (nats-leaf:// URLs) with its own JetStream domain, and it
	// mirrors the hub's streams.
	Edge bool
	Hubs []string
	// LeafListen is where a hub accepts edges' leaf connections.
	LeafListen string
	// ClusterListen and Routes join hubs into a NATS cluster (R3 streams).
	ClusterListen string
	Routes        []string
	ClusterName   string
	// External is the URL of an existing NATS with JetStream: no embedded
	// server runs.
	External string
	// LeafCert and LeafKey put TLS 1.3 on a hub's leaf listener; edges
	// then prove a node key the ledger trusts (see leafAuth).
	LeafCert, LeafKey string
	// ClusterCert puts mutual TLS 1.3 on the routes between hubs: a
	// certificate the CA issued for the hub's node key (routecert.go).
	// ClusterKey is refused: the node key is the certificate's key. CA is
	// the PEM file of the CA that issued the hubs' leaf and cluster
	// certificates, which edges and hubs verify them with.
	ClusterCert, ClusterKey string
	CA                      string
}

func (t Topology) Role() string {
	if t.Edge {
		return RoleEdge
	}
	return RoleHub
}

func (t Topology) clustered() bool { return t.ClusterListen != "" }

// ledger is the streams' topology: an edge mirrors the hub's, a cluster of
// hubs replicates them three times.
func (t Topology) ledger() ledger.Topology {
	if t.Edge {
		return ledger.Topology{Mirror: hubDomain}
	}
	if t.clustered() {
		return ledger.Topology{Replicas: 3}
	}
	return ledger.Topology{Replicas: 1}
}

// Validate refuses combinations that cannot work, and leaf and cluster
// listeners beyond loopback without TLS and authentication.
func (t Topology) Validate() error {
	switch {
	case t.Edge && len(t.Hubs) == 0:
		return fmt.Errorf("--edge needs --hub nats-leaf://HOST:PORT (the hub's --leaf-listen)")
	case !t.Edge && len(t.Hubs) > 0:
		return fmt.Errorf("--hub is for edges: add --edge")
	case t.Edge && (t.LeafListen != "" || t.ClusterListen != ""):
		return fmt.Errorf("--leaf-listen and --cluster-listen are for hubs, not edges")
	case t.External != "" && (t.Edge || t.LeafListen != "" || t.ClusterListen != ""):
		return fmt.Errorf("--nats runs the node on your NATS: --edge, --leaf-listen and --cluster-listen configure the embedded one")
	case t.clustered() != (len(t.Routes) > 0):
		return fmt.Errorf("--cluster-listen and --routes go together (each hub lists the others' cluster addresses)")
	}
	if err := t.validateTLS(); err != nil {
		return err
	}
	for _, u := range t.Hubs {
		if _, err := parseNATSURL(u, "nats-leaf"); err != nil {
			return fmt.Errorf("--hub: %w", err)
		}
	}
	for _, u := range t.Routes {
		if _, err := parseNATSURL(u, "nats-route"); err != nil {
			return fmt.Errorf("--routes: %w", err)
		}
	}
	return nil
}

// apply sets the embedded server's name, domain, leaf and cluster options.
func (t Topology) apply(opts *server.Options, nodeID string) error {
	opts.ServerName = "vault-" + nodeID
	opts.JetStreamDomain = hubDomain
	if t.Edge {
		opts.JetStreamDomain = "edge-" + nodeID
		remote := &server.RemoteLeafOpts{}
		for _, h := range t.Hubs {
			u, _ := parseNATSURL(h, "nats-leaf")
			remote.URLs = append(remote.URLs, u)
		}
		opts.LeafNode.Remotes = []*server.RemoteLeafOpts{remote}
		// Come back quickly when the hub returns: an edge catching up is
		// an edge serving stale routes.
		opts.LeafNode.ReconnectInterval = 500 * time.Millisecond
	}
	if t.LeafListen != "" {
		host, port, err := splitHostPort(t.LeafListen)
		if err != nil {
			return fmt.Errorf("--leaf-listen: %w", err)
		}
		opts.LeafNode.Host, opts.LeafNode.Port = host, port
	}
	if t.clustered() {
		host, port, err := splitHostPort(t.ClusterListen)
		if err != nil {
			return fmt.Errorf("--cluster-listen: %w", err)
		}
		opts.Cluster.Name, opts.Cluster.Host, opts.Cluster.Port = t.ClusterName, host, port
		for _, r := range t.Routes {
			u, _ := parseNATSURL(r, "nats-route")
			opts.Routes = append(opts.Routes, u)
		}
	}
	return nil
}

func parseNATSURL(s, scheme string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != scheme || u.Host == "" {
		return nil, fmt.Errorf("%q: want %s://HOST:PORT", s, scheme)
	}
	return u, nil
}

// splitHostPort reads a NATS listen address. Port 0 asks for any free
// port, as it does for every other listener: NATS's own 0 would mean its
// default port instead.
func splitHostPort(addr string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return "", 0, fmt.Errorf("%q: bad port", addr)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return host, port, nil
}

func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// subscribeNode answers a node-local API on its own subject and, in a
// queue group, on the AnyNode one.
func (n *Node) subscribeNode(api string, handle nats.MsgHandler) ([]*nats.Subscription, error) {
	own, err := n.nc.Subscribe(NodeAPI(n.serverName, api), handle)
	if err != nil {
		return nil, fmt.Errorf("serve %s: %w", api, err)
	}
	anyOne, err := n.nc.QueueSubscribe(NodeAPI(AnyNode, api), "vault-node", handle)
	if err != nil {
		own.Unsubscribe()
		return nil, fmt.Errorf("serve %s: %w", api, err)
	}
	return []*nats.Subscription{own, anyOne}, nil
}

// validateTLS refuses leaf and cluster listeners beyond loopback without
// TLS and authentication, and TLS flags that cannot take effect.
func (t Topology) validateTLS() error {
	switch {
	case (t.LeafCert == "") != (t.LeafKey == ""):
		return errors.New("--leaf-cert and --leaf-key go together")
	case t.ClusterKey != "":
		return errors.New("--cluster-key is not used any more: a hub's cluster certificate is issued for its node key, which signs its routes' TLS (make the request with 'vault keys csr')")
	case t.LeafCert != "" && t.LeafListen == "":
		return errors.New("--leaf-cert and --leaf-key are for a hub's --leaf-listen")
	case t.ClusterCert != "" && t.ClusterListen == "":
		return errors.New("--cluster-cert is for a hub's --cluster-listen")
	case t.ClusterCert != "" && t.caFile() == "":
		return errors.New("--cluster-cert needs --nats-ca: each hub verifies the other hubs' cluster certificates with it")
	case t.LeafListen != "" && !loopbackAddr(t.LeafListen) && t.LeafCert == "":
		return fmt.Errorf("--leaf-listen %s is beyond loopback: refusing to accept edges without TLS and node-key authentication (add --leaf-cert and --leaf-key)", t.LeafListen)
	case t.ClusterListen != "" && !loopbackAddr(t.ClusterListen) && t.ClusterCert == "":
		return fmt.Errorf("--cluster-listen %s is beyond loopback: refusing to join hubs without mutual TLS and node keys (add --cluster-cert and --nats-ca)", t.ClusterListen)
	}
	for _, r := range t.Routes {
		if u, err := parseNATSURL(r, "nats-route"); err == nil && !loopbackAddr(u.Host) && t.ClusterCert == "" {
			return fmt.Errorf("--routes %s is beyond loopback: refusing to join hubs without mutual TLS and node keys (add --cluster-cert and --nats-ca)", r)
		}
	}
	return nil
}

// caFile is --nats-ca, else $VAULT_NATS_CA (the CLI's CA for a node's
// client port, often the same CA).
func (t Topology) caFile() string {
	if t.CA != "" {
		return t.CA
	}
	return os.Getenv("VAULT_NATS_CA")
}

// edgeTLS: an edge dials its hubs over TLS when given --nats-ca or when
// one is beyond loopback (whose hub then requires TLS: validateTLS). Not
// for $VAULT_NATS_CA alone: set for the CLI, it must not turn TLS on for
// an edge of a loopback hub without it.
func (t Topology) edgeTLS() bool {
	if !t.Edge {
		return false
	}
	if t.CA != "" {
		return true
	}
	for _, h := range t.Hubs {
		if u, err := parseNATSURL(h, "nats-leaf"); err == nil && !loopbackAddr(u.Host) {
			return true
		}
	}
	return false
}

// linkGuards are the checks a hub runs on its links: leaf checks the
// edges' node keys, routes the other hubs'; nil where the link has no TLS.
type linkGuards struct {
	leaf   *leafAuth
	routes *routeAuth
}

// applyTLS puts TLS on the leaf and cluster connections the topology
// asks for. An edge presents its node key; a hub's leaf listener with TLS
// admits only edges whose node key the keyring (trust) names, and its
// routes with TLS present its node key and admit hubs by theirs (against
// projected, the keyring from the ledger, nil until it is projected).
func (t Topology) applyTLS(opts *server.Options, nodeKey *events.Signer, trust, projected func() *events.Keyring, log *slog.Logger) (linkGuards, error) {
	var g linkGuards
	var ca *x509.CertPool
	if t.edgeTLS() || t.ClusterCert != "" {
		// Only then: $VAULT_NATS_CA, set for the CLI, must not stop a
		// node that has no use for it.
		var err error
		if ca, err = loadCA(t.caFile()); err != nil {
			return g, err
		}
	}
	if t.edgeTLS() {
		cfg, err := leafClientTLS(ca, nodeKey)
		if err != nil {
			return g, err
		}
		for _, r := range opts.LeafNode.Remotes {
			r.TLS, r.TLSConfig, r.TLSTimeout = true, cfg, 2
		}
	}
	if trust == nil || projected == nil {
		switch {
		case t.LeafCert != "":
			return g, errors.New("--leaf-cert: edges prove node keys against the ledger's keyring, which --nats-auth none turns off; use --nats-auth keyring")
		case t.ClusterCert != "":
			return g, errors.New("--cluster-cert: hubs prove node keys against the ledger's keyring, which --nats-auth none turns off; use --nats-auth keyring")
		}
	}
	if t.ClusterCert != "" {
		if nodeKey == nil {
			return g, errors.New("--cluster-cert: no node key to present")
		}
		g.routes = newRouteAuth(projected, nodeKey.ID, t.otherHubs(), log)
		var err error
		if opts.Cluster.TLSConfig, err = clusterTLS(t.ClusterCert, ca, nodeKey, g.routes); err != nil {
			return g, err
		}
		opts.Cluster.TLSTimeout = 2
	}
	if t.LeafCert != "" {
		var err error
		if opts.LeafNode.TLSConfig, err = leafServerTLS(t.LeafCert, t.LeafKey); err != nil {
			return g, err
		}
		opts.LeafNode.TLSTimeout = 2
		g.leaf = newLeafAuth(trust, log)
	}
	return g, nil
}

// otherHubs counts the --routes to other hubs: a list shared by every hub
// of a cluster may name this one's --cluster-listen too.
func (t Topology) otherHubs() int {
	n := 0
	for _, r := range t.Routes {
		if u, err := parseNATSURL(r, "nats-route"); err != nil || u.Host != t.ClusterListen {
			n++
		}
	}
	return n
}
