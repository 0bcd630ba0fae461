package isolate

import (
	"errors"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/vault-runtime/vault/edge/osthread"
)

// Bounds on the SubtleCrypto work one call may ask for. Work that can take
// long (RSA key generation, PBKDF2) runs off the isolate's goroutine, so
// the loop goes on meanwhile; its CPU time is charged to the invocation
// when it ends, but an interrupt cannot stop it, so each job is bounded
// here and the jobs of a node share few cores.
const (
	// maxPBKDF2Iterations is Cloudflare Workers' limit, so code written for
	// Workers runs unchanged: 100,000 rounds of HMAC-SHA-512 took ~140 ms
	// of one core on a loaded 2-core test machine, where 10 million would
	// hold a core for minutes.
	maxPBKDF2Iterations = 100_000
	// RSA keys may be generated from 1024 bits (Go's own floor) up to 4096
	// (the largest size in common use; one takes ~0.3–2 s, and the time
	// grows with the fourth power of the size, so 8192 could take a
	// minute). Imported keys may be up to 8192 bits: importing is cheap,
	// and a private operation with one is ~40 ms on the isolate goroutine,
	// where the CPU limit counts it.
	minRSABits       = 1024
	maxRSAGenBits    = 4096
	maxRSAImportBits = 8192
	// maxCryptoJobs is how many slow jobs one instance may have started
	// and not finished: a loop of generateKey calls gets QuotaExceededError
	// instead of a goroutine per call.
	maxCryptoJobs = 16
)

// cryptoWorkers is how many slow jobs run at once in the process: half the
// cores, so requests always have the other half.
var cryptoWorkers = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))

func init() { installers = append(installers, installSubtle) }

// installSubtle replaces installCrypto's host.cryptoHooks() (one Go
// function per isolate instead of two): it makes, on
// the first use of crypto, CryptoKey or SubtleCrypto, the Go side of
// js/31-crypto.js: getRandomValues and randomUUID (crypto.go), and
// SubtleCrypto's. That file normalises algorithms and checks the generic
// steps (usages, extractable, algorithm names); these hooks do the
// per-algorithm steps and the cryptography. Hooks check what they are
// given again, since user code can call them directly.
func installSubtle(inst *instance, host *goja.Object) {
	_ = host.Set("cryptoHooks", func(goja.FunctionCall) goja.Value {
		s := &subtleHooks{inst: inst, vm: inst.vm}
		hooks := s.hooks()
		for name, f := range cryptoHooks(inst.vm) {
			hooks[name] = f
		}
		return hookObject(inst.vm, hooks)
	})
}

// subtleHooks is one instance's SubtleCrypto hooks.
type subtleHooks struct {
	inst *instance
	vm   *goja.Runtime
	jobs atomic.Int32 // slow jobs started and not yet finished
}

