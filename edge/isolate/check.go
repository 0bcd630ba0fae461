package isolate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dop251/goja"
)

// The bounds on a module's start: compiling aside, what a new instance
// runs before it can serve (the prelude, then the bundle's top level).
// The top level runs again in every instance a version starts, so it is
// held to a budget of its own, the same at deploy (Check) and at
// activation (Compile), and generous next to what an invocation gets:
// a framework and its routes take a few milliseconds, a top-level
// infinite loop stops here. Variables for the tests.
var (
	startupCPU  = time.Second
	startupWall = 10 * time.Second
)

// ErrStartup marks a module that fails while it starts: its top level
// threw or went over the start-up bounds.
var ErrStartup = errors.New("isolate: module failed to start")

// Check does what activation does with a bundle, in a throwaway
// instance: it compiles cfg.Code with its source map (goja refuses what
// the bundler let through: a regular expression it cannot compile, say),
// runs the module's top level under the start-up bounds, and requires a
// default export with a fetch method. vault deploy calls it before it
// uploads or appends anything, so that a version that cannot serve is
// refused there and not at activation. Errors name file:line:col in the
// function's own sources when cfg.SourceMap is set; they wrap ErrNoHandler
// or ErrStartup, or are a compile error.
//
// cfg.Vars are the env the top level sees; cfg.Egress is usually nil
// (fetch throws at the top level). Console output goes to cfg.Logs.
func Check(cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.MaxIdle = 1
	cfg.Limits = cfg.Limits.WithDefaults()
	name := fmt.Sprintf("%s@v%d.js", cfg.Function, cfg.Version)
	prog, err := compileModule(name, cfg.Code, cfg.SourceMap)
	if err != nil {
		return err
	}
	boundRegexps(prog, startupWall)
	p := &Program{cfg: cfg, prog: prog, idle: pool{min: 1}, log: cfg.Logger}
	_, err = p.startInstance()
	return err
}

// startup is a start in progress under the start-up bounds.
type startup struct {
	inst *instance // set once the instance exists
}

func init() { installers = append(installers, armStartup) }

// armStartup starts the watchdog of an instance that startInstance is
// making, before the prelude and the module run. Installers are the one
// hook newInstance runs between making the runtime and running code in
// it.
func armStartup(inst *instance, _ *goja.Object) {
	s := inst.prog.startup
	if s == nil {
		return
	}
	s.inst = inst
	inst.watch.cpuLimit, inst.watch.wallLimit = startupCPU, startupWall
	inst.watch.begin(context.Background(), nil, nil)
}

// startInstance makes an instance with its start bounded by startupCPU
// and startupWall (and the version's memory limit). The Program must not
// be serving yet: its other instances would be bounded too.
func (p *Program) startInstance() (*instance, error) {
	s := &startup{}
	p.startup = s
	inst, err := p.newInstance()
	p.startup = nil
	if s.inst == nil { // failed before the installers ran
		return inst, err
	}
	tripped := s.inst.watch.end()
	l := p.cfg.Limits
	s.inst.watch.cpuLimit = time.Duration(l.CPUMillis) * time.Millisecond
	s.inst.watch.wallLimit = time.Duration(l.WallMillis) * time.Millisecond
	switch {
	case tripped != nil:
		return nil, fmt.Errorf("%w: its top level did not finish: %w (a new isolate may spend at most %s of CPU and %s starting)",
			ErrStartup, tripped, startupCPU, startupWall)
	case errors.Is(err, ErrNoHandler):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrStartup, err)
	}
	return inst, nil
}
