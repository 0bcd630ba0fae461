// URL and URLSearchParams (WHATWG URL Standard). Go parses (url.go, on
// edge/weburl): a URL holds only the record host.url returns, [href,
// offsets...], and its getters slice the href; a setter trades the href
// and the new value for a new record. Built on first use (see host.lazy in 05-dom.js).
(function (g, host) {
  "use strict";
  const make = () => {
    // host.url(op, ...) is the Go side, with the ops of url.go.
    const go = host.url, PARSE = 0, SET = 1, ORIGIN = 2, FORM_PARSE = 3, FORM_SERIALIZE = 4, USV = 5;
    const REC = Symbol("url"), PARAMS = Symbol("searchParams"), LIST = Symbol("list"), OWNER = Symbol("owner");
    // Setter codes, as in url.go.
    const PROTOCOL = 1, USERNAME = 2, PASSWORD = 3, HOST = 4, HOSTNAME = 5, PORT = 6,
      PATHNAME = 7, SEARCH = 8, HASH = 9;
    const str = (v) => go(USV, `${v}`);
    const parse = (url, base) => go(PARSE, `${url}`, base === undefined ? undefined : `${base}`);
    const invalid = (url) => new TypeError("Invalid URL: " + JSON.stringify(`${url}`.slice(0, 200)));
    const rec = (u) => {
      const r = u[REC];
      if (r === undefined) throw new TypeError("Illegal invocation: not a URL");
      return r;
    };
    // A record is [href, offsets...]; the offsets are, in order: protocol
    // end, username, its end, password, its end, host (= hostname),
    // hostname end, port, port end (= host end), pathname, search (=
    // pathname end), hash (= search end).
    const search = (r) => (r[12] - r[11] > 1 ? r[0].slice(r[11], r[12]) : "");
    // install gives u the record r and brings its searchParams, if any,
    // up to date with the query.
    const install = (u, r) => {
      const old = u[REC];
      u[REC] = r;
      const p = u[PARAMS];
      if (p !== undefined && search(old) !== search(r)) p[LIST] = go(FORM_PARSE, search(r).slice(1));
    };
    const set = (u, field, v) => {
      const r = go(SET, rec(u)[0], field, `${v}`);
      if (r !== null) install(u, r);
    };

    class URL {
      constructor(url, base) {
        const r = parse(url, base);
        if (r === null) throw invalid(url);
        this[REC] = r;
      }
      static canParse(url, base) { return parse(url, base) !== null; }
      static parse(url, base) {
        const r = parse(url, base);
        if (r === null) return null;
        const u = Object.create(URL.prototype);
        u[REC] = r;
        return u;
      }
      get href() { return rec(this)[0]; }
      set href(v) {
        rec(this);
        const r = parse(v);
        if (r === null) throw invalid(v);
        install(this, r);
      }
      get origin() { return go(ORIGIN, rec(this)[0]); }
      get protocol() { const r = rec(this); return r[0].slice(0, r[1]); }
      set protocol(v) { set(this, PROTOCOL, v); }
      get username() { const r = rec(this); return r[0].slice(r[2], r[3]); }
      set username(v) { set(this, USERNAME, v); }
      get password() { const r = rec(this); return r[0].slice(r[4], r[5]); }
      set password(v) { set(this, PASSWORD, v); }
      get host() { const r = rec(this); return r[0].slice(r[6], r[9]); }
      set host(v) { set(this, HOST, v); }
      get hostname() { const r = rec(this); return r[0].slice(r[6], r[7]); }
      set hostname(v) { set(this, HOSTNAME, v); }
      get port() { const r = rec(this); return r[0].slice(r[8], r[9]); }
      set port(v) { set(this, PORT, v); }
      get pathname() { const r = rec(this); return r[0].slice(r[10], r[11]); }
      set pathname(v) { set(this, PATHNAME, v); }
      get search() { return search(rec(this)); }
      set search(v) { set(this, SEARCH, v); }
      get hash() { const r = rec(this); return r[0].length - r[12] > 1 ? r[0].slice(r[12]) : ""; }
      set hash(v) { set(this, HASH, v); }
      get searchParams() {
        rec(this);
        let p = this[PARAMS];
        if (p === undefined) {
          p = Object.create(URLSearchParams.prototype);
          p[LIST] = go(FORM_PARSE, search(this[REC]).slice(1));
          p[OWNER] = this;
          this[PARAMS] = p;
        }
        return p;
      }
      toString() { return rec(this)[0]; }
      toJSON() { return rec(this)[0]; }
    }

    const list = (p) => {
      const l = p[LIST];
      if (l === undefined) throw new TypeError("Illegal invocation: not a URLSearchParams");
      return l;
    };
    // update is the standard's update steps: the owning URL's query
    // follows the list (through the search setter, leaving the list be).
    const update = (p) => {
      const u = p[OWNER];
      if (u === undefined) return;
      const r = go(SET, u[REC][0], SEARCH, go(FORM_SERIALIZE, p[LIST]));
      if (r !== null) u[REC] = r;
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
    for (const proto of [URL.prototype, URLSearchParams.prototype]) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (name !== "constructor") Object.defineProperty(proto, name, { enumerable: true });
      }
    }
    Object.defineProperty(URLSearchParams.prototype, Symbol.iterator,
      { value: URLSearchParams.prototype.entries, writable: true, configurable: true });
    Object.defineProperty(URL.prototype, Symbol.toStringTag, { value: "URL", configurable: true });
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