func (s *subtleHooks) hooks() map[string]func(goja.FunctionCall) goja.Value {
	return map[string]func(goja.FunctionCall) goja.Value{
		"digest": func(c goja.FunctionCall) goja.Value {
			sum := digest(c.Argument(0).String(), s.view(c.Argument(1)))
			if sum == nil {
				s.check(errNotSupported("unsupported digest " + c.Argument(0).String()))
			}
			return s.buffer(sum)
		},
		"copy": func(c goja.FunctionCall) goja.Value {
			return s.buffer(s.bytes(c.Argument(0)))
		},
		"importKey": func(c goja.FunctionCall) goja.Value {
			format, alg := c.Argument(0).String(), s.params(c.Argument(1))
			usages, extractable := s.strings(c.Argument(4)), c.Argument(3).ToBoolean()
			var data any
			if format == "jwk" {
				data = c.Argument(2).Export()
			} else {
				data = s.view(c.Argument(2)) // importKey copies it
			}
			k, err := importKey(format, alg, data, extractable, usages)
			s.check(err)
			return s.record(k, usages, extractable)
		},
		"exportKey": func(c goja.FunctionCall) goja.Value {
			k := s.key(c.Argument(1))
			if c.Argument(0).String() == "jwk" {
				m, err := exportJWK(k)
				s.check(err)
				o := s.vm.NewObject()
				order := jwkOrder
				if k.alg == "HMAC" {
					order = hmacJWKOrder
				}
				for _, name := range order {
					if v, ok := m[name]; ok {
						_ = o.Set(name, v)
					}
				}
				return o
			}
			b, err := exportKey(c.Argument(0).String(), k)
			s.check(err)
			return s.buffer(b)
		},
		"sign": func(c goja.FunctionCall) goja.Value {
			b, err := sign(s.params(c.Argument(0)), s.key(c.Argument(1)), s.view(c.Argument(2)))
			s.check(err)
			return s.buffer(b)
		},
		"verify": func(c goja.FunctionCall) goja.Value {
			ok, err := verify(s.params(c.Argument(0)), s.key(c.Argument(1)), s.view(c.Argument(2)), s.view(c.Argument(3)))
			s.check(err)
			return s.vm.ToValue(ok)
		},
		"encrypt": func(c goja.FunctionCall) goja.Value {
			b, err := encrypt(s.params(c.Argument(0)), s.key(c.Argument(1)), s.view(c.Argument(2)))
			s.check(err)
			return s.buffer(b)
		},
		"decrypt": func(c goja.FunctionCall) goja.Value {
			b, err := decrypt(s.params(c.Argument(0)), s.key(c.Argument(1)), s.view(c.Argument(2)))
			s.check(err)
			return s.buffer(b)
		},
		"generateKey": func(c goja.FunctionCall) goja.Value {
			alg, extractable, usages := s.params(c.Argument(0)), c.Argument(1).ToBoolean(), s.strings(c.Argument(2))
			gen, err := generateKey(alg, usages)
			s.check(err)
			if rsaAlgs[alg.name()] {
				return s.job(func() (any, error) { return gen() }, func(v any) goja.Value { return s.generated(v, usages, extractable) })
			}
			v, err := gen()
			s.check(err)
			return s.generated(v, usages, extractable)
		},
		"deriveBits": func(c goja.FunctionCall) goja.Value {
			alg, k := s.params(c.Argument(0)), s.key(c.Argument(1))
			length := -1
			if v := c.Argument(2); !goja.IsNull(v) && !goja.IsUndefined(v) {
				length = int(v.ToInteger())
			}
			derive, err := deriveBits(alg, k, length)
			s.check(err)
			if alg.name() == "PBKDF2" {
				return s.job(func() (any, error) { return derive() }, func(v any) goja.Value { return s.buffer(v.([]byte)) })
			}
			b, err := derive()
			s.check(err)
			return s.buffer(b)
		},
		"keyLength": func(c goja.FunctionCall) goja.Value {
			n, err := keyLength(s.params(c.Argument(0)))
			s.check(err)
			if n < 0 {
				return goja.Null()
			}
			return s.vm.ToValue(n)
		},
	}
}

// generated is the record of a generated key, or of each key of a pair
// (whose public key is always extractable).
func (s *subtleHooks) generated(v any, usages []string, extractable bool) goja.Value {
	if k, ok := v.(*cryptoKey); ok {
		return s.record(k, usages, extractable)
	}
	pair := v.([2]*cryptoKey)
	o := s.vm.NewObject()
	_ = o.Set("publicKey", s.record(pair[0], intersect(usages, usagesFor(pair[0].alg, "public")), true))
	_ = o.Set("privateKey", s.record(pair[1], intersect(usages, usagesFor(pair[1].alg, "private")), extractable))
	return o
}

// record is what JS makes a CryptoKey of, and then keeps as the key's
// internal slots (adding the private copies of its name and usages): the
// opaque handle, its type, extractability, algorithm dictionary and
// usages. One object serves as both, so a key costs one object less.
func (s *subtleHooks) record(k *cryptoKey, usages []string, extractable bool) goja.Value {
	o := s.vm.NewObject()
	_ = o.Set("handle", k)
	_ = o.Set("type", k.kind)
	_ = o.Set("extractable", extractable)
	_ = o.Set("algorithm", k.algorithmObject(s.vm))
	list := make([]any, len(usages))
	for i, u := range usages {
		list[i] = u
	}
	_ = o.Set("usageList", s.vm.NewArray(list...))
	return o
}

// job runs slow work on a goroutine and returns a promise that settles on
// the loop with done's value or the work's error. At most cryptoWorkers
// jobs run at once in the process; one that is still queued when its
// invocation ends never starts. The CPU the work used counts against the
// invocation's CPU limit, as if the isolate had done it.
func (s *subtleHooks) job(work func() (any, error), done func(any) goja.Value) goja.Value {
	if s.jobs.Add(1) > maxCryptoJobs {
		s.jobs.Add(-1)
		panic(s.inst.domException("too many slow crypto operations in progress", "QuotaExceededError"))
	}
	promise, resolve, reject := s.vm.NewPromise()
	ctx, complete := s.inst.async()
	go func() {
		defer s.jobs.Add(-1)
		select {
		case cryptoWorkers <- struct{}{}:
		case <-ctx.Done():
			complete(func() {})
			return
		}
		v, cpu, err := metered(work)
		<-cryptoWorkers
		s.inst.watch.addCPU(cpu)
		complete(func() {
			if err != nil {
				_ = reject(s.errorValue(err))
				return
			}
			_ = resolve(done(v))
		})
	}()
	return s.vm.ToValue(promise)
}

