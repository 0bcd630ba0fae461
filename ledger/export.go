package ledger

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/vault-runtime/vault/events"
)

// The export file holds a ledger's records and checkpoints, so it can be
// verified on a machine with no node. Layout (big-endian integers):
//
//	header  8  magic "VAULTEXP"
//	        2  format version (1)
//	        2  reserved, zero
//	        4  reserved, zero
//	frames  1  kind
//	        4  body length
//	        …  body
//
// Frame kinds:
//
//	1 record      8-byte sequence, then the envelope exactly as stored
//	2 checkpoint  a signed checkpoint note
//	3 end         8-byte record count, 8-byte checkpoint count
//
// Records come in sequence order from 1 without gaps; a checkpoint comes
// after the record that completes its tree. The end frame is last, so a
// truncated file is detected.
const (
	exportMagic   = "VAULTEXP"
	exportVersion = 1

	FrameRecord     = 1
	FrameCheckpoint = 2
	FrameEnd        = 3

	maxCheckpointSize = 64 << 10
)

// ErrBadExport marks an export file that does not decode.
var ErrBadExport = errors.New("ledger: bad export file")

// ExportWriter writes an export file.
type ExportWriter struct {
	w           *bufio.Writer
	records     uint64
	checkpoints uint64
}

// NewExportWriter writes the header.
func NewExportWriter(w io.Writer) (*ExportWriter, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	hdr := make([]byte, 16)
	copy(hdr, exportMagic)
	binary.BigEndian.PutUint16(hdr[8:], exportVersion)
	if _, err := bw.Write(hdr); err != nil {
		return nil, fmt.Errorf("write export header: %w", err)
	}
	return &ExportWriter{w: bw}, nil
}

func (x *ExportWriter) frame(kind byte, parts ...[]byte) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	var hdr [5]byte
	hdr[0] = kind
	binary.BigEndian.PutUint32(hdr[1:], uint32(n))
	if _, err := x.w.Write(hdr[:]); err != nil {
		return fmt.Errorf("write export frame: %w", err)
	}
	for _, p := range parts {
		if _, err := x.w.Write(p); err != nil {
			return fmt.Errorf("write export frame: %w", err)
		}
	}
	return nil
}

// Record writes one record.
func (x *ExportWriter) Record(r Record) error {
	x.records++
	return x.frame(FrameRecord, u64(r.Seq), r.Envelope)
}

// Checkpoint writes one signed checkpoint note.
func (x *ExportWriter) Checkpoint(note []byte) error {
	x.checkpoints++
	return x.frame(FrameCheckpoint, note)
}

// Close writes the end frame and flushes.
func (x *ExportWriter) Close() error {
	if err := x.frame(FrameEnd, u64(x.records), u64(x.checkpoints)); err != nil {
		return err
	}
	return x.w.Flush()
}

// Frame is one decoded frame of an export file.
type Frame struct {
	Kind       byte
	Record     Record // for FrameRecord
	Checkpoint []byte // for FrameCheckpoint
}

// ExportReader decodes an export file frame by frame. It checks the
// layout (sequence order, sizes, the end frame), not signatures or hashes.
type ExportReader struct {
	r           *bufio.Reader
	offset      int64
	lastSeq     uint64
	checkpoints uint64
	ended       bool
}

// NewExportReader reads and checks the header.
func NewExportReader(r io.Reader) (*ExportReader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	hdr := make([]byte, 16)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, fmt.Errorf("export header: %v: %w", err, ErrBadExport)
	}
	if string(hdr[:8]) != exportMagic {
		return nil, fmt.Errorf("export header: not a Vault export (bad magic): %w", ErrBadExport)
	}
	if v := binary.BigEndian.Uint16(hdr[8:]); v != exportVersion {
		return nil, fmt.Errorf("export header: format version %d, this build reads %d: %w", v, exportVersion, ErrBadExport)
	}
	if binary.BigEndian.Uint16(hdr[10:]) != 0 || binary.BigEndian.Uint32(hdr[12:]) != 0 {
		return nil, fmt.Errorf("export header: reserved bytes are not zero: %w", ErrBadExport)
	}
	return &ExportReader{r: br, offset: 16}, nil
}

// LastSeq is the sequence of the last record read.
func (x *ExportReader) LastSeq() uint64 { return x.lastSeq }

// Next returns the next record or checkpoint frame, and io.EOF after a
// valid end frame.
func (x *ExportReader) Next() (Frame, error) {
	if x.ended {
		return Frame{}, io.EOF
	}
	bad := func(format string, args ...any) (Frame, error) {
		where := fmt.Sprintf("seq %d: export frame at byte %d: ", x.lastSeq+1, x.offset)
		return Frame{}, fmt.Errorf(where+format+": %w", append(args, ErrBadExport)...)
	}
	var hdr [5]byte
	if _, err := io.ReadFull(x.r, hdr[:]); err != nil {
		return bad("truncated: no end frame (%v)", err)
	}
	kind, n := hdr[0], binary.BigEndian.Uint32(hdr[1:])
	limit := uint32(0)
	switch kind {
	case FrameRecord:
		limit = 8 + events.MaxEnvelopeSize
	case FrameCheckpoint:
		limit = maxCheckpointSize
	case FrameEnd:
		limit = 16
	default:
		return bad("unknown frame kind %d", kind)
	}
	if n > limit || kind == FrameRecord && n < 9 || kind == FrameEnd && n != 16 {
		return bad("frame kind %d with length %d", kind, n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(x.r, body); err != nil {
		return bad("truncated frame body (%v)", err)
	}
	frameStart := x.offset
	x.offset += 5 + int64(n)
	switch kind {
	case FrameRecord:
		seq := binary.BigEndian.Uint64(body)
		if seq != x.lastSeq+1 {
			x.offset = frameStart
			if seq <= x.lastSeq {
				return bad("record seq %d out of order", seq)
			}
			return bad("record missing (the next record in the file is seq %d)", seq)
		}
		x.lastSeq = seq
		env := body[8:]
		return Frame{Kind: FrameRecord, Record: Record{Seq: seq, ID: events.ID(env), Envelope: env}}, nil
	case FrameCheckpoint:
		x.checkpoints++
		return Frame{Kind: FrameCheckpoint, Checkpoint: body}, nil
	}
	records, checkpoints := binary.BigEndian.Uint64(body), binary.BigEndian.Uint64(body[8:])
	if records != x.lastSeq || checkpoints != x.checkpoints {
		return bad("end frame counts %d records and %d checkpoints, the file holds %d and %d", records, checkpoints, x.lastSeq, x.checkpoints)
	}
	if _, err := x.r.ReadByte(); err != io.EOF {
		return bad("data after the end frame")
	}
	x.ended = true
	return Frame{}, io.EOF
}
