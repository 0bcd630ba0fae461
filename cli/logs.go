package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/edge/fnlog"
	"github.com/vault-runtime/vault/edge/isolate"
)

// logTime is how `vault logs` prints an entry's time: local, to the ms.
const logTime = "2006-01-02T15:04:05.000Z07:00"

func logsCommand() *cobra.Command {
	var server string
	var follow, asJSON bool
	var since time.Duration
	cmd := &cobra.Command{
		Use:   "logs NAME",
		Short: "Show a function's console output and runtime errors from every node; -f follows them live",
		Long: `Logs prints what a function wrote with console.* and every runtime error of
its invocations (a throw, a limit exceeded), one line each:

  TIME LEVEL [NODE] request=ID vN: message

NODE is the first 8 characters of the ID of the node that ran the request and
ID is the X-Request-Id the client got. Runtime errors say "vN runtime:".
Messages are capped at 16 KiB. Nodes keep a day of logs (at most 256 MiB,
the oldest dropped first), and drop lines rather than slow requests down when
they log faster than they can publish (each node's log says how many).

--since D starts D ago (default 10m); --since 0 starts at the oldest line the
node keeps. Without -f the command exits after the lines stored so far; with
-f it then waits for new ones until interrupted. A retired function's logs
stay readable until they age out.`,
		Example: "  vault logs myfn\n  vault logs myfn -f\n  vault logs myfn --since 2h --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			out := cmd.OutOrStdout()
			lines := 0
			write := func(e fnlog.Entry) error { printLogEntry(out, e); return nil }
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetEscapeHTML(false)
				write = func(e fnlog.Entry) error { return enc.Encode(e) }
			}
			emit := func(e fnlog.Entry) error { lines++; return write(e) }
			err := readLogs(cmd.Context(), commandInvocation(cmd, server), name, since, follow, emit)
			if err == nil && lines == 0 && !follow && !asJSON {
				// Say so on stderr, so that stdout stays the lines only.
				window := "kept"
				if since > 0 {
					window = "in the last " + since.String()
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "no log lines of %s %s\n", name, window)
			}
			return err
		},
	}
	addServerFlag(cmd, &server)
	f := cmd.Flags()
	f.BoolVarP(&follow, "follow", "f", false, "keep printing new lines until interrupted")
	f.DurationVar(&since, "since", 10*time.Minute, "start this long ago (e.g. 30s, 2h); 0 for all the node keeps")
	f.BoolVar(&asJSON, "json", false, "print one JSON object per line")
	return cmd
}

// readLogs calls emit with function name's log entries from since ago (0:
// the oldest kept), in order; with follow it then waits for new ones until
// ctx ends.
func readLogs(ctx context.Context, iv invocation, name string, since time.Duration, follow bool, emit func(fnlog.Entry) error) error {
	if since < 0 {
		return fmt.Errorf("--since %v: want a duration of 0 or more", since)
	}
	c, _, _, err := iv.dialFunction(ctx, "logs", name)
	if err != nil {
		return err
	}
	defer c.Close()
	js, err := c.JetStream()
	if err != nil {
		return fmt.Errorf("logs %s: %w", name, err)
	}
	opts := fnlog.ReadOptions{Follow: follow}
	if since > 0 {
		opts.Since = time.Now().Add(-since)
	}
	err = fnlog.Read(ctx, js, name, opts, emit)
	switch {
	case errors.Is(err, fnlog.ErrNoStream):
		return fmt.Errorf("logs %s: the node at %s keeps no function logs (it predates 'vault logs')", name, iv.server)
	case follow && ctx.Err() != nil:
		return nil // interrupted: the normal end of -f
	}
	return err
}

func printLogEntry(w io.Writer, e fnlog.Entry) {
	node := e.Node
	if len(node) > 8 {
		node = node[:8]
	}
	source := ""
	if e.Source != isolate.SourceConsole {
		source = " " + e.Source
	}
	fmt.Fprintf(w, "%s %-5s [%s] request=%s v%d%s: %s\n", e.Time.Local().Format(logTime), e.Level, node,
		e.RequestID, e.Version, source, printable(e.Message))
}

// printable keeps a function's message from driving the terminal: control
// characters are escaped, and the lines after the first are indented so
// that every entry starts a line of its own.
func printable(msg string) string {
	msg = strings.TrimRight(msg, "\r\n")
	if !strings.ContainsFunc(msg, unicode.IsControl) {
		return msg
	}
	var b strings.Builder
	for _, r := range msg {
		switch {
		case r == '\n':
			b.WriteString("\n    ")
		case r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
