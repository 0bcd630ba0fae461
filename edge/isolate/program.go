package isolate

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"

	"github.com/vault-runtime/vault/edge/cache"
	"github.com/vault-runtime/vault/edge/egress"
	"github.com/vault-runtime/vault/schemas"
)

// The Web API prelude: every js/*.js file, run in name order in each new
// instance before the function's bundle.
//
//go:embed js/*.js
var preludeFiles embed.FS

var (
	preludeOnce sync.Once
	prelude     []*goja.Program
	preludeErr  error
)

func compiledPrelude() ([]*goja.Program, error) {
	preludeOnce.Do(func() {
		names, err := fs.Glob(preludeFiles, "js/*.js")
		if err != nil {
			preludeErr = err
			return
		}
		for _, name := range names { // fs.Glob sorts
			src, err := preludeFiles.ReadFile(name)
			if err != nil {
				preludeErr = err
				return
			}
			prog, err := goja.Compile("vault:"+name, string(src), true)
			if err != nil {
				preludeErr = fmt.Errorf("compile %s: %w", name, err)
				return
			}
			prelude = append(prelude, prog)
		}
	})
	return prelude, preludeErr
}

// ErrNoHandler means the bundle has no default export with a fetch method.
var ErrNoHandler = errors.New("isolate: module has no default export with a fetch(request, env, ctx) method")

// Config describes a version to compile.
type Config struct {
	Function string
	Version  int
	// Code is the bundled script: an IIFE that assigns the module's
	// namespace to the global named by ModuleGlobal.
	Code []byte
	// SourceMap, if set, maps Code back to the function's own files in
	// stack traces.
	SourceMap []byte
	Vars      map[string]string
	Limits    schemas.Limits
	// MaxIdle is how many idle instances the version keeps at least
	// (default 8); it keeps more, up to its recent peak of instances in
	// use at once, bounded (pool.go).
	MaxIdle int
	Logger  *slog.Logger
	// Logs, if set, receives console output and runtime errors.
	Logs LogSink
	// Egress performs the function's fetch calls; nil makes fetch throw.
	Egress *egress.Client
	// Strike, if set, is called once for each invocation that has used
	// StrikeCPU of CPU time, or half its CPU limit if that is more, as
	// soon as the watchdog sees it (quick invocations never pay for the
	// check). The node's scheduler counts strikes to find CPU-heavy
	// versions (sched.Class.Strike).
	Strike    func()
	StrikeCPU time.Duration
	// Cache is the function's partition of the node's Cache API store
	// (caches.default, caches.open). Nil makes a cache that stores
	// nothing: match finds nothing, put resolves, delete finds nothing.
	Cache *cache.Partition
}

// ModuleGlobal is the global the bundle assigns its module namespace to.
const ModuleGlobal = schemas.BundleGlobal

// Program is a compiled version with a pool of warm instances.
type Program struct {
	cfg  Config
	prog *goja.Program
	log  *slog.Logger
	idle pool
	live atomic.Int64 // instances made and not yet let go
	// startup is set while startInstance makes the first instance.
	startup *startup
}

// Compile compiles cfg.Code and builds one instance, so that a module
// that fails to evaluate or lacks a handler is caught before it serves.
// The module's top level runs under the start-up bounds (check.go): an
// endless loop there fails activation instead of holding it forever.
func Compile(cfg Config) (*Program, error) {
	if cfg.MaxIdle <= 0 {
		cfg.MaxIdle = 8
	}
	cfg.Limits = cfg.Limits.WithDefaults()
	name := fmt.Sprintf("%s@v%d.js", cfg.Function, cfg.Version)
	prog, err := compileModule(name, cfg.Code, cfg.SourceMap)
	if err != nil {
		return nil, err
	}
	boundRegexps(prog, time.Duration(cfg.Limits.WallMillis)*time.Millisecond)
	p := &Program{cfg: cfg, prog: prog, idle: pool{min: cfg.MaxIdle},
		log: cfg.Logger.With("fn", cfg.Function, "version", cfg.Version)}
	p.idle.dropped = func(n int) { p.live.Add(-int64(n)) }
	inst, err := p.startInstance()
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	p.live.Add(1)
	p.put(inst)
	return p, nil
}

// Limits are the version's effective limits.
func (p *Program) Limits() schemas.Limits { return p.cfg.Limits }

// get takes an idle instance, or makes one.
func (p *Program) get() (*instance, error) {
	if inst := p.idle.take(p.live.Load()); inst != nil {
		return inst, nil
	}
	inst, err := p.newInstance()
	if err == nil {
		p.live.Add(1)
	}
	return inst, err
}

// put pools a clean instance, or lets it go if the pool is full.
func (p *Program) put(inst *instance) {
	if !p.idle.give(inst) {
		p.live.Add(-1)
	}
}

// Isolates counts the version's instances: live ones (running or idle)
// and idle ones in the pool.
func (p *Program) Isolates() (live, idle int) {
	return int(p.live.Load()), p.idle.size()
}

// compileModule parses the bundle with its source map. The loader only
// ever returns the artifact's own map: a sourceMappingURL comment cannot
// make the node read a file.
func compileModule(name string, code, sourceMap []byte) (prog *goja.Program, err error) {
	// goja's parser panics on some inputs (a "\u{10FFFF}" literal): a
	// bundle must fail to compile, not take the node down.
	defer func() {
		if r := recover(); r != nil {
			prog, err = nil, fmt.Errorf("compile %s: the parser failed: %v", name, r)
		}
	}()
	loader := func(string) ([]byte, error) {
		if sourceMap == nil {
			return nil, errors.New("no source map in the artifact")
		}
		if shifted, err := oneBasedColumns(sourceMap); err == nil {
			return shifted, nil
		}
		return sourceMap, nil // columns off by one, lines right
	}
	src := string(code)
	opts := []parser.Option{parser.WithSourceMapLoader(loader)}
	if sourceMap == nil {
		opts = []parser.Option{parser.WithDisableSourceMaps}
	} else {
		// esbuild's external maps carry no sourceMappingURL comment: name
		// the map, so the parser asks the loader for it.
		src += "\n//# sourceMappingURL=" + name + ".map\n"
	}
	ast, err := parser.ParseFile(nil, name, src, 0, opts...)
	if err != nil {
		var list parser.ErrorList
		if errors.As(err, &list) && sourceMap != nil {
			for _, e := range list {
				if e.Position.Filename != name {
					continue
				}
				if f, l, c, ok := originalPosition(sourceMap, e.Position.Line, e.Position.Column); ok {
					e.Position.Filename, e.Position.Line, e.Position.Column = f, l, c
				}
			}
		}
		return nil, fmt.Errorf("compile %s: %w", name, err)
	}
	if prog, err = goja.CompileAST(ast, false); err != nil {
		return nil, fmt.Errorf("compile %s: %w", name, err)
	}
	return prog, nil
}

// Close lets the version go: its egress client drops idle connections.
// Invocations still running finish normally.
func (p *Program) Close() {
	if p.cfg.Egress != nil {
		p.cfg.Egress.Close()
	}
}
