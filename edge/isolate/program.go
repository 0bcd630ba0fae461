package isolate

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/schemas"
)

//go:embed prelude.js
var preludeSource string

var (
	preludeOnce sync.Once
	prelude     *goja.Program
	preludeErr  error
)

func compiledPrelude() (*goja.Program, error) {
	preludeOnce.Do(func() { prelude, preludeErr = goja.Compile("vault:prelude.js", preludeSource, true) })
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
	Code   []byte
	Vars   map[string]string
	Limits schemas.Limits
	// MaxIdle caps pooled instances (default 8).
	MaxIdle int
	Logger  *slog.Logger
}

// ModuleGlobal is the global the bundle assigns its module namespace to.
const ModuleGlobal = schemas.BundleGlobal

// Program is a compiled version with a pool of warm instances.
type Program struct {
	cfg  Config
	prog *goja.Program
	log  *slog.Logger
	idle chan *instance
}

// Compile compiles cfg.Code and builds one instance, so that a module
// that fails to evaluate or lacks a handler is caught before it serves.
func Compile(cfg Config) (*Program, error) {
	if cfg.MaxIdle <= 0 {
		cfg.MaxIdle = 8
	}
	cfg.Limits = cfg.Limits.WithDefaults()
	name := fmt.Sprintf("%s@v%d.js", cfg.Function, cfg.Version)
	prog, err := goja.Compile(name, string(cfg.Code), false)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", name, err)
	}
	p := &Program{cfg: cfg, prog: prog, idle: make(chan *instance, cfg.MaxIdle),
		log: cfg.Logger.With("fn", cfg.Function, "version", cfg.Version)}
	inst, err := p.newInstance()
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	p.put(inst)
	return p, nil
}

// Limits are the version's effective limits.
func (p *Program) Limits() schemas.Limits { return p.cfg.Limits }

func (p *Program) get() (*instance, error) {
	select {
	case inst := <-p.idle:
		return inst, nil
	default:
		return p.newInstance()
	}
}

func (p *Program) put(inst *instance) {
	select {
	case p.idle <- inst:
	default: // pool full: let it go
	}
}
