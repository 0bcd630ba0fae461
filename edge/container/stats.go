package container

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Usage is what a container's cgroup says it uses.
type Usage struct {
	CPUSeconds  float64 `json:"cpuSeconds"`
	MemoryBytes uint64  `json:"memoryBytes"`
	Pids        uint64  `json:"pids"`
}

// cgroupRoot is where the cgroup filesystems are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// Usage reads the container's CPU time, memory and process count from the
// cgroup files of its init process (v1 controllers or the v2 unified
// hierarchy): a few small reads, fit for a metrics scrape.
func (in *Instance) Usage() (Usage, error) {
	in.mu.Lock()
	pid := in.pid
	in.mu.Unlock()
	if pid <= 0 {
		return Usage{}, fmt.Errorf("usage of %s: not running", in.ID)
	}
	paths, err := cgroupPaths(pid)
	if err != nil {
		return Usage{}, fmt.Errorf("usage of %s: %w", in.ID, err)
	}
	var u Usage
	if p, ok := paths[""]; ok && len(paths) == 1 { // v2
		dir := filepath.Join(cgroupRoot, p)
		usec, err := statField(filepath.Join(dir, "cpu.stat"), "usage_usec")
		if err != nil {
			return Usage{}, fmt.Errorf("usage of %s: %w", in.ID, err)
		}
		u.CPUSeconds = float64(usec) / 1e6
		u.MemoryBytes, _ = readUint(filepath.Join(dir, "memory.current"))
		u.Pids, _ = readUint(filepath.Join(dir, "pids.current"))
		return u, nil
	}
	ns, err := readUint(filepath.Join(cgroupRoot, "cpuacct", paths["cpuacct"], "cpuacct.usage"))
	if err != nil {
		return Usage{}, fmt.Errorf("usage of %s: %w", in.ID, err)
	}
	u.CPUSeconds = float64(ns) / 1e9
	u.MemoryBytes, _ = readUint(filepath.Join(cgroupRoot, "memory", paths["memory"], "memory.usage_in_bytes"))
	u.Pids, _ = readUint(filepath.Join(cgroupRoot, "pids", paths["pids"], "pids.current"))
	return u, nil
}

// cgroupPaths reads /proc/PID/cgroup: the path of each v1 controller, or
// of the v2 hierarchy under "".
func cgroupPaths(pid int) (map[string]string, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	paths := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, ctrl := range strings.Split(parts[1], ",") {
			if ctrl == "" && parts[0] != "0" {
				continue
			}
			paths[ctrl] = parts[2]
		}
	}
	if _, v1 := paths["cpuacct"]; v1 {
		delete(paths, "")
	}
	if len(paths) == 0 {
		return nil, errors.New("no cgroup")
	}
	return paths, sc.Err()
}

func readUint(file string) (uint64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}

// statField is one "key value" line's value of a cgroup v2 stat file.
func statField(file, key string) (uint64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+" "); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no %s", file, key)
}
