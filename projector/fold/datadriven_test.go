package fold_test

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/projector/fold"
	"github.com/vault-runtime/vault/projector/fold/foldtest"
)

// TestDataDriven runs the scripts in testdata: each appends signed
// events to an in-memory ledger and folds them, printing what each record
// did; `state` prints the projected state. Refresh expectations with
// `go test ./projector -run DataDriven -rewrite` and read the diff.
//
// Commands:
//
//	ledger                                  a new ledger (genesis at seq 1)
//	deploy fn=NAME blob=B [routes=/a,/b] [take=/a] [image=I [runtime=K] [network=N] [volumes=V1,V2] [mounts=V1] [networks=N1,N2]] [signer=S] [foreign]
//	activate fn=NAME version=N [percent=P] [blob=B] [signer=S] [foreign]
//	rollback fn=NAME version=N [blob=B] [signer=S]
//	pause|resume|retire fn=NAME [signer=S]
//	served                                  what a node serves, per function
//	replay seq=N                            store record N's envelope again
//	state                                   the projected state
//	key-add key=K roles=R1,R2 [threshold=T] [signer=S1,S2]
//	key-rotate key=K to=K2 [threshold=T] [signer=...]
//	key-revoke key=K [threshold=T] [signer=...]
//	role-grant key=K role=R [threshold=T] [signer=...]
//	role-revoke key=K role=R [threshold=T] [signer=...]
//	keys                                    the projected keyring
//	image-pull image=I repo=R [tag=T] [layers=L1,L2] [platform=P] [subject=X] [signer=S]
//	image-rm image=I [subject=X] [signer=S]
//	images                                  the images and their pulls
//	network-create name=N [subnet=S] [subject=X] [signer=S]
//	volume-create|volume-rm name=V [subject=X] [signer=S]
//	netvol                                  the networks and volumes
//
// A container deploy (image=I) carries foldtest.Runtime(K) (K: restricted,
// the default, root, sysadmin, netadmin, hostmount, noseccomp, nonnp,
// unknownfield; none for no config) and network N (restricted). Its
// record names volumes V and networks N, and its config mounts the volumes
// named by mounts (default: volumes) at /vol/NAME.
// Image, layer and config digests are those of their names (image I's
// manifest is "I", its config "I-config"), printed as <name>.
//
// Signers: operator (admin, deploy, activate; the default), deployer
// (deploy only), logger (log only), stranger (not in the ledger); any other
// name is a fresh key, the same one each time the script names it.
// signer=a,b seals with several keys. foreign seals the event for another
// ledger.
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		var l *foldtest.Ledger
		var records [][]byte // the envelopes applied, record seq-1 at index seq-1
		var st *fold.State
		seen := map[string]uint64{}
		blobs := map[string]string{} // digest → blob name, for readable output
		stranger := foldtest.NamedSigner(t, "stranger")
		named := map[string]*events.Signer{}
		// Keys, the ledger ID and digests are random: print names instead.
		redact := func(out string) string {
			pairs := []string{l.Operator.ID, "<operator>", l.Deployer.ID, "<deployer>", l.Logger.ID, "<logger>",
				stranger.ID, "<stranger>", l.ID, "<this ledger>"}
			for name, s := range named {
				pairs = append(pairs, s.ID, "<"+name+">")
			}
			for d, name := range blobs {
				pairs = append(pairs, d, "<"+name+">")
			}
			return strings.NewReplacer(pairs...).Replace(out)
		}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			arg := func(key, def string) string {
				if a, ok := d.Arg(key); ok && len(a.Vals) > 0 {
					return strings.Join(a.Vals, ",")
				}
				return def
			}
			if d.Cmd != "ledger" && l == nil {
				d.Fatalf(t, "no ledger yet: start with `ledger`")
			}
			key := func(name string) *events.Signer {
				switch name {
				case "operator":
					return l.Operator
				case "deployer":
					return l.Deployer
				case "logger":
					return l.Logger
				case "stranger":
					return stranger
				}
				if named[name] == nil {
					named[name] = foldtest.NamedSigner(t, name)
				}
				return named[name]
			}
			signers := func() []*events.Signer {
				var out []*events.Signer
				for _, name := range strings.Split(arg("signer", "operator"), ",") {
					out = append(out, key(name))
				}
				return out
			}
			ledgerID := func() string {
				if d.HasArg("foreign") {
					return "another-ledger"
				}
				return l.ID
			}
			apply := func(env []byte) string {
				records = append(records, env)
				seq, id := uint64(len(records)), events.ID(env)
				var err error
				if first, dup := seen[id]; dup {
					err = fold.RejectReplay(st, seq, id, first)
				} else {
					seen[id] = seq
					err = fold.Apply(st, seq, id, env)
				}
				if err != nil {
					return redact(fmt.Sprintf("seq %d: rejected: %v\n", seq, err))
				}
				return fmt.Sprintf("seq %d: ok\n", seq)
			}
			switch d.Cmd {
			case "ledger":
				l, st, records = foldtest.NewLedger(t), fold.NewState(), nil
				clear(seen)
				clear(blobs)
				clear(named)
				return apply(l.Genesis)
			case "deploy":
				fn, blob := arg("fn", ""), arg("blob", "")
				blobs[foldtest.Digest(blob)] = blob
				var routes []string
				if r := arg("routes", ""); r != "" {
					routes = strings.Split(r, ",")
				}
				d := events.Deployed{Name: fn, Artifact: foldtest.Digest(blob), Size: int64(len(blob)), Routes: routes}
				if r := arg("take", ""); r != "" {
					d.Transfer = strings.Split(r, ",")
				}
				if v := arg("volumes", ""); v != "" {
					d.Volumes = strings.Split(v, ",")
				}
				if n := arg("networks", ""); n != "" {
					d.Networks = strings.Split(n, ",")
				}
				if img := arg("image", ""); img != "" {
					d.Image = foldtest.OCIDigest(img)
					if rt := arg("runtime", "restricted"); rt != "none" {
						d.Runtime = foldtest.Runtime(t, rt)
					}
					d.Network = arg("network", "restricted")
					if m := arg("mounts", arg("volumes", "")); m != "" && len(d.Runtime) > 0 {
						d.Runtime = foldtest.WithVolumes(t, d.Runtime, strings.Split(m, ",")...)
					}
				}
				return apply(l.Seal(ledgerID(), events.TypeDeployed, fn, d, signers()...))
			case "activate", "rollback":
				fn := arg("fn", "")
				v, _ := strconv.Atoi(arg("version", "0"))
				percent, _ := strconv.Atoi(arg("percent", "0"))
				artifact := foldtest.Digest(arg("blob", ""))
				if b, ok := d.Arg("blob"); ok && len(b.Vals) > 0 {
					blobs[artifact] = b.Vals[0]
				}
				if _, ok := d.Arg("blob"); !ok {
					if f := st.Functions[fn]; f != nil && v >= 1 && v <= len(f.Versions) {
						artifact = f.Versions[v-1].Artifact
					}
				}
				if d.Cmd == "rollback" {
					r := events.RolledBack{Name: fn, Version: v, Artifact: artifact}
					return apply(l.Seal(ledgerID(), events.TypeRolledBack, fn, r, signers()...))
				}
				a := events.Activated{Name: fn, Version: v, Artifact: artifact, Percent: percent}
				return apply(l.Seal(ledgerID(), events.TypeActivated, fn, a, signers()...))
			case "pause", "resume", "stop", "start", "retire":
				fn := arg("fn", "")
				typ := map[string]events.Type{"pause": events.TypePaused, "resume": events.TypeResumed, "stop": events.TypeStopped,
					"start": events.TypeStarted, "retire": events.TypeRetired}[d.Cmd]
				return apply(l.Seal(ledgerID(), typ, fn, events.Lifecycle{Name: fn}, signers()...))
			case "served":
				return describeServed(st, blobs)
			case "image-pull":
				img := arg("image", "")
				var layers []string
				for _, name := range strings.Split(arg("layers", img+"-layer"), ",") {
					if name != "" {
						layers = append(layers, name)
					}
				}
				for _, name := range append([]string{img, img + "-config"}, layers...) {
					blobs[foldtest.Digest(name)] = name
				}
				p := foldtest.Image(img, arg("repo", ""), arg("tag", ""), layers...)
				p.Platform = arg("platform", p.Platform)
				return apply(l.Seal(ledgerID(), events.TypeImagePulled, arg("subject", p.Digest), p, signers()...))
			case "image-rm":
				digest := foldtest.OCIDigest(arg("image", ""))
				return apply(l.Seal(ledgerID(), events.TypeImageRemoved, arg("subject", digest), events.ImageRemoved{Digest: digest}, signers()...))
			case "images":
				return redact(describeImages(st))
			case "network-create":
				name := arg("name", "")
				body := events.NetworkCreated{Name: name, Subnet: arg("subnet", "")}
				return apply(l.Seal(ledgerID(), events.TypeNetworkCreated, arg("subject", name), body, signers()...))
			case "volume-create":
				name := arg("name", "")
				return apply(l.Seal(ledgerID(), events.TypeVolumeCreated, arg("subject", name), events.VolumeCreated{Name: name}, signers()...))
			case "volume-rm":
				name := arg("name", "")
				return apply(l.Seal(ledgerID(), events.TypeVolumeRemoved, arg("subject", name), events.VolumeRemoved{Name: name}, signers()...))
			case "netvol":
				return redact(describeNetVol(st))
			case "replay":
				n, _ := strconv.Atoi(arg("seq", "0"))
				if n < 1 || n > len(records) {
					d.Fatalf(t, "no record %d", n)
				}
				return apply(records[n-1])
			case "state":
				return describeState(st, blobs)
			case "keys":
				return describeKeys(st.Keys, redact)
			case "key-add", "key-rotate", "key-revoke", "role-grant", "role-revoke":
				k := key(arg("key", ""))
				threshold, _ := strconv.Atoi(arg("threshold", "0"))
				role := events.Role(arg("role", ""))
				var typ events.Type
				var body any
				switch d.Cmd {
				case "key-add":
					var roles []events.Role
					for _, r := range strings.Split(arg("roles", ""), ",") {
						roles = append(roles, events.Role(r))
					}
					typ, body = events.TypeKeyAdded, events.KeyAdded{ID: k.ID, PublicKey: k.Public(), Roles: roles, AdminThreshold: threshold}
				case "key-rotate":
					to := key(arg("to", ""))
					typ, body = events.TypeKeyRotated, events.KeyRotated{ID: k.ID, NewID: to.ID, NewPublicKey: to.Public(), AdminThreshold: threshold}
				case "key-revoke":
					typ, body = events.TypeKeyRevoked, events.KeyRevoked{ID: k.ID, Reason: "test", AdminThreshold: threshold}
				case "role-grant":
					typ, body = events.TypeRoleGranted, events.RoleChange{ID: k.ID, Role: role, AdminThreshold: threshold}
				case "role-revoke":
					typ, body = events.TypeRoleRevoked, events.RoleChange{ID: k.ID, Role: role, AdminThreshold: threshold}
				}
				return apply(l.Seal(ledgerID(), typ, k.ID, body, signers()...))
			}
			d.Fatalf(t, "unknown command %q", d.Cmd)
			return ""
		})
	})
}

