package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/events"
	"github.com/vault-runtime/vault/ledger"
)

func ledgerCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "Read, verify, prove and export the signed ledger",
		Long: `The ledger commands are for auditors. Each reads a live node's streams
(--server) or, with --file, an export made by 'vault ledger export', which
needs no node at all.`,
		Example: "  vault ledger log --limit 20\n  vault ledger verify --file ledger.vexp",
	}
	cmd.AddCommand(ledgerLogCommand(), ledgerShowCommand(), ledgerVerifyCommand(), ledgerProveCommand(), ledgerExportCommand())
	return cmd
}

// ledgerSource reads records and checkpoints from a node or a file.
type ledgerSource struct {
	server string
	file   string
	// key signs in to the node; nil means the operator key.
	key    func() (*events.Signer, error)
	client *node.Client
	js     jetstream.JetStream
}

func (src *ledgerSource) addFlags(cmd *cobra.Command) {
	addServerFlag(cmd, &src.server)
	cmd.Flags().StringVar(&src.file, "file", "", "read an export file instead of a node")
}

func (src *ledgerSource) open() error {
	if src.file != "" {
		return nil
	}
	key := src.key
	if key == nil {
		key = loadOperatorKey
	}
	c, err := invocation{server: src.server, key: key}.dial()
	if err != nil {
		return err
	}
	js, err := c.JetStream()
	if err != nil {
		c.Close()
		return err
	}
	src.client, src.js = c, js
	return nil
}

func (src *ledgerSource) close() {
	if src.client != nil {
		src.client.Close()
	}
}

// checkpoints returns every signed checkpoint.
func (src *ledgerSource) checkpoints(ctx context.Context) ([][]byte, error) {
	if src.file == "" {
		return ledger.ReadCheckpoints(ctx, src.js)
	}
	var notes [][]byte
	err := src.readFile(func(f ledger.Frame) error {
		if f.Kind == ledger.FrameCheckpoint {
			notes = append(notes, f.Checkpoint)
		}
		return nil
	})
	return notes, err
}

// records calls fn for records from..to (to zero: all) in order.
func (src *ledgerSource) records(ctx context.Context, from, to uint64, fn func(ledger.Record) error) error {
	if src.file == "" {
		return ledger.ReadRecords(ctx, src.js, from, to, fn)
	}
	return src.readFile(func(f ledger.Frame) error {
		if f.Kind != ledger.FrameRecord || f.Record.Seq < from {
			return nil
		}
		if to != 0 && f.Record.Seq > to {
			return errStop
		}
		return fn(f.Record)
	})
}

var errStop = errors.New("stop")

func (src *ledgerSource) readFile(fn func(ledger.Frame) error) error {
	f, err := os.Open(src.file)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := ledger.NewExportReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", src.file, err)
	}
	for {
		frame, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", src.file, err)
		}
		if err := fn(frame); errors.Is(err, errStop) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// record reads one record.
func (src *ledgerSource) record(ctx context.Context, seq uint64) (ledger.Record, error) {
	var found *ledger.Record
	err := src.records(ctx, seq, seq, func(r ledger.Record) error {
		if r.Seq == seq {
			found = &r
		}
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return ledger.Record{}, err
	}
	if found == nil {
		return ledger.Record{}, fmt.Errorf("no record at seq %d", seq)
	}
	return *found, nil
}

// sortedBySize orders checkpoint notes by tree size.
func sortedBySize(notes [][]byte) ([][]byte, []uint64, error) {
	type sized struct {
		note []byte
		size uint64
	}
	all := make([]sized, 0, len(notes))
	for _, n := range notes {
		cp, err := ledger.PeekCheckpoint(n)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, sized{n, cp.Size})
	}
	slices.SortStableFunc(all, func(a, b sized) int { return cmp.Compare(a.size, b.size) })
	out, sizes := make([][]byte, len(all)), make([]uint64, len(all))
	for i, s := range all {
		out[i], sizes[i] = s.note, s.size
	}
	return out, sizes, nil
}

// isTerminal reports whether f is a terminal (for progress output).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
