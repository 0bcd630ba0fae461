package devloop

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/edge/isolate"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/schemas"
)

// deployer deploys the directory and activates what it deployed, as
// vault deploy and vault activate would, on the dev node.
type deployer struct {
	dir   string
	c     *node.Client
	out   *printer
	front string // the front's address, for the URLs it prints
	// serving is the version the last good deploy made serve ("fn@v2").
	serving string
}

// deploy builds, checks, deploys and activates the directory, and says
// how it went. A version that does not build or run is not deployed:
// the serving one stays. It returns the function's name when it serves.
func (d *deployer) deploy(ctx context.Context) (string, bool) {
	start := time.Now()
	name, version, what, err := d.ship(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return "", false
		}
		still := "nothing is deployed yet"
		if d.serving != "" {
			still = d.serving + " keeps serving"
		}
		d.out.printf("%s error (%s):\n%s\n", clock(time.Now()), still, indent(err.Error()))
		return "", false
	}
	d.serving = fmt.Sprintf("%s@v%d", name, version)
	if what == unchanged {
		d.out.printf("%s unchanged: %s serves this code already\n", clock(time.Now()), d.serving)
		return name, true
	}
	d.out.printf("%s %s %s@v%d in %v: %s\n", clock(time.Now()), what, name, version,
		time.Since(start).Round(time.Millisecond), strings.Join(d.urls(ctx, name), " "))
	return name, true
}

// What a save came to.
const (
	deployed     = "deployed"      // a new version, activated
	servingAgain = "serving again" // an earlier version had this code: activated again
	unchanged    = "unchanged"     // the serving version has this code: nothing appended
)

// ship does the work of deploy: it returns the function's name as soon
// as the manifest gave it, the version serving, and what the save came
// to (deployed, servingAgain or unchanged).
func (d *deployer) ship(ctx context.Context) (name string, version int, what string, err error) {
	m, blob, err := schemas.BuildArtifact(d.dir)
	if m != nil {
		name = m.Name
	}
	if err != nil {
		return name, 0, "", err
	}
	if m.Kind == schemas.KindContainer {
		return name, 0, "", fmt.Errorf("%s is a container (kind: container): vault dev runs functions; use vault deploy on a node", m.Name)
	}
	if err := schemas.CheckArtifactSize(int64(len(blob)), schemas.DefaultMaxArtifactBytes); err != nil {
		return name, 0, "", err
	}
	if err := isolate.CheckArtifact(m, blob); err != nil {
		return name, 0, "", err
	}
	snap, err := d.c.Snapshot(ctx, 0)
	if err != nil {
		return name, 0, "", err
	}
	digest := events.Digest(blob)
	if f := snap.State.Functions[m.Name]; f != nil {
		for _, v := range f.Versions {
			if v.Artifact == digest {
				changed, err := d.activate(ctx, f, v.Number)
				if !changed {
					return name, v.Number, unchanged, err
				}
				return name, v.Number, servingAgain, err
			}
		}
	}
	if _, _, err := d.c.Upload(ctx, blob); err != nil {
		return name, 0, "", fmt.Errorf("upload artifact: %w", err)
	}
	body := events.Deployed{Name: m.Name, Artifact: digest, Size: int64(len(blob)), Routes: m.Routes}
	ack, err := d.c.SignAndAppend(ctx, events.TypeDeployed, m.Name, body, ledger.AppendOptions{})
	if err != nil {
		return name, 0, "", fmt.Errorf("deploy %s: %w", m.Name, err)
	}
	after, err := d.c.Snapshot(ctx, ack.Seq)
	if err != nil {
		return name, 0, "", err
	}
	f := after.State.Functions[m.Name]
	if f == nil || len(f.Versions) == 0 || f.Versions[len(f.Versions)-1].DeployedSeq != ack.Seq {
		return name, 0, "", fmt.Errorf("deploy %s: appended at seq %d but the node did not apply it", m.Name, ack.Seq)
	}
	version = f.Versions[len(f.Versions)-1].Number
	_, err = d.activate(ctx, f, version)
	return name, version, deployed, err
}

// activate makes version serve all of f's traffic, unless it does; it
// reports whether it appended anything.
func (d *deployer) activate(ctx context.Context, f *fold.Function, version int) (bool, error) {
	if f.State == fold.Active && f.Active == version && f.Canary == 0 {
		return false, nil
	}
	body := events.Activated{Name: f.Name, Version: version, Artifact: f.Versions[version-1].Artifact}
	ack, err := d.c.SignAndAppend(ctx, events.TypeActivated, f.Name, body, ledger.AppendOptions{})
	if err != nil {
		return true, fmt.Errorf("activate %s@v%d: %w", f.Name, version, err)
	}
	after, err := d.c.Snapshot(ctx, ack.Seq)
	if err != nil {
		return true, err
	}
	if after.Served[f.Name].Weight(version) != 100 {
		return true, fmt.Errorf("activate %s@v%d: the node could not serve it: %s", f.Name, version,
			after.Failed[fold.FailKey(f.Name, version, ack.Seq)])
	}
	return true, nil
}

// urls are where the function answers through the front: one per route
// without a host (a route with one needs that Host header).
func (d *deployer) urls(ctx context.Context, name string) []string {
	snap, err := d.c.Snapshot(ctx, 0)
	if err != nil || len(snap.Served[name].Versions) == 0 {
		return nil
	}
	var urls []string
	for _, r := range snap.Served[name].Versions[0].Routes {
		if !strings.HasPrefix(r, "/") {
			urls = append(urls, r+" (with that Host)")
			continue
		}
		urls = append(urls, "http://"+d.front+strings.TrimSuffix(r, "*"))
	}
	return urls
}

// clock is how vault dev stamps its lines: local time to the ms.
func clock(t time.Time) string { return t.Local().Format("15:04:05.000") }

// indent sets an error's lines off from the rest of the output.
func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}