// describeState prints functions in name order with their lifecycle
// state, traffic and versions, then route owners and rejected records.
func describeState(st *fold.State, blobs map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "seq %d\n", st.Seq)
	for _, name := range slices.Sorted(maps.Keys(st.Functions)) {
		f := st.Functions[name]
		fmt.Fprintf(&b, "%s: %s", name, f.Summary())
		if f.StateSeq > 0 {
			fmt.Fprintf(&b, " (since seq %d)", f.StateSeq)
		}
		b.WriteString("\n")
		for _, v := range f.Versions {
			fmt.Fprintf(&b, "  v%d %s routes=%s (seq %d)", v.Number, blobs[v.Artifact], strings.Join(v.Routes, ","), v.DeployedSeq)
			if len(v.Transferred) > 0 {
				fmt.Fprintf(&b, " took=%s", strings.Join(v.Transferred, ","))
			}
			if v.Image != "" {
				fmt.Fprintf(&b, " image=%s", blobs[strings.TrimPrefix(v.Image, "sha256:")])
			}
			if len(v.Volumes) > 0 {
				fmt.Fprintf(&b, " volumes=%s", strings.Join(v.Volumes, ","))
			}
			if len(v.Networks) > 0 {
				fmt.Fprintf(&b, " networks=%s", strings.Join(v.Networks, ","))
			}
			b.WriteString("\n")
		}
	}
	for _, shape := range slices.Sorted(maps.Keys(st.Routes)) {
		o := st.Routes[shape]
		fmt.Fprintf(&b, "route %s -> %s (seq %d)\n", o.Route, o.Function, o.Since)
	}
	for _, r := range st.Rejected {
		fmt.Fprintf(&b, "rejected seq %d\n", r.Seq)
	}
	return b.String()
}

