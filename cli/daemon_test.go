package cli

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestProcStat(t *testing.T) {
	state, start, err := procStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if state != 'R' && state != 'S' {
		t.Errorf("own state %q, want R or S", state)
	}
	if start == 0 {
		t.Error("start time 0")
	}
	up, err := processUptime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if up < 0 || up > time.Hour {
		t.Errorf("own uptime %v", up)
	}
}

func TestAlive(t *testing.T) {
	if !alive(os.Getpid()) {
		t.Fatal("this process is not alive")
	}
	// The test binary itself, running no test, is a child that exits at
	// once on any machine.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	// Exited but not reaped: a zombie counts as gone.
	if !waitExit(pid, 10*time.Second) {
		t.Fatal("an exited child (a zombie) is still alive")
	}
	cmd.Wait()
	if alive(pid) {
		t.Fatal("a reaped child is alive")
	}
}
