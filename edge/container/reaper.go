package container

import (
	"bytes"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// reapInterval is how often the reaper looks for orphans when no
// SIGCHLD came.
const reapInterval = 2 * time.Second

// reap collects the node's zombie children that lived in a container's
// PID namespace and that no supervision waits for. The node is the
// containers' subreaper, so a process run in a container whose parent
// outside it ended (a `runc exec` interrupted, say) becomes the node's
// child; left a zombie, it would hold the container's PID namespace open,
// and the container could never stop. Processes of the node's own
// namespace (os/exec's, which wait for their own) and the containers'
// init processes (their supervision, or their removal, collects them,
// with their exit status) are left alone.
func (s *Supervisor) reap(stop <-chan struct{}) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGCHLD)
	defer signal.Stop(sigs)
	tick := time.NewTicker(reapInterval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-sigs:
		case <-tick.C:
		}
		s.reapOrphans()
	}
}

func (s *Supervisor) reapOrphans() {
	self := strconv.Itoa(os.Getpid())
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, stat := range dirs {
		b, err := os.ReadFile(stat)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 || f[0] != "Z" || f[1] != self {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(stat)))
		if err != nil || !orphanInContainer(pid) {
			continue
		}
		var ws unix.WaitStatus
		if got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil); err == nil && got == pid {
			s.log.Debug("reaped a container process left without a parent", "pid", pid)
		}
	}
}

// orphanInContainer says whether process pid lives in a PID namespace
// below the node's (it has more than one PID) without being its init
// (PID 1 there): a container's process that is not the one its
// supervision (or removal) waits for.
func orphanInContainer(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			ids := strings.Fields(rest)
			return len(ids) > 1 && ids[len(ids)-1] != "1"
		}
	}
	return false
}
