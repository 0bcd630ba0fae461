package sched

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Defaults that do not depend on the machine. See DefaultConfig for the rest.
const (
	DefaultQueueSize = 1024
	DefaultTick      = time.Millisecond
	DefaultAgingRate = 4.0
	DefaultMaxWait   = 2 * time.Second
	// DefaultHeavyQueue is how many tasks of heavy classes may wait for
	// the heavy lane's threads before Submit sheds them.
	DefaultHeavyQueue = 64

	// admitPerProcPerTick is the default admission budget per tick per
	// GOMAXPROCS: one task per microsecond per core, four times what a core
	// can run of the cheapest function (a hello-world call takes ~4 µs), so
	// the budget never throttles a node working at capacity; it only bounds
	// a burst. (At 256 per core the benchmark of empty tasks was capped at
	// the budget, ~2.5 µs a task on two cores.)
	admitPerProcPerTick = 1024
)

// ErrInvalidConfig is wrapped by every error Validate returns.
var ErrInvalidConfig = errors.New("sched: invalid config")

// Config controls a Scheduler. The zero value of every field means "use the
// default"; DefaultConfig spells the defaults out for this machine.
type Config struct {
	// Executors is the number of executor goroutines, and so the hard cap on
	// concurrency and on the threads JS can occupy (an invocation locks its
	// thread while it runs). Default 4×GOMAXPROCS: CPU-bound work saturates at
	// GOMAXPROCS, but a function that awaits fetch holds its executor while
	// it waits, so the adaptive limit needs headroom above the core count to
	// find out whether more concurrency still pays.
	Executors int

	// MinLimit is the floor of the adaptive concurrency limit. Default
	// GOMAXPROCS: below the core count the node would idle under load.
	MinLimit int

	// InitialLimit is the adaptive limit before any measurement. Default
	// 2×GOMAXPROCS, clamped to [MinLimit, Executors].
	InitialLimit int

	// QueueSize is how many tasks may wait (admitted or not) before Submit
	// sheds. Default 1024.
	QueueSize int

	// AdmitPerTick is how many waiting tasks may enter the ordered run queue
	// per Tick; the rest wait, in arrival order, for the next tick. Default
	// 1024×GOMAXPROCS per 1 ms tick (see doc.go for why it is a cap on
	// bursts, not on steady throughput).
	AdmitPerTick int

	// Tick is the admission period. Default 1 ms. The scheduler only ticks
	// while tasks wait.
	Tick time.Duration

	// AgingRate is how fast waiting raises a task's priority: a task's
	// priority is Expected − AgingRate×waited (lower runs first), so each
	// second of waiting cancels AgingRate seconds of expected run time. A
	// task of a class expected to run E longer than another is overtaken only
	// by tasks of that class submitted less than E/AgingRate after it.
	// Default 4.
	AgingRate float64

	// MaxWait is how long a task may wait; a task that waited longer is shed
	// rather than run late (its client has likely given up). Default 2 s.
	MaxWait time.Duration

	// HeavyWorkers is how many idle-priority threads run the tasks of
	// CPU-heavy classes (lane.go); they are not among the Executors.
	// Default DefaultHeavyWorkers(): half of GOMAXPROCS, at least one. A
	// node adds as many Ps (AddHeavyProcs).
	HeavyWorkers int

	// HeavyQueue is how many tasks of heavy classes may wait for a lane
	// thread; past it Submit sheds them with ErrHeavyLaneFull. Default 64.
	HeavyQueue int
}

// DefaultConfig returns the defaults for this process's GOMAXPROCS.
func DefaultConfig() Config {
	procs := runtime.GOMAXPROCS(0)
	return Config{
		Executors:    4 * procs,
		MinLimit:     procs,
		InitialLimit: 2 * procs,
		QueueSize:    DefaultQueueSize,
		AdmitPerTick: admitPerProcPerTick * procs,
		Tick:         DefaultTick,
		AgingRate:    DefaultAgingRate,
		MaxWait:      DefaultMaxWait,
		HeavyWorkers: DefaultHeavyWorkers(),
		HeavyQueue:   DefaultHeavyQueue,
	}
}

// withDefaults fills the zero fields of c from DefaultConfig and clamps
// InitialLimit into [MinLimit, Executors].
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Executors == 0 {
		c.Executors = d.Executors
	}
	if c.MinLimit == 0 {
		c.MinLimit = min(d.MinLimit, c.Executors)
	}
	if c.InitialLimit == 0 {
		c.InitialLimit = d.InitialLimit
	}
	c.InitialLimit = max(c.MinLimit, min(c.InitialLimit, c.Executors))
	if c.QueueSize == 0 {
		c.QueueSize = d.QueueSize
	}
	if c.AdmitPerTick == 0 {
		c.AdmitPerTick = d.AdmitPerTick
	}
	if c.Tick == 0 {
		c.Tick = d.Tick
	}
	if c.AgingRate == 0 {
		c.AgingRate = d.AgingRate
	}
	if c.MaxWait == 0 {
		c.MaxWait = d.MaxWait
	}
	if c.HeavyWorkers == 0 {
		c.HeavyWorkers = d.HeavyWorkers
	}
	if c.HeavyQueue == 0 {
		c.HeavyQueue = d.HeavyQueue
	}
	return c
}

// Validate reports whether c, with its zero fields defaulted, is usable.
func (c Config) Validate() error {
	if c.Executors < 0 || c.MinLimit < 0 || c.InitialLimit < 0 || c.QueueSize < 0 ||
		c.AdmitPerTick < 0 || c.Tick < 0 || c.AgingRate < 0 || c.MaxWait < 0 ||
		c.HeavyWorkers < 0 || c.HeavyQueue < 0 {
		return fmt.Errorf("%w: negative field", ErrInvalidConfig)
	}
	c = c.withDefaults()
	if c.MinLimit > c.Executors {
		return fmt.Errorf("%w: MinLimit %d above Executors %d", ErrInvalidConfig, c.MinLimit, c.Executors)
	}
	return nil
}
