// Cache API, in workerd's shape: caches.default and caches.open(name),
// each with match, put and delete. Entries live in Go, per function and
// per node (cache_api.go, package edge/cache), which decides from the
// response's Cache-Control, Expires and Vary what is stored and for how
// long.
(function (g, host) {
  "use strict";
  const NAME = Symbol("name");
  const KEY = Symbol("key");
  const settle = (f) => {
    try { return Promise.resolve(f()); } catch (e) { return Promise.reject(e); }
  };
  const flat = (h) => {
    const out = [];
    for (const [k, v] of h) out.push(k, v);
    return out;
  };
  const pairs = (f) => {
    const out = [];
    for (let i = 0; i + 1 < f.length; i += 2) out.push([f[i], f[i + 1]]);
    return out;
  };
  // keyOf takes a Request, a URL or a string to the request it names and
  // the URL an entry is filed under (without its fragment).
  const keyOf = (req) => {
    const r = req instanceof g.Request ? req : new g.Request(String(req));
    let url = r.url;
    const hash = url.indexOf("#");
    if (hash >= 0) url = url.slice(0, hash);
    return [r, url];
  };
  const getOnly = (r, options) => r.method === "GET" || (options != null && options.ignoreMethod === true);

  class Cache {
    constructor(key, name) {
      if (key !== KEY) throw new TypeError("Illegal constructor");
      this[NAME] = name;
    }
    match(request, options) {
      return settle(() => {
        const [r, url] = keyOf(request);
        if (!getOnly(r, options)) return undefined;
        const hit = host.cacheMatch(this[NAME], url, flat(r.headers));
        if (hit === null) return undefined;
        return new g.Response(hit[3], { status: hit[0], statusText: hit[1], headers: pairs(hit[2]) });
      });
    }
    put(request, response) {
      return settle(() => {
        const [r, url] = keyOf(request);
        if (!(response instanceof g.Response)) throw new TypeError("Cache.put: the second argument must be a Response");
        if (r.method !== "GET") throw new TypeError("Cache.put: only GET requests can be cached");
        if (response.bodyUsed) throw new TypeError("Cache.put: the response's body was already used");
        const name = this[NAME], status = response.status, statusText = response.statusText;
        const headers = flat(response.headers);
        return response.arrayBuffer().then((body) => {
          host.cachePut(name, url, r.method, flat(r.headers), status, statusText, headers, body);
        });
      });
    }
    delete(request, options) {
      return settle(() => {
        const [r, url] = keyOf(request);
        if (!getOnly(r, options)) return false;
        return host.cacheDelete(this[NAME], url);
      });
    }
    get [Symbol.toStringTag]() { return "Cache"; }
  }

  let byDefault;
  class CacheStorage {
    constructor(key) {
      if (key !== KEY) throw new TypeError("Illegal constructor");
    }
    // default is its own cache, apart from any caches.open name.
    get default() {
      if (byDefault === undefined) byDefault = new Cache(KEY, "");
      return byDefault;
    }
    open(name) {
      return settle(() => new Cache(KEY, "n:" + String(name)));
    }
    get [Symbol.toStringTag]() { return "CacheStorage"; }
  }

  g.Cache = Cache;
  g.CacheStorage = CacheStorage;
  g.caches = new CacheStorage(KEY);
})(globalThis, globalThis.__vault);
