package container

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// probeTimeout bounds one health probe.
const probeTimeout = 2 * time.Second

// probe tries the container until it answers (then closes healthy) or
// supervision stops. A container that keeps exiting keeps failing its
// probes; the error says why, for Start's caller.
func (in *Instance) probe() {
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		err := in.check()
		if err == nil {
			close(in.healthy)
			return
		}
		in.mu.Lock()
		if in.lastExit != "" {
			err = fmt.Errorf("%w (its process: %s; stderr: %s)", err, in.lastExit, tail(in.bundle+"/stderr.log", 512))
		}
		in.healthErr = err
		in.mu.Unlock()
		select {
		case <-in.stop:
			return
		case <-time.After(pause):
		}
	}
}

// check is one probe: a TCP connection to the container's port, and when
// the spec names a health path, a GET of it answered 2xx or 3xx.
func (in *Instance) check() error {
	if !in.Addr.IsValid() {
		return nil // no network: nothing to reach, nothing to wait for
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	conn, err := in.Dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if in.Spec.Health == "" {
		return nil
	}
	conn.SetDeadline(time.Now().Add(probeTimeout))
	req, err := http.NewRequest(http.MethodGet, "http://"+in.Addr.String()+in.Spec.Health, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "vault-health")
	req.Close = true
	if err := req.Write(conn); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 399 {
		return fmt.Errorf("health check GET %s answered %s", in.Spec.Health, resp.Status)
	}
	return nil
}

// ErrNoAddress says a container has no network to be reached on.
var ErrNoAddress = errors.New("container: the container has no network (network: none)")

// Dial connects to the container's port: in the node's bridge namespace,
// or on the host's loopback for a container sharing the host's network.
func (in *Instance) Dial(ctx context.Context) (net.Conn, error) {
	if !in.Addr.IsValid() {
		return nil, ErrNoAddress
	}
	if in.Spec.Network == "host" {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", in.Addr.String())
	}
	return DialIn(ctx, in.s.ns, in.Addr.String())
}
