package ledger

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func exportBytes(t testing.TB, records [][]byte, checkpoints map[uint64][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewExportWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i, env := range records {
		if err := w.Record(Record{Seq: uint64(i + 1), Envelope: env}); err != nil {
			t.Fatal(err)
		}
		if cp, ok := checkpoints[uint64(i+1)]; ok {
			w.Checkpoint(cp)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decodeAll(data []byte) ([]Frame, error) {
	r, err := NewExportReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var frames []Frame
	for {
		f, err := r.Next()
		if err == io.EOF {
			return frames, nil
		}
		if err != nil {
			return frames, err
		}
		frames = append(frames, f)
	}
}

func TestExportRoundTrip(t *testing.T) {
	data := exportBytes(t, [][]byte{envelope(1), envelope(2), envelope(3)}, map[uint64][]byte{2: []byte("note")})
	frames, err := decodeAll(data)
	if err != nil || len(frames) != 4 {
		t.Fatalf("decode: %d frames, %v", len(frames), err)
	}
	if frames[2].Kind != FrameCheckpoint || string(frames[2].Checkpoint) != "note" || frames[3].Record.Seq != 3 {
		t.Fatalf("frames %+v", frames)
	}
	// Every truncation is an error, never a shorter valid ledger.
	for n := range len(data) {
		if _, err := decodeAll(data[:n]); !errors.Is(err, ErrBadExport) {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	if _, err := decodeAll(append(bytes.Clone(data), 0)); !errors.Is(err, ErrBadExport) {
		t.Fatal("trailing byte accepted")
	}
}

func FuzzDecodeExport(f *testing.F) {
	f.Add(exportBytes(f, [][]byte{envelope(1), envelope(2)}, map[uint64][]byte{2: []byte("cp")}))
	f.Add(exportBytes(f, nil, nil))
	f.Add([]byte("VAULTEXP\x00\x01\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x10"))
	f.Fuzz(func(t *testing.T, data []byte) {
		frames, err := decodeAll(data)
		if err != nil {
			if !errors.Is(err, ErrBadExport) {
				t.Fatalf("error %v is not ErrBadExport", err)
			}
			return
		}
		// A file that decodes holds records 1..n in order, and writing its
		// frames again reproduces it byte for byte.
		var recs [][]byte
		cps := map[uint64][]byte{}
		for _, fr := range frames {
			switch fr.Kind {
			case FrameRecord:
				if fr.Record.Seq != uint64(len(recs)+1) {
					t.Fatalf("record seq %d out of order", fr.Record.Seq)
				}
				recs = append(recs, fr.Record.Envelope)
			case FrameCheckpoint:
				if _, dup := cps[uint64(len(recs))]; dup || len(recs) == 0 {
					return // the writer cannot express this; nothing to compare
				}
				cps[uint64(len(recs))] = fr.Checkpoint
			}
		}
		if again := exportBytes(t, recs, cps); !bytes.Equal(again, data) {
			t.Fatalf("re-encoding differs")
		}
	})
}