// describeServed prints what a node would serve for each function: the
// versions, their shares and the routes they answer.
func describeServed(st *fold.State, blobs map[string]string) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(st.Functions)) {
		s, ok := fold.ServedFor(st, st.Functions[name])
		if !ok {
			fmt.Fprintf(&b, "%s: not served\n", name)
			continue
		}
		switch {
		case s.Paused:
			fmt.Fprintf(&b, "%s: paused (503)\n", name)
		case s.Stopped:
			fmt.Fprintf(&b, "%s: stopped (503)\n", name)
		default:
			fmt.Fprintf(&b, "%s:\n", name)
		}
		for _, v := range s.Versions {
			fmt.Fprintf(&b, "  v%d %s %d%% routes=%s\n", v.Version, blobs[v.Artifact], v.Percent, strings.Join(v.Routes, ","))
		}
	}
	return b.String()
}

// describeKeys prints the keyring: threshold, then each key, named by
// redact, in name order with its roles and history.
func describeKeys(kr *events.Keyring, redact func(string) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "admin threshold %d\n", kr.AdminThreshold)
	lines := []string{}
	for _, k := range kr.Keys {
		line := fmt.Sprintf("%s roles=%s added=%d", k.ID, joinRoles(k.Roles), k.AddedSeq)
		if len(k.AddedBy) > 0 {
			line += " by=" + strings.Join(k.AddedBy, ",")
		}
		if k.Revoked() {
			line += fmt.Sprintf(" revoked=%d by=%s", k.RevokedSeq, strings.Join(k.RevokedBy, ","))
		}
		if k.RotatedTo != "" {
			line += " rotated-to=" + k.RotatedTo
		}
		lines = append(lines, redact(line))
	}
	slices.Sort(lines)
	return fmt.Sprintf("%s%s\n", b.String(), strings.Join(lines, "\n"))
}

