package container

import (
	"context"
	"encoding/json"
	"fmt"
)

// Usage is what a container's cgroup says it uses.
type Usage struct {
	CPUSeconds  float64 `json:"cpuSeconds"`
	MemoryBytes uint64  `json:"memoryBytes"`
	Pids        uint64  `json:"pids"`
}

// runcStats is the part of `runc events --stats` Usage reads.
type runcStats struct {
	Data struct {
		CPU struct {
			Usage struct {
				Total uint64 `json:"total"` // nanoseconds
			} `json:"usage"`
		} `json:"cpu"`
		Memory struct {
			Usage struct {
				Usage uint64 `json:"usage"`
			} `json:"usage"`
		} `json:"memory"`
		Pids struct {
			Current uint64 `json:"current"`
		} `json:"pids"`
	} `json:"data"`
}

// Usage asks runc for the container's CPU time, memory and processes.
func (in *Instance) Usage(ctx context.Context) (Usage, error) {
	out, err := in.s.cfg.Runtime.output(ctx, "events", "--stats", in.ID)
	if err != nil {
		return Usage{}, err
	}
	var st runcStats
	if err := json.Unmarshal(out, &st); err != nil {
		return Usage{}, fmt.Errorf("stats %s: %w", in.ID, err)
	}
	return Usage{CPUSeconds: float64(st.Data.CPU.Usage.Total) / 1e9, MemoryBytes: st.Data.Memory.Usage.Usage, Pids: st.Data.Pids.Current}, nil
}