// metered runs work locked to a thread, to read the CPU time it used on
// that thread's clock.
func metered(work func() (any, error)) (any, time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := osthread.Self()
	v, err := work()
	return v, osthread.Self() - start, err
}

// check throws err into JS.
func (s *subtleHooks) check(err error) {
	if err != nil {
		panic(s.errorValue(err))
	}
}

// errorValue is the JS error for err: a DOMException named as the spec
// says, a TypeError, or an OperationError for anything unforeseen.
func (s *subtleHooks) errorValue(err error) goja.Value {
	var ce *cryptoError
	if !errors.As(err, &ce) {
		ce = &cryptoError{"OperationError", err.Error()}
	}
	if ce.name == "TypeError" {
		return s.vm.NewTypeError(ce.msg)
	}
	return s.inst.domException(ce.msg, ce.name)
}

func (s *subtleHooks) buffer(b []byte) goja.Value { return s.vm.ToValue(s.vm.NewArrayBuffer(b)) }

// bytes is a copy of a Uint8Array or ArrayBuffer argument, so that user
// code changing the buffer later cannot change what is signed or
// encrypted: js/31-crypto.js takes one (hooks.copy) of each BufferSource
// as the spec's steps do.
func (s *subtleHooks) bytes(v goja.Value) []byte {
	return append([]byte(nil), s.view(v)...)
}

// view is the memory of a Uint8Array or ArrayBuffer argument, not copied:
// for the hooks that are done with it before they return (no JS runs
// meanwhile) and write only to buffers of their own.
func (s *subtleHooks) view(v goja.Value) []byte {
	b, ok := viewBytes(v)
	if !ok {
		panic(s.vm.NewTypeError("expected an ArrayBuffer or ArrayBufferView"))
	}
	return b
}

func (s *subtleHooks) key(v goja.Value) *cryptoKey {
	k, ok := v.Export().(*cryptoKey)
	if !ok {
		panic(s.vm.NewTypeError("expected a CryptoKey"))
	}
	return k
}

// strings is a list of key usages: an Array of at most maxUsages strings,
// read by index (ExportTo's reflection costs more than the list it reads).
func (s *subtleHooks) strings(v goja.Value) []string {
	o, ok := v.(*goja.Object)
	if !ok || o.ClassName() != "Array" {
		panic(s.vm.NewTypeError("expected a list of key usages"))
	}
	n := int(o.Get("length").ToInteger())
	if n < 0 || n > maxUsages {
		panic(s.vm.NewTypeError("expected a list of key usages"))
	}
	out := make([]string, n)
	for i := range out {
		e, ok := o.Get(strconv.Itoa(i)).(goja.String)
		if !ok {
			panic(s.vm.NewTypeError("expected a list of key usages"))
		}
		out[i] = e.String()
	}
	return out
}

func (s *subtleHooks) params(v goja.Value) algParams {
	m, ok := v.Export().(map[string]any)
	if !ok {
		panic(s.vm.NewTypeError("expected an algorithm"))
	}
	return m
}

// maxUsages is how many usages a key can have: KeyUsage has 8 values,
// and js/31-crypto.js passes each at most once.
const maxUsages = 8

// algParams is a normalised algorithm (the spec's "normalize an
// algorithm"), as js/31-crypto.js makes it: the registered name,
// digests as their names, BufferSource members as byte copies, integers
// already range-checked.
type algParams map[string]any

func (p algParams) name() string { s, _ := p["name"].(string); return s }
func (p algParams) hash() string { s, _ := p["hash"].(string); return s }

// bytes is a BufferSource member; ok is false when it is absent.
func (p algParams) bytes(k string) ([]byte, bool) {
	b, ok := p[k].([]byte)
	return append([]byte(nil), b...), ok
}

// int is an integer member, or -1 when it is absent.
func (p algParams) int(k string) int {
	switch n := p[k].(type) {
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return -1
}

func (p algParams) key(k string) *cryptoKey { c, _ := p[k].(*cryptoKey); return c }

func (p algParams) str(k string) string { s, _ := p[k].(string); return s }
