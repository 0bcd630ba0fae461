// Core Web API: Headers, Request, Response, console. Each file in js/ is
// one IIFE taking the global object and the host hooks (the
// non-enumerable global __vault); they run in name order.
(function (g, host) {
  "use strict";
  const lower = (s) => String(s).toLowerCase();
  // Internal slots are symbol-keyed: invisible to Object.keys, JSON and
  // for-in, and cheaper than defineProperty.
  const MAP = Symbol("headers"), BODY = Symbol("body"), USED = Symbol("used");
  const checkName = (n) => {
    n = String(n);
    if (!host.validName(n)) throw new TypeError("invalid header name: " + JSON.stringify(n));
    return n.toLowerCase();
  };
  const checkValue = (v) => {
    v = host.trimValue(String(v));
    if (v === null) throw new TypeError("invalid header value");
    return v;
  };

  class Headers {
    constructor(init) {
      this[MAP] = new Map();
      if (init == null) return;
      if (init instanceof Headers) {
        for (const [k, v] of init[MAP]) this[MAP].set(k, v.slice());
      } else if (Array.isArray(init)) {
        for (const pair of init) {
          if (pair.length !== 2) throw new TypeError("header pairs must have two items");
          this.append(pair[0], pair[1]);
        }
      } else if (typeof init === "object") {
        for (const k of Object.keys(init)) this.append(k, init[k]);
      } else {
        throw new TypeError("Headers: init must be an object, array of pairs or Headers");
      }
    }
    append(name, value) {
      const k = checkName(name), v = checkValue(value);
      const vs = this[MAP].get(k);
      if (vs) vs.push(v); else this[MAP].set(k, [v]);
    }
    set(name, value) { this[MAP].set(checkName(name), [checkValue(value)]); }
    get(name) {
      const vs = this[MAP].get(lower(name));
      return vs ? vs.join(", ") : null;
    }
    has(name) { return this[MAP].has(lower(name)); }
    delete(name) { this[MAP].delete(lower(name)); }
    getSetCookie() { return (this[MAP].get("set-cookie") || []).slice(); }
    *entries() {
      for (const k of [...this[MAP].keys()].sort()) {
        const vs = this[MAP].get(k);
        if (k === "set-cookie") { for (const v of vs) yield [k, v]; }
        else yield [k, vs.join(", ")];
      }
    }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    forEach(cb, thisArg) { for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this); }
    [Symbol.iterator]() { return this.entries(); }
  }

  const bodyText = (b) => {
    if (b == null) return "";
    if (typeof b === "string") return b;
    return host.decodeUTF8(b);
  };
  const normBody = (b) => {
    if (b == null) return null;
    if (typeof b === "string" || b instanceof ArrayBuffer || ArrayBuffer.isView(b)) return b;
    return String(b);
  };

  class Body {
    get bodyUsed() { return this[USED] === true; }
    _take() {
      if (this[USED]) return Promise.reject(new TypeError("body already used"));
      this[USED] = true;
      return null;
    }
    text() { return this._take() || Promise.resolve(bodyText(this[BODY])); }
    json() {
      return this._take() || new Promise((ok) => ok(JSON.parse(bodyText(this[BODY]))));
    }
  }

  class Request extends Body {
    constructor(input, init) {
      super();
      init = init || {};
      const src = input instanceof Request ? input : null;
      this.url = src ? src.url : String(input);
      this.method = String(init.method || (src ? src.method : "GET")).toUpperCase();
      this.headers = new Headers(init.headers || (src ? src.headers : undefined));
      this[BODY] = normBody(init.body !== undefined ? init.body : src ? src[BODY] : null);
      if (this[BODY] != null && (this.method === "GET" || this.method === "HEAD")) {
        throw new TypeError("a GET or HEAD request cannot have a body");
      }
    }
  }

  class Response extends Body {
    constructor(body, init) {
      super();
      init = init || {};
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw new RangeError("Response status must be 200..599, got " + init.status);
      }
      this.status = status;
      this.statusText = init.statusText === undefined ? "" : String(init.statusText);
      this.headers = new Headers(init.headers);
      this[BODY] = normBody(body);
      if (typeof body === "string" && !this.headers.has("content-type")) {
        this.headers[MAP].set("content-type", ["text/plain;charset=UTF-8"]);
      }
    }
    get ok() { return this.status >= 200 && this.status < 300; }
    static json(data, init) {
      const r = new Response(JSON.stringify(data), init);
      r.headers[MAP].set("content-type", ["application/json"]);
      return r;
    }
    static redirect(url, status) {
      status = status === undefined ? 302 : status;
      if ([301, 302, 303, 307, 308].indexOf(status) < 0) throw new RangeError("invalid redirect status " + status);
      return new Response(null, { status, headers: { location: String(url) } });
    }
  }

  const fmt = (args) => args.map((a) => {
    if (typeof a === "string") return a;
    if (a instanceof Error) return a.stack || String(a);
    try { return JSON.stringify(a); } catch (e) { return String(a); }
  }).join(" ");
  const log = host.log;
  g.console = {
    log: (...a) => log("info", fmt(a)),
    info: (...a) => log("info", fmt(a)),
    debug: (...a) => log("debug", fmt(a)),
    warn: (...a) => log("warn", fmt(a)),
    error: (...a) => log("error", fmt(a)),
  };

  g.Headers = Headers;
  g.Request = Request;
  g.Response = Response;

  // Host side: build a Request from flat header pairs, and take a
  // Response apart into [status, flat headers, body].
  // The server's own Requests skip the public constructors: Go has already
  // validated the method, URL, header names and values.
  const RequestProto = Request.prototype, HeadersProto = Headers.prototype;
  host.request = (method, url, flat, body) => {
    const m = new Map();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const k = flat[i].toLowerCase(), vs = m.get(k);
      if (vs) vs.push(flat[i + 1]); else m.set(k, [flat[i + 1]]);
    }
    const h = Object.create(HeadersProto);
    h[MAP] = m;
    const r = Object.create(RequestProto);
    r.url = url;
    r.method = method;
    r.headers = h;
    r[BODY] = body === "" && (method === "GET" || method === "HEAD") ? null : body;
    return r;
  };
  host.response = (r) => {
    if (!(r instanceof Response)) {
      throw new TypeError("fetch handler must return a Response, got " + (r === null ? "null" : typeof r));
    }
    const flat = [];
    r.headers[MAP].forEach((vs, k) => {
      if (k === "set-cookie") { for (const v of vs) flat.push(k, v); }
      else flat.push(k, vs.length === 1 ? vs[0] : vs.join(", "));
    });
    return [r.status, flat, r[BODY]];
  };
})(globalThis, globalThis.__vault);