func joinRoles(roles []events.Role) string {
	var s []string
	for _, r := range roles {
		s = append(s, string(r))
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}

// describeImages prints the images in digest order with their blobs and
// pulls.
func describeImages(st *fold.State) string {
	var b strings.Builder
	for _, digest := range slices.Sorted(maps.Keys(st.Images)) {
		img := st.Images[digest]
		fmt.Fprintf(&b, "%s %s config=%s layers=%d size=%d\n", img.Digest, img.Platform, img.Config.Digest, len(img.Layers), img.Size)
		for _, p := range img.Pulls {
			fmt.Fprintf(&b, "  pulled from %s tag=%q at seq %d by %s\n", p.Repository, p.Tag, p.Seq, strings.Join(p.By, ","))
		}
	}
	return b.String()
}

// describeNetVol prints the networks, then the volumes, in name order,
// with the record that made each.
func describeNetVol(st *fold.State) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(st.Networks)) {
		n := st.Networks[name]
		fmt.Fprintf(&b, "network %s subnet=%q at seq %d by %s\n", n.Name, n.Subnet, n.CreatedSeq, strings.Join(n.By, ","))
	}
	for _, name := range slices.Sorted(maps.Keys(st.Volumes)) {
		v := st.Volumes[name]
		fmt.Fprintf(&b, "volume %s at seq %d by %s\n", v.Name, v.CreatedSeq, strings.Join(v.By, ","))
	}
	return b.String()
}
