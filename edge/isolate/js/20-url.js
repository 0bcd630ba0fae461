// URL and URLSearchParams (WHATWG URL Standard). URL is native
// (url_class.go: Go parses, on edge/weburl, and its getters slice the
// href); URLSearchParams is this class, a flat list of names and values,
// whose update steps hand the URL its new query. Built on first use (see
// host.lazy in 05-dom.js).
(function (g, host) {
  "use strict";
  const make = () => {
    // host.url(op, ...) is the Go side of the form encoding, with the ops
    // of url.go.
    const go = host.url, FORM_PARSE = 0, FORM_SERIALIZE = 1, USV = 2;
    const LIST = Symbol("list"), OWNER = Symbol("owner");
    const str = (v) => go(USV, `${v}`);
    // The native URL calls newParams when searchParams is first read and
    // resetParams when its query changes; setQuery gives it the list's.
    const newParams = (u, query) => {
      const p = Object.create(URLSearchParams.prototype);
      p[LIST] = go(FORM_PARSE, query);
      p[OWNER] = u;
      return p;
    };
    const resetParams = (p, query) => { p[LIST] = go(FORM_PARSE, query); };
    const [URL, setQuery] = host.urlClass(newParams, resetParams);

    const list = (p) => {
      const l = p[LIST];
      if (l === undefined) throw new TypeError("Illegal invocation: not a URLSearchParams");
      return l;
    };
    // update is the standard's update steps: the owning URL's query
    // follows the list (through the search setter, leaving the list be).
    const update = (p) => {
      const u = p[OWNER];
      if (u !== undefined) setQuery(u, go(FORM_SERIALIZE, p[LIST]));
    };
    const need = (n, have, what) => {
      if (have < n) throw new TypeError(`URLSearchParams.${what}: ${n} arguments required`);
    };

    // A list is flat: [name0, value0, name1, value1, ...].
    class URLSearchParams {
      constructor(init) {
        if (init === undefined) {
          this[LIST] = [];
        } else if (init instanceof URLSearchParams) {
          this[LIST] = list(init).slice();
        } else if (init !== null && (typeof init === "object" || typeof init === "function")) {
          const l = [];
          const it = init[Symbol.iterator];
          if (it !== undefined && it !== null) {
            if (typeof it !== "function") throw new TypeError("URLSearchParams: init[Symbol.iterator] is not a function");
            for (const pair of init) {
              if (pair === null || typeof pair !== "object" || typeof pair[Symbol.iterator] !== "function") {
                throw new TypeError("URLSearchParams: each pair must be a sequence");
              }
              const kv = Array.isArray(pair) ? pair : Array.from(pair);
              if (kv.length !== 2) throw new TypeError("URLSearchParams: each pair must have exactly two items");
              l.push(str(kv[0]), str(kv[1]));
            }
          } else {
            for (const k of Object.keys(init)) l.push(str(k), str(init[k]));
          }
          this[LIST] = l;
        } else {
          const s = `${init}`;
          this[LIST] = go(FORM_PARSE, s.charCodeAt(0) === 63 ? s.slice(1) : s);
        }
      }
      get size() { return list(this).length / 2; }
      append(name, value) {
        need(2, arguments.length, "append");
        list(this).push(str(name), str(value));
        update(this);
      }
      delete(name, value) {
        const l = list(this), n = str(name), any = value === undefined, v = any ? "" : str(value);
        let j = 0;
        for (let i = 0; i < l.length; i += 2) {
          if (l[i] === n && (any || l[i + 1] === v)) continue;
          l[j++] = l[i];
          l[j++] = l[i + 1];
        }
        l.length = j;
        update(this);
      }
      get(name) {
        const l = list(this), n = str(name);
        for (let i = 0; i < l.length; i += 2) if (l[i] === n) return l[i + 1];
        return null;
      }
      getAll(name) {
        const l = list(this), n = str(name), out = [];
        for (let i = 0; i < l.length; i += 2) if (l[i] === n) out.push(l[i + 1]);
        return out;
      }
      has(name, value) {
        const l = list(this), n = str(name), any = value === undefined, v = any ? "" : str(value);
        for (let i = 0; i < l.length; i += 2) if (l[i] === n && (any || l[i + 1] === v)) return true;
        return false;
      }
      set(name, value) {
        need(2, arguments.length, "set");
        const l = list(this), n = str(name), v = str(value);
        let j = -1;
        for (let i = 0; i < l.length; i += 2) {
          if (l[i] !== n) {
            if (j >= 0) { l[j++] = l[i]; l[j++] = l[i + 1]; }
          } else if (j < 0) {
            l[i + 1] = v;
            j = i + 2;
          }
        }
        if (j < 0) l.push(n, v); else l.length = j;
        update(this);
      }
      sort() {
        const l = list(this), pairs = [];
        for (let i = 0; i < l.length; i += 2) pairs.push([l[i], l[i + 1]]);
        // Array.prototype.sort is stable; < compares UTF-16 code units.
        pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        for (let i = 0; i < pairs.length; i++) { l[2 * i] = pairs[i][0]; l[2 * i + 1] = pairs[i][1]; }
        update(this);
      }
      toString() { return go(FORM_SERIALIZE, list(this)); }
      // The iterators read the list live, so they see changes made while
      // they run, as the standard's do.
      *entries() { list(this); for (let i = 0; i < this[LIST].length; i += 2) yield [this[LIST][i], this[LIST][i + 1]]; }
      *keys() { list(this); for (let i = 0; i < this[LIST].length; i += 2) yield this[LIST][i]; }
      *values() { list(this); for (let i = 0; i < this[LIST].length; i += 2) yield this[LIST][i + 1]; }
      forEach(cb, thisArg) {
        list(this);
        if (typeof cb !== "function") throw new TypeError("URLSearchParams.forEach: callback is not a function");
        for (let i = 0; i < this[LIST].length; i += 2) cb.call(thisArg, this[LIST][i + 1], this[LIST][i], this);
      }
    }
    // Web IDL members are enumerable; class members are not.
    for (const name of Object.getOwnPropertyNames(URLSearchParams.prototype)) {
      if (name !== "constructor") Object.defineProperty(URLSearchParams.prototype, name, { enumerable: true });
    }
    Object.defineProperty(URLSearchParams.prototype, Symbol.iterator,
      { value: URLSearchParams.prototype.entries, writable: true, configurable: true });
    Object.defineProperty(URLSearchParams.prototype, Symbol.toStringTag, { value: "URLSearchParams", configurable: true });
    return { URL, URLSearchParams };
  };

  if (typeof host.lazy === "function") {
    host.lazy("URL URLSearchParams", make);
  } else {
    const made = make();
    for (const name of ["URL", "URLSearchParams"]) {
      Object.defineProperty(g, name, { value: made[name], writable: true, configurable: true, enumerable: false });
    }
  }
})(globalThis, globalThis.__vault);
