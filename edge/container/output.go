package container

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Output files are read this often, and emptied once read past maxOutput
// (the container appends, so it writes at the new end).
const (
	outputPoll = 200 * time.Millisecond
	maxOutput  = 8 << 20
	maxLine    = 16 << 10
)

// tailOutput sends the lines the container writes to its stdout and
// stderr files to the supervisor's Output, until supervision ends. An
// adopted container's earlier lines were sent by the process that
// started it: reading starts at the files' ends.
func (in *Instance) tailOutput(fromEnd bool) {
	if in.s.cfg.Output == nil {
		return
	}
	for _, stream := range []string{"stdout", "stderr"} {
		t := &tailer{in: in, stream: stream, path: filepath.Join(in.bundle, stream+".log")}
		if fromEnd {
			if fi, err := os.Stat(t.path); err == nil {
				t.off = fi.Size()
			}
		}
		go t.run()
	}
}

type tailer struct {
	in     *Instance
	stream string
	path   string
	off    int64
	part   []byte // a line not yet ended
}

func (t *tailer) run() {
	tick := time.NewTicker(outputPoll)
	defer tick.Stop()
	for {
		t.read()
		select {
		case <-t.in.stop:
			t.read()
			return
		case <-tick.C:
		}
	}
}

// read sends what was appended since the last read.
func (t *tailer) read() {
	f, err := os.OpenFile(t.path, os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return
	}
	if fi.Size() < t.off { // emptied
		t.off = 0
	}
	if _, err := f.Seek(t.off, io.SeekStart); err != nil {
		return
	}
	buf, _ := io.ReadAll(io.LimitReader(f, maxOutput))
	t.off += int64(len(buf))
	t.part = append(t.part, buf...)
	for {
		i := bytes.IndexByte(t.part, '\n')
		if i < 0 {
			break
		}
		t.emit(string(t.part[:i]))
		t.part = t.part[i+1:]
	}
	if len(t.part) >= maxLine {
		t.emit(string(t.part))
		t.part = t.part[:0]
	}
	if t.off >= maxOutput {
		if f.Truncate(0) == nil {
			t.off = 0
		}
	}
}

func (t *tailer) emit(line string) {
	line = strings.TrimSuffix(line, "\r")
	if len(line) > maxLine {
		line = line[:maxLine]
	}
	t.in.s.cfg.Output(Line{Function: t.in.Spec.Function, Version: t.in.Spec.Version, Stream: t.stream, Text: line, Time: time.Now()})
}
