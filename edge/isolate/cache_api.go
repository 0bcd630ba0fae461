package isolate

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/dop251/goja"

	"github.com/vault-runtime/vault/edge/cache"
)

func init() { installers = append(installers, installCache) }

// installCache gives js/55-cache.js the function's partition of the
// node's cache store. Entries live in Go: a put copies the body once, a
// match hands JavaScript a fresh ArrayBuffer.
func installCache(inst *instance, host *goja.Object) {
	vm := inst.vm
	part := func() *cache.Partition { return inst.prog.cfg.Cache }
	// cachePut(cache, url, method, reqFlat, status, statusText, respFlat, body) -> stored
	_ = host.Set("cachePut", func(call goja.FunctionCall) goja.Value {
		p := part()
		if p == nil {
			return vm.ToValue(false)
		}
		body, err := bytesOf(call.Argument(7))
		if err != nil {
			panic(vm.NewTypeError("cache.put: %v", err))
		}
		status := int(call.Argument(4).ToInteger())
		stored, _, err := p.Put(call.Argument(0).String(), call.Argument(1).String(), call.Argument(2).String(),
			flatReader(flatHeader(call.Argument(3))), status, call.Argument(5).String(),
			flatHeader(call.Argument(6)), body)
		if err != nil {
			var msg = err.Error()
			if errors.Is(err, cache.ErrMethod) || errors.Is(err, cache.ErrPartial) || errors.Is(err, cache.ErrVaryAll) {
				msg = "Cache.put: " + msg[len("cache: "):]
			}
			panic(vm.NewTypeError(msg))
		}
		return vm.ToValue(stored)
	})
	// cacheMatch(cache, url, reqFlat) -> null or [status, statusText, flat headers, body or null]
	_ = host.Set("cacheMatch", func(call goja.FunctionCall) goja.Value {
		p := part()
		if p == nil {
			return goja.Null()
		}
		req := flatHeader(call.Argument(2))
		e := p.Match(call.Argument(0).String(), call.Argument(1).String(), flatReader(req))
		if e == nil {
			return goja.Null()
		}
		flat := make([]any, 0, 2*len(e.Header)+4)
		for k, vs := range e.Header {
			for _, v := range vs {
				flat = append(flat, k, v)
			}
		}
		flat = append(flat, "Age", strconv.FormatInt(e.Age(time.Now()), 10), "CF-Cache-Status", "HIT")
		if notModified(e, req) {
			return vm.NewArray(http.StatusNotModified, "Not Modified", vm.NewArray(flat...), goja.Null())
		}
		var body goja.Value = goja.Null()
		if len(e.Body) > 0 {
			body = vm.ToValue(vm.NewArrayBuffer(append([]byte(nil), e.Body...)))
		}
		return vm.NewArray(e.Status, e.StatusText, vm.NewArray(flat...), body)
	})
	// cacheDelete(cache, url) -> whether anything was deleted
	_ = host.Set("cacheDelete", func(name, url string) bool {
		p := part()
		return p != nil && p.Delete(name, url)
	})
}

// flatHeader reads [name, value, ...] pairs from JavaScript.
func flatHeader(v goja.Value) http.Header {
	pairs, _ := v.Export().([]any)
	h := make(http.Header, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		k, _ := pairs[i].(string)
		val, _ := pairs[i+1].(string)
		h.Add(k, val)
	}
	return h
}

func flatReader(h http.Header) cache.RequestHeader {
	return func(name string) string { return h.Get(name) }
}

// notModified is a conditional GET's answer to a stored entry: If-None-Match
// against its ETag (weak comparison, RFC 9110 §13.1.2), else
// If-Modified-Since against its Last-Modified.
func notModified(e *cache.Entry, req http.Header) bool {
	if inm := req.Get("If-None-Match"); inm != "" {
		etag := e.Header.Get("ETag")
		return etag != "" && cache.ETagMatches(inm, etag)
	}
	ims, err := http.ParseTime(req.Get("If-Modified-Since"))
	if err != nil {
		return false
	}
	lm, err := http.ParseTime(e.Header.Get("Last-Modified"))
	return err == nil && !lm.After(ims)
}
