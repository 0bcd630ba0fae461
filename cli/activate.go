package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector/fold"
)

func activateCommand() *cobra.Command {
	var server string
	var opts ledger.AppendOptions
	var percent int
	var wait waitFlags
	var report changeReport
	cmd := &cobra.Command{
		Use:   "activate NAME@VERSION",
		Short: "Make a deployed version serve, or take a share of the traffic (appends a signed function.activated event)",
		Long: `Activate appends a function.activated event, signed with the operator key, that
names the version and its artifact digest. Every node switches the function's
routes to that version once it has fetched, checked and compiled it.

With --percent P (1..99) the version takes P% of the requests and the active
version the rest (a canary); at 100, the default, it takes all of them:
activating the canary so promotes it, and activating the active version
ends the split. A paused or retired function
cannot be activated. --wait waits until every node that answers has applied
the event and prints each node's delay.`,
		Example: "  vault activate myfn@v2\n  vault activate myfn@v3 --percent 10 --wait",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return activate(cmd.Context(), commandInvocation(cmd, server), args[0], percent, opts, wait, report)
		},
	}
	addServerFlag(cmd, &server)
	cmd.Flags().Uint64Var(&opts.ExpectHead, "expect-head", 0, "append only if the ledger's last record is this sequence")
	cmd.Flags().IntVar(&percent, "percent", 100, "share of requests (1..100) for this version; the active version keeps the rest")
	wait.addFlags(cmd)
	report.addFlag(cmd)
	return cmd
}

// activate makes version ref (NAME@VERSION) of a function take percent
// of its traffic (100: all of it); report prints the outcome as text or
// JSON.
func activate(ctx context.Context, iv invocation, ref string, percent int, opts ledger.AppendOptions, wait waitFlags, report changeReport) error {
	name, version, err := parseRef(ref)
	if err != nil {
		return err
	}
	if percent < 1 || percent > 100 {
		return fmt.Errorf("activate %s: --percent %d is not within 1..100", ref, percent)
	}
	c, _, f, err := iv.dialFunction(ctx, "activate", name)
	if err != nil {
		return err
	}
	defer c.Close()
	if version < 1 || version > len(f.Versions) {
		return noSuchVersion("activate "+ref, name, version, len(f.Versions))
	}
	if percent == 100 && f.State == fold.Active && f.Active == version && f.Canary == 0 {
		// What the command asks for holds already: say so, and
		// append nothing (the ledger would refuse a no-op).
		return report.unchanged(iv.out, f, fmt.Sprintf("%s@v%d serves already; nothing appended", name, version))
	}
	body := events.Activated{Name: name, Version: version, Artifact: f.Versions[version-1].Artifact}
	if percent < 100 {
		body.Percent = percent
	}
	w, err := wait.start(ctx, c)
	if err != nil {
		return err
	}
	defer w.stop()
	res, after, err := signAndAppend(ctx, c, events.TypeActivated, name, body, opts)
	if err != nil {
		return opError(fmt.Sprintf("activate %s@v%d", name, version), err)
	}
	return report.applied(ctx, iv.out, after, res, name, fmt.Sprintf("%s@v%d", name, version), w, func() error {
		if served := after.Served[name]; served.Weight(version) != percent {
			return fmt.Errorf("activate %s: recorded at seq %d, but the node could not serve it: %s",
				ref, res.Seq, servingFailure(after, name, version, res.Seq))
		}
		return nil
	})
}

// servingFailure says why the node does not serve what activation seq of
// fn asked for: the warm failures of that activation (of any of its
// versions: a split serves only if both warm), else what it serves
// instead. It is never empty.
func servingFailure(after *fold.Snapshot, fn string, version int, seq uint64) string {
	if why, ok := after.Failed[fold.FailKey(fn, version, seq)]; ok && why != "" {
		return why
	}
	var whys []string
	for key, why := range after.Failed {
		if strings.HasPrefix(key, fn+"@v") && strings.HasSuffix(key, fmt.Sprintf("(activated at seq %d)", seq)) {
			whys = append(whys, key+": "+why)
		}
	}
	if len(whys) > 0 {
		slices.Sort(whys)
		return strings.Join(whys, "; ")
	}
	served, ok := after.Served[fn]
	if !ok {
		return "it serves nothing of " + fn + " yet, and recorded no failure (see the node's log)"
	}
	var parts []string
	for _, v := range served.Versions {
		parts = append(parts, fmt.Sprintf("v%d %d%%", v.Version, served.Weight(v.Version)))
	}
	return fmt.Sprintf("it still serves %s (activated at seq %d) and recorded no failure for seq %d (see the node's log)",
		strings.Join(parts, " / "), served.ActivatedSeq, seq)
}

// reportApplied prints what fn looks like after record seq, or the reason
// the node rejected it.
func reportApplied(out io.Writer, after *fold.Snapshot, seq uint64, fn, what string) error {
	for _, r := range after.State.Rejected {
		if r.Seq == seq {
			return fmt.Errorf("%s: the node rejected record %d: %s", what, seq, r.Reason)
		}
	}
	f := after.State.Functions[fn]
	if f == nil {
		return fmt.Errorf("%s: the node has no function %s after seq %d", what, fn, seq)
	}
	fmt.Fprintf(out, "%s: %s (seq %d)\n", fn, f.Summary(), seq)
	return nil
}

// parseRef reads NAME@vN or NAME@N.
func parseRef(ref string) (string, int, error) {
	name, v, ok := strings.Cut(ref, "@")
	if !ok || name == "" {
		return "", 0, fmt.Errorf("%q: want NAME@VERSION, e.g. hello@v2", ref)
	}
	n, err := parseVersion(v)
	if err != nil {
		return "", 0, fmt.Errorf("%q: %w", ref, err)
	}
	return name, n, nil
}

// parseVersion reads a version number, written v2 or 2.
func parseVersion(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(v, "v"))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("version must be v1, v2, … (or 1, 2, …)")
	}
	return n, nil
}

// versionFlag is a flag naming a version, as v2 or 2.
type versionFlag int

func (f *versionFlag) String() string {
	if *f == 0 {
		return ""
	}
	return "v" + strconv.Itoa(int(*f))
}
func (f *versionFlag) Type() string { return "version" }
func (f *versionFlag) Set(v string) error {
	n, err := parseVersion(v)
	if err != nil {
		return err
	}
	*f = versionFlag(n)
	return nil
}

// noSuchVersion says which versions name has, and what to do when the
// one asked for is past the last.
func noSuchVersion(op, name string, version, versions int) error {
	if version > versions {
		return fmt.Errorf("%s: %s has versions v1..v%d; deploy a new version first", op, name, versions)
	}
	return fmt.Errorf("%s: %s has versions v1..v%d", op, name, versions)
}

// waitFlags are --wait and --wait-timeout of the commands that change
// what nodes serve.
type waitFlags struct {
	on      bool
	timeout time.Duration
}

func (w *waitFlags) addFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&w.on, "wait", false, "wait until every node that answers has applied the event, and print each node's delay")
	cmd.Flags().DurationVar(&w.timeout, "wait-timeout", 30*time.Second, "how long --wait waits")
}
