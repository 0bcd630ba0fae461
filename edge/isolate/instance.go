package isolate

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/dop251/goja"
	"github.com/vault-runtime/vault/edge/osthread"
)

// Invocation failures. Callers branch on them with errors.Is; the limits'
// (ErrCPUTime, ErrWallTime, ErrMemory, ErrResponseTooLarge) come as a
// LimitError (limit.go).
var (
	ErrThrew       = errors.New("isolate: function threw")
	ErrCanceled    = errors.New("isolate: invocation canceled")
	ErrUnsettled   = errors.New("isolate: handler's promise never settled")
	ErrBadResponse = errors.New("isolate: handler returned an invalid response")
)

// Request is what a function's fetch handler receives.
type Request struct {
	ID     string
	Method string
	URL    string
	Header http.Header
	// Body is the request body when it had all arrived before the
	// invocation; otherwise BodyStream delivers it as it arrives (Read
	// blocks; io.EOF at the end, another error if the client reset the
	// stream or sent too much). The isolate reads it on goroutines of its
	// own, never on the VM's. The caller closes it after Invoke, or after
	// the response's Stream ended.
	Body       []byte
	BodyStream io.Reader
	// Interrupted, if set, is called when a limit or the end of the
	// caller's context interrupts the invocation before Invoke returns: it
	// has failed, though Invoke may return only when the Go call in
	// progress, if any, ends (a regular expression match is bounded by
	// the wall limit). It is called at most once, on another goroutine,
	// and never after Invoke returned; it must not block.
	Interrupted func()
	// Thread, if set, is the OS thread the calling goroutine holds
	// (osthread.Held): the watchdog then takes the thread's ID and a CPU
	// baseline from it instead of asking the kernel (see cpuBaselineAge).
	// The invocation releases it before it first blocks.
	Thread *osthread.Held
}

// Response is what the handler returned.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Stream, when not nil, is a body the function is still producing
	// (Body is nil then): Read returns its chunks as the function enqueues
	// them, io.EOF at its end, or the error that ended it (a limit, a
	// throw). The caller must Close it, at the end or when the client has
	// gone: the function's stream is canceled and the isolate freed.
	Stream io.ReadCloser
}

// instance is one goja runtime holding a version's module. It serves one
// invocation at a time.
type instance struct {
	vm   *goja.Runtime
	prog *Program

	module   goja.Value
	fetch    goja.Callable
	env, ctx goja.Value

	methods         map[string]goja.Value
	serverMethods   map[string]goja.Value
	responseMethods map[string]goja.Value
	reqProto        *goja.Object
	respProto       *goja.Object
	objectProto     *goja.Object // Object.prototype, which user code cannot replace
	newSignalFn     goja.Callable
	headersProto    *goja.Object      // Headers.prototype (headers_class.go)
	arrayFrom       goja.Value        // Array.from, as the prelude found it
	lowerNames      map[string]string // header names lower-cased (headers.go)
	canonicalNames  map[string]string // and canonical, as the server sends them
	bodyInit        goja.Callable
	peekBytes       goja.Callable // clone() of a byte-source stream (cloneBody)
	uint8Ctor       goja.Constructor
	streams         streamHooks
	allSettled      goja.Callable
	jsonParse       goja.Callable
	promiseCtor     goja.Value
	promiseResolve  goja.Callable
	promiseReject   goja.Callable

	// The invocation in progress.
	seq     uint64
	req     *Request
	current *serverRequest // the handler's Request
	out     *outStream     // the response body being streamed, if any
	// The Response made last and its object: the handler usually returns
	// it, and unpack then needs no Export (which allocates).
	lastResp    *jsResponse
	lastRespObj *goja.Object
	loop        loop
	watch       watchdog
	outbound    fetches
}

func (p *Program) newInstance() (*instance, error) {
	pre, err := compiledPrelude()
	if err != nil {
		return nil, fmt.Errorf("prelude: %w", err)
	}
	vm := goja.New()
	inst := &instance{vm: vm, prog: p}
	inst.objectProto = vm.Get("Object").ToObject(vm).Get("prototype").ToObject(vm)
	if err := inst.bound(); err != nil {
		return nil, err
	}
	inst.loop.init()
	inst.watch.init(inst)
	host := vm.NewObject()
	inst.installHost(host)
	if err := vm.GlobalObject().DefineDataProperty("__vault", host, goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return nil, err
	}
	for _, prog := range pre {
		if _, err := vm.RunProgram(prog); err != nil {
			return nil, fmt.Errorf("prelude: %w", err)
		}
	}
	if err := inst.bindCore(host); err != nil {
		return nil, fmt.Errorf("prelude: %w", err)
	}
	// The host object is the prelude's: functions cannot reach it.
	if err := vm.GlobalObject().Delete("__vault"); err != nil {
		return nil, err
	}
	if err := inst.loadModule(); err != nil {
		return nil, err
	}
	return inst, nil
}

// loadModule evaluates the bundle and finds its default export's fetch.
func (inst *instance) loadModule() error {
	vm := inst.vm
	if _, err := vm.RunProgram(inst.prog.prog); err != nil {
		return fmt.Errorf("evaluate module: %w", classify(err))
	}
	mod := vm.Get(ModuleGlobal)
	if mod == nil || goja.IsUndefined(mod) || goja.IsNull(mod) {
		return ErrNoHandler
	}
	def := mod.ToObject(vm).Get("default")
	if def == nil || goja.IsUndefined(def) || goja.IsNull(def) {
		return ErrNoHandler
	}
	fetch, ok := goja.AssertFunction(def.ToObject(vm).Get("fetch"))
	if !ok {
		return ErrNoHandler
	}
	inst.module, inst.fetch = def, fetch
	// The env cloudflare:workers gave the top level, if it imported it.
	inst.env = inst.moduleEnv()
	ctx := vm.NewObject()
	_ = ctx.Set("waitUntil", inst.waitUntil)
	_ = ctx.Set("passThroughOnException", func() {})
	inst.ctx = ctx
	return nil
}

// bindCore picks up what js/10-core.js left on the host object.
func (inst *instance) bindCore(host *goja.Object) error {
	var err error
	fn := func(name string) goja.Callable {
		f, ok := goja.AssertFunction(host.Get(name))
		if !ok && err == nil {
			err = fmt.Errorf("host.%s is missing", name)
		}
		return f
	}
	inst.bodyInit = fn("bodyInit")
	inst.peekBytes = fn("peekBytes")
	inst.bindStreams(fn)
	inst.allSettled = fn("allSettled")
	inst.newSignalFn = fn("newSignal")
	promise := inst.vm.Get("Promise").ToObject(inst.vm)
	inst.promiseCtor = promise
	inst.promiseResolve, _ = goja.AssertFunction(promise.Get("resolve"))
	inst.promiseReject, _ = goja.AssertFunction(promise.Get("reject"))
	inst.installServerRequest(host)
	inst.reqProto, _ = host.Get("requestProto").(*goja.Object)
	inst.respProto, _ = host.Get("responseProto").(*goja.Object)
	if inst.reqProto == nil || inst.respProto == nil {
		return errors.New("host prototypes are missing")
	}
	return err
}

func (inst *instance) newSignal() goja.Value {
	s, err := inst.newSignalFn(goja.Undefined())
	if err != nil {
		panic(err)
	}
	return s
}

func (inst *instance) console(level, msg string) {
	inst.prog.emit(inst.reqID(), level, SourceConsole, msg)
}

func (inst *instance) reqID() string {
	if inst.req == nil {
		return ""
	}
	return inst.req.ID
}
