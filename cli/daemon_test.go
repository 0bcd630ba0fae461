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
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
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
