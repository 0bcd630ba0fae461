package isolate

import (
	"context"
	"net/http"
	"testing"

	"github.com/vault-runtime/vault/edge/cache"
	"github.com/vault-runtime/vault/schemas"
)

// cacheFn compiles src as function fn with its partition of store.
func cacheFn(t *testing.T, store *cache.Store, fn, src string) *Program {
	t.Helper()
	code := "var " + ModuleGlobal + " = (function(){ " + src + " })();"
	cfg := Config{Function: fn, Version: 1, Code: []byte(code), Limits: roomyCPU(schemas.Limits{}), Logger: discardLogger()}
	if store != nil {
		cfg.Cache = store.For(fn)
	}
	p, err := Compile(cfg)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

func cacheCall(t *testing.T, p *Program, path string, h http.Header) *Response {
	t.Helper()
	if h == nil {
		h = http.Header{}
	}
	resp, err := p.Invoke(context.Background(), &Request{ID: "c", Method: "GET", URL: "https://shop.test" + path, Header: h})
	if err != nil {
		t.Fatalf("invoke %s: %v", path, err)
	}
	return resp
}

// cacheScript answers /put?... by putting a response built from the query
// (body, cc = Cache-Control, vary, etag, cookie, status) under /item, /get
// with what caches.default.match finds for /item, /del with delete's
// answer.
const cacheScript = `
return {default: {async fetch(req) {
  const u = new URL(req.url), q = u.searchParams, key = "https://shop.test/item";
  const cache = q.get("named") ? await caches.open(q.get("named")) : caches.default;
  try {
    if (u.pathname === "/put") {
      const h = {};
      if (q.get("cc")) h["cache-control"] = q.get("cc");
      if (q.get("vary")) h["vary"] = q.get("vary");
      if (q.get("etag")) h["etag"] = q.get("etag");
      if (q.get("cookie")) h["set-cookie"] = q.get("cookie");
      const res = new Response(q.get("body"), {status: Number(q.get("status") || 200), headers: h});
      const req2 = q.get("method") ? new Request(key, {method: q.get("method")}) : new Request(key, {headers: req.headers});
      await cache.put(req2, res);
      return new Response("put " + res.bodyUsed);
    }
    if (u.pathname === "/get") {
      const hit = await cache.match(new Request(key, {headers: req.headers}));
      if (!hit) return new Response("miss");
      return new Response(hit.status + " " + (await hit.text()) + " " + hit.headers.get("cf-cache-status") + " age=" + hit.headers.get("age") + " type=" + hit.headers.get("content-type"));
    }
    if (u.pathname === "/del") return new Response("deleted " + (await cache.delete(key)));
  } catch (e) {
    return new Response(e.name + ": " + e.message);
  }
  return new Response("?");
}}};`

func TestCacheAPI(t *testing.T) {
	store := cache.New(cache.Config{})
	p := cacheFn(t, store, "shop", cacheScript)
	get := func(path string, h http.Header) string { return string(cacheCall(t, p, path, h).Body) }
	steps := []struct{ path, want string }{
		{"/get", "miss"},
		{"/put?body=v1&cc=max-age%3D60", "put true"},
		{"/get", "200 v1 HIT age=0 type=text/plain;charset=UTF-8"},
		{"/get?named=other", "miss"},
		{"/del", "deleted true"},
		{"/del", "deleted false"},
		{"/get", "miss"},
		{"/put?body=x&cc=no-store", "put true"},
		{"/get", "miss"},
		{"/put?body=x&cc=private%2C+max-age%3D60", "put true"},
		{"/get", "miss"},
		{"/put?body=x&cc=max-age%3D60&cookie=id%3D1", "put true"},
		{"/get", "miss"},
		{"/put?body=x&cc=max-age%3D60&method=POST", "TypeError: Cache.put: only GET requests can be cached"},
		{"/put?body=x&cc=max-age%3D60&status=206", "TypeError: Cache.put: a 206 Partial Content response cannot be cached"},
		{"/put?body=x&cc=max-age%3D60&vary=*", "TypeError: Cache.put: a response with Vary: * cannot be cached"},
		{"/put?body=named&cc=max-age%3D60&named=n1", "put true"},
		{"/get?named=n1", "200 named HIT age=0 type=text/plain;charset=UTF-8"},
		{"/get", "miss"},
	}
	for _, s := range steps {
		if got := get(s.path, nil); got != s.want {
			t.Fatalf("%s: got %q, want %q", s.path, got, s.want)
		}
	}
}

func TestCacheAPIVaryAndConditional(t *testing.T) {
	store := cache.New(cache.Config{})
	p := cacheFn(t, store, "shop", cacheScript)
	lang := func(l string) http.Header { return http.Header{"Accept-Language": {l}} }
	for _, l := range []string{"en", "de"} {
		if got := string(cacheCall(t, p, "/put?body=hello-"+l+"&cc=max-age%3D60&vary=accept-language&etag=%22v-"+l+"%22", lang(l)).Body); got != "put true" {
			t.Fatalf("put %s: %q", l, got)
		}
	}
	for _, l := range []string{"en", "de"} {
		if got := string(cacheCall(t, p, "/get", lang(l)).Body); got != "200 hello-"+l+" HIT age=0 type=text/plain;charset=UTF-8" {
			t.Fatalf("get %s: %q", l, got)
		}
	}
	if got := string(cacheCall(t, p, "/get", lang("fr")).Body); got != "miss" {
		t.Fatalf("get fr: %q", got)
	}
	h := lang("en")
	h.Set("If-None-Match", `W/"v-en"`)
	if got := string(cacheCall(t, p, "/get", h).Body); got != "304  HIT age=0 type=text/plain;charset=UTF-8" {
		t.Fatalf("conditional get: %q", got)
	}
	h.Set("If-None-Match", `"v-de"`)
	if got := string(cacheCall(t, p, "/get", h).Body); got != "200 hello-en HIT age=0 type=text/plain;charset=UTF-8" {
		t.Fatalf("conditional get, other etag: %q", got)
	}
}

func TestCacheAPIIsPerFunction(t *testing.T) {
	store := cache.New(cache.Config{})
	a := cacheFn(t, store, "a", cacheScript)
	b := cacheFn(t, store, "b", cacheScript)
	if got := string(cacheCall(t, a, "/put?body=secret&cc=max-age%3D60", nil).Body); got != "put true" {
		t.Fatalf("put: %q", got)
	}
	if got := string(cacheCall(t, b, "/get", nil).Body); got != "miss" {
		t.Fatalf("function b read a's entry: %q", got)
	}
	// A new version of a shares the function's cache.
	a2 := cacheFn(t, store, "a", cacheScript)
	if got := string(cacheCall(t, a2, "/get", nil).Body); got != "200 secret HIT age=0 type=text/plain;charset=UTF-8" {
		t.Fatalf("another version of a: %q", got)
	}
	st := store.Stats()
	if st["a"].Entries != 1 || st["a"].Hits != 1 || st["b"].Misses != 1 || st["b"].Entries != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestCacheAPIWithoutAStore(t *testing.T) {
	p := cacheFn(t, nil, "shop", cacheScript)
	for _, s := range []struct{ path, want string }{
		{"/put?body=v&cc=max-age%3D60", "put true"},
		{"/get", "miss"},
		{"/del", "deleted false"},
	} {
		if got := string(cacheCall(t, p, s.path, nil).Body); got != s.want {
			t.Fatalf("%s: got %q, want %q", s.path, got, s.want)
		}
	}
}

func TestCacheConstructorsAreIllegal(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"Cache", `return threw(() => new Cache())`, "TypeError"},
		{"CacheStorage", `return threw(() => new CacheStorage())`, "TypeError"},
		{"DefaultIsOneObject", `return caches.default === caches.default && caches.default instanceof Cache`, "true"},
		{"Tag", `return Object.prototype.toString.call(caches)`, "[object CacheStorage]"},
	})
}
