// Core Web API: Headers, Request, Response, FormData, console. Each file in
// js/ is one IIFE taking the global object and the host hooks (the
// non-enumerable global __vault); they run in name order.
//
// The per-request path is built for speed: the server's Request and every
// Response are Go objects (request.go, response.go) that reach into
// JavaScript only for what a function asks for. Internal slots here are
// symbol-keyed: invisible to Object.keys, JSON and for-in.
(function (g, host) {
  "use strict";
  const BODY = Symbol("body"), HDRS = Symbol("headers");
  const URLS = Symbol("url"), METHOD = Symbol("method");
  const MAP = Symbol("map"), USED = Symbol("used");
  const INIT_HDRS = Symbol("initHeaders"), SIGNAL = Symbol("signal"), REDIRECT = Symbol("redirect");
  const lower = (s) => String(s).toLowerCase();

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
      } else if (typeof init === "object" && typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = Array.from(pair);
          if (p.length !== 2) throw new TypeError("header pairs must have two items");
          this.append(p[0], p[1]);
        }
      } else if (typeof init === "object") {
        for (const k of Object.keys(init)) this.append(k, init[k]);
      } else {
        throw new TypeError("Headers: init must be an object, a sequence of pairs or Headers");
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
    get [Symbol.toStringTag]() { return "Headers"; }
  }
  const HeadersProto = Headers.prototype;
  // From Go: flat [name, value, ...] pairs, names already lower case and
  // valid.
  const headersFromFlat = (flat) => {
    const m = new Map();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const k = flat[i], vs = m.get(k);
      if (vs) vs.push(flat[i + 1]); else m.set(k, [flat[i + 1]]);
    }
    const h = Object.create(HeadersProto);
    h[MAP] = m;
    return h;
  };
  const flatHeaders = (h) => {
    const flat = [];
    h[MAP].forEach((vs, k) => {
      if (k === "set-cookie") { for (const v of vs) flat.push(k, v); }
      else flat.push(k, vs.length === 1 ? vs[0] : vs.join(", "));
    });
    return flat;
  };

  class FormData {
    constructor(form) {
      if (form !== undefined) throw new TypeError("FormData: a form element is not supported here");
      this[MAP] = [];
    }
    append(name, value) { this[MAP].push([String(name), String(value)]); }
    delete(name) { name = String(name); this[MAP] = this[MAP].filter((e) => e[0] !== name); }
    get(name) { name = String(name); const e = this[MAP].find((e) => e[0] === name); return e ? e[1] : null; }
    getAll(name) { name = String(name); return this[MAP].filter((e) => e[0] === name).map((e) => e[1]); }
    has(name) { name = String(name); return this[MAP].some((e) => e[0] === name); }
    set(name, value) {
      name = String(name); value = String(value);
      const i = this[MAP].findIndex((e) => e[0] === name);
      if (i < 0) { this[MAP].push([name, value]); return; }
      this[MAP][i][1] = value;
      this[MAP] = this[MAP].filter((e, j) => j <= i || e[0] !== name);
    }
    *entries() { for (const e of this[MAP]) yield [e[0], e[1]]; }
    *keys() { for (const e of this[MAP]) yield e[0]; }
    *values() { for (const e of this[MAP]) yield e[1]; }
    forEach(cb, thisArg) { for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this); }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "FormData"; }
  }

  // A body is null, a string, an ArrayBuffer or a view. Other values are converted the
  // way fetch's BodyInit is; the second result is the implied content type.
  const bodyInit = (b) => {
    if (b == null) return [null, null];
    if (typeof b === "string") return [b, "text/plain;charset=UTF-8"];
    if (b instanceof ArrayBuffer) return [b.slice(0), null];
    if (ArrayBuffer.isView(b)) return [new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), null];
    if (g.URLSearchParams && b instanceof g.URLSearchParams) return [b.toString(), "application/x-www-form-urlencoded;charset=UTF-8"];
    if (b instanceof FormData) {
      const p = new g.URLSearchParams();
      for (const [k, v] of b) p.append(k, v);
      return [p.toString(), "application/x-www-form-urlencoded;charset=UTF-8"];
    }
    if (typeof b === "object" && typeof b.getReader === "function") {
      throw new TypeError("streaming bodies are not supported yet: pass a string, ArrayBuffer or Uint8Array");
    }
    return [String(b), "text/plain;charset=UTF-8"];
  };

  // take marks the body used and returns it.
  const take = (r) => {
    if (r[USED]) throw new TypeError("body already used");
    r[USED] = true;
    return r[BODY];
  };
  const asText = (b) => (b == null ? "" : typeof b === "string" ? b : host.decodeUTF8(b));
  const asBuffer = (b) => {
    if (b == null) return new ArrayBuffer(0);
    if (typeof b === "string") return host.utf8Buffer(b);
    if (b instanceof ArrayBuffer) return b.slice(0);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  };
  const settle = (f) => {
    try { return Promise.resolve(f()); } catch (e) { return Promise.reject(e); }
  };
  const bodyMethods = {
    text() { return settle(() => asText(take(this))); },
    json() { return settle(() => JSON.parse(asText(take(this)))); },
    arrayBuffer() { return settle(() => asBuffer(take(this))); },
    bytes() { return settle(() => new Uint8Array(asBuffer(take(this)))); },
    formData() {
      return settle(() => {
        const ct = (this.headers.get("content-type") || "").toLowerCase();
        const text = asText(take(this));
        return formFrom(ct, text);
      });
    },
  };
  const formFrom = (ct, text) => {
        if (!ct.startsWith("application/x-www-form-urlencoded")) {
          throw new TypeError("formData() supports application/x-www-form-urlencoded bodies, got " + JSON.stringify(ct));
        }
        const fd = new FormData();
        for (const [k, v] of new g.URLSearchParams(text)) fd.append(k, v);
        return fd;
  };
  const bodyUsed = { get() { return this[USED] === true; }, configurable: true };
  // Which methods may carry a body.
  const noBody = (m) => m === "GET" || m === "HEAD";
  const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];
  const normMethod = (m) => {
    m = String(m);
    const up = m.toUpperCase();
    if (METHODS.indexOf(up) >= 0 && up !== "PATCH") return up;
    if (!host.validName(m)) throw new TypeError("invalid method " + JSON.stringify(m));
    if (["CONNECT", "TRACE", "TRACK"].indexOf(up) >= 0) throw new TypeError("forbidden method " + m);
    return m;
  };

  class Request {
    constructor(input, init) {
      init = init == null ? {} : init;
      const src = input instanceof Request ? input : null;
      this[URLS] = src ? src.url : g.URL ? new g.URL(String(input)).href : String(input);
      this[METHOD] = init.method !== undefined ? normMethod(init.method) : src ? src.method : "GET";
      this[HDRS] = new Headers(init.headers !== undefined ? init.headers : src ? src.headers : undefined);
      this[REDIRECT] = init.redirect !== undefined ? String(init.redirect) : src ? src.redirect : "follow";
      if (["follow", "manual", "error"].indexOf(this[REDIRECT]) < 0) throw new TypeError("invalid redirect mode " + this[REDIRECT]);
      this[SIGNAL] = init.signal !== undefined ? init.signal : src ? src.signal : undefined;
      let body = null, ct = null;
      if (init instanceof Request) {
        // new Request(url, request): without streams, request.body is
        // null; take the body itself.
        body = host.isServerRequest(init) ? host.serverBody(init) : take(init);
      } else if (init.body !== undefined) {
        [body, ct] = bodyInit(init.body);
      } else if (src) {
        body = host.isServerRequest(src) ? host.serverBody(src) : take(src);
      }
      if (body != null && noBody(this[METHOD])) throw new TypeError("a GET or HEAD request cannot have a body");
      if (ct && !this[HDRS].has("content-type")) this[HDRS][MAP].set("content-type", [ct]);
      this[BODY] = body;
    }
    get url() { return this[URLS]; }
    get method() { return this[METHOD]; }
    get headers() { return this[HDRS]; }
    get redirect() { return this[REDIRECT] || "follow"; }
    get signal() {
      let s = this[SIGNAL];
      if (s === undefined && g.AbortController) s = this[SIGNAL] = new g.AbortController().signal;
      return s;
    }
    get body() { return null; }
    clone() {
      if (this[USED]) throw new TypeError("cannot clone a Request whose body was used");
      const b = this[BODY];
      const r = Object.create(Request.prototype);
      r[URLS] = this[URLS];
      r[METHOD] = this[METHOD];
      r[HDRS] = new Headers(this.headers);
      r[REDIRECT] = this[REDIRECT];
      r[SIGNAL] = this[SIGNAL];
      r[BODY] = b;
      return r;
    }
    get [Symbol.toStringTag]() { return "Request"; }
  }

  // Response is defined in Go (response.go); its statics are here.
  const Response = host.Response;
  Response.json = function (data, init) {
    const s = JSON.stringify(data);
    if (s === undefined) throw new TypeError("Response.json: the value cannot be serialized to JSON");
    const r = new Response(s, init);
    host.setContentType(r, "application/json");
    return r;
  };
  Response.redirect = function (url, status) {
    status = status === undefined ? 302 : status;
    if ([301, 302, 303, 307, 308].indexOf(status) < 0) throw new RangeError("invalid redirect status " + status);
    const href = g.URL ? new g.URL(String(url)).href : String(url);
    return new Response(null, { status, headers: { location: href } });
  };
  Response.error = function () {
    throw new TypeError("Response.error() is not supported: return a 5xx Response instead");
  };
  Object.defineProperty(Response.prototype, Symbol.toStringTag, { value: "Response", configurable: true });
  for (const C of [Request]) {
    for (const k of Object.keys(bodyMethods)) {
      Object.defineProperty(C.prototype, k, { value: bodyMethods[k], writable: true, configurable: true });
    }
    Object.defineProperty(C.prototype, "bodyUsed", bodyUsed);
  }

  const fmt = (args) => args.map((a) => {
    if (typeof a === "string") return a;
    if (a instanceof Error) return a.stack || String(a);
    if (typeof a === "undefined") return "undefined";
    if (typeof a === "function") return "[Function " + (a.name || "anonymous") + "]";
    if (typeof a === "bigint") return a + "n";
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
  g.FormData = FormData;

  // Go reads and makes these directly; the rest goes through these hooks.
  host.requestProto = Request.prototype;
  host.responseProto = Response.prototype;
  host.headersFromFlat = headersFromFlat;
  host.flatHeaders = flatHeaders;
  host.newHeaders = (init) => new Headers(init);
  host.setDefaultHeader = (h, k, v) => { if (!h[MAP].has(k)) h[MAP].set(k, [v]); };
  host.bodyInit = bodyInit;
  host.formFrom = formFrom;
  // The server's Request (request.go) reads its body in Go; these two are
  // its methods that are easier written here.
  host.serverFormData = function () {
    return settle(() => formFrom((this.headers.get("content-type") || "").toLowerCase(), host.decodeUTF8(host.serverBody(this))));
  };
  host.serverClone = function () {
    if (this.bodyUsed) throw new TypeError("cannot clone a Request whose body was used");
    const r = Object.create(Request.prototype);
    r[URLS] = this.url;
    r[METHOD] = this.method;
    r[HDRS] = new Headers(this.headers);
    r[REDIRECT] = "follow";
    r[SIGNAL] = this.signal;
    r[BODY] = host.serverBody(this, true);
    return r;
  };
  // fetch's view of any Request: [method, url, flat headers, body, redirect, signal].
  host.requestParts = (r) => {
    if (host.isServerRequest(r)) return [r.method, r.url, flatHeaders(r.headers), host.serverBody(r), "follow", undefined];
    return [r[METHOD], r[URLS], flatHeaders(r[HDRS]), take(r), r[REDIRECT], r[SIGNAL]];
  };
  host.newSignal = () => (g.AbortController ? new g.AbortController().signal : undefined);
})(globalThis, globalThis.__vault);
