// Core Web API: Headers, Request, Response, body streams, console. Each file in
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
  const USED = Symbol("used");
  const INIT_HDRS = Symbol("initHeaders"), SIGNAL = Symbol("signal"), REDIRECT = Symbol("redirect");
  // Headers is defined in Go (headers.go, headers_class.go): a header list
  // the server and the Request and Response made in Go read directly.
  const Headers = host.Headers;
  const flatHeaders = host.flatHeaders;

  // Streams. ReadableStream comes from a later file (15-streams.js): it is
  // looked up when a body stream is first needed, so these work with any
  // standard implementation. host.isReadableStream and host.readAll are
  // its fast paths when present.
  const isStream = (v) => {
    if (v === null || typeof v !== "object") return false;
    if (host.isReadableStream) return host.isReadableStream(v);
    return typeof g.ReadableStream === "function" && v instanceof g.ReadableStream;
  };
  const newStream = (source, hwm) => {
    if (typeof g.ReadableStream !== "function") throw new TypeError("ReadableStream is not available");
    return new g.ReadableStream(source, { highWaterMark: hwm });
  };
  // A body stream over bytes we hold (a buffered body asked for as a
  // stream): SOURCES remembers them, so that a reader of the whole body
  // (text(), the server sending it) takes the bytes without a read loop
  // as long as nothing has read from or locked the stream. The source pulls
  // only when asked (highWaterMark 0), so pulled means disturbed.
  // A stream made with the streams file's own constructor keeps its source
  // on the stream's record; SOURCES (a WeakMap, whose every set goja pays
  // for with a GC cleanup) is only for streams made otherwise.
  const SOURCES = new WeakMap();
  const sourceOf = (s) => {
    const made = host.streams && host.streams.made;
    const rec = made && made.readableRec ? made.readableRec(s) : undefined;
    return rec !== undefined ? rec.bytesSource : SOURCES.get(s);
  };
  const toBytes = (b) => {
    if (typeof b === "string") return new Uint8Array(host.utf8Buffer(b));
    if (b instanceof ArrayBuffer) return new Uint8Array(b);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  };
  const bytesStream = (b) => {
    const src = { bytes: b == null ? new Uint8Array(0) : toBytes(b), disturbed: false };
    const S = host.streams ? host.load(host.streams) : null;
    if (S && S.bytesSourceStream) return S.bytesSourceStream(src);
    const s = newStream({
      pull(c) {
        src.disturbed = true;
        if (src.bytes.byteLength > 0) c.enqueue(src.bytes);
        src.bytes = null;
        c.close();
      },
      cancel() { src.disturbed = true; src.bytes = null; },
    }, 0);
    SOURCES.set(s, src);
    return s;
  };
  // S.bytesSourceStream (js/15-streams.js) makes the same stream with the
  // streams file's own CreateReadableStream, without reading a source and
  // a strategy as WebIDL dictionaries and calling a source through the
  // public controller, which cost more than the stream itself (Hono's
  // context asks for two per request).
  // disturbed: read from or canceled (the Fetch standard's test for a used
  // body), which the streams file keeps in its record of the stream
  // (readableRec). Without it, locked is the nearest public answer.
  const disturbed = (s) => {
    const src = sourceOf(s);
    if (src) return src.disturbed;
    const made = host.streams && host.streams.made;
    const rec = made && made.readableRec ? made.readableRec(s) : undefined;
    if (rec) return rec.disturbed === true;
    return s.locked;
  };
  // For a stream of the streams file's, its record answers at once (a
  // pull of a bytes source only follows a read, which disturbs the
  // stream, so the source's flag adds nothing there).
  const unusable = (s) => {
    const made = host.streams && host.streams.made;
    const rec = made && made.readableRec ? made.readableRec(s) : undefined;
    if (rec !== undefined) return rec.reader !== null || rec.disturbed === true;
    return s.locked || disturbed(s);
  };
  // takeBytes gives the bytes of an untouched byte-source stream, which is
  // then closed as if read to the end, or undefined.
  const takeBytes = (s) => {
    const made = host.streams && host.streams.made;
    if (made && made.takeSourceBytes) {
      const rec = made.readableRec(s);
      if (rec !== undefined && rec.bytesSource !== undefined) return made.takeSourceBytes(s);
    }
    const src = sourceOf(s);
    if (!src || src.disturbed || s.locked) return undefined;
    const b = src.bytes;
    s.cancel();
    return b;
  };
  // peekBytes gives clone() the bytes of an untouched byte-source stream,
  // so that no tee is built: the original and the clone each go back to
  // holding the bytes, and make a new stream only if asked for .body (as
  // the tee of such a stream did, the stream itself is left as it was).
  // undefined for any other stream.
  const peekBytes = (s) => {
    const src = sourceOf(s);
    if (!src || src.disturbed || s.locked) return undefined;
    return src.bytes;
  };
  const concat = (chunks, n) => {
    const out = new Uint8Array(n);
    let off = 0;
    for (const c of chunks) { out.set(c, off); off += c.byteLength; }
    return out;
  };
  const readAll = (s) => {
    if (host.readAll) return host.readAll(s);
    const reader = s.getReader(), chunks = [];
    let n = 0;
    const next = () => reader.read().then(({ value, done }) => {
      if (done) return concat(chunks, n);
      if (!(value instanceof Uint8Array)) {
        const e = new TypeError("a body stream must give Uint8Array chunks");
        reader.cancel(e);
        throw e;
      }
      chunks.push(value);
      n += value.byteLength;
      return next();
    });
    return next();
  };
  // consume reads a whole body stream: Promise<Uint8Array>.
  const consume = (s) => {
    if (unusable(s)) return Promise.reject(new TypeError("body already used"));
    const b = takeBytes(s);
    if (b !== undefined) return Promise.resolve(b);
    return readAll(s);
  };
  // tee splits a body for clone(); two fresh byte streams when we hold the
  // bytes.
  const tee = (s) => {
    if (unusable(s)) throw new TypeError("cannot clone: body already used");
    const src = sourceOf(s);
    if (src) { const b = src.bytes; return [bytesStream(b), bytesStream(b)]; }
    return s.tee();
  };
  // goStream is a body stream that Go feeds: pull() returns a promise of
  // the next chunk (a Uint8Array) or null at the end; cancel(reason) tells
  // Go to stop.
  const goStream = (pull, cancel) => newStream({
    pull(c) {
      return pull().then((chunk) => { if (chunk === null) c.close(); else c.enqueue(chunk); });
    },
    cancel(reason) { cancel(reason); },
  }, 0);

  // Blob, File and FormData bodies are encoded by the forms file
  // (07-form.js): host.encodeBody gives [bytes, content type], or undefined
  // for a value that is none of them.
  const encoded = (b) => {
    if (typeof host.encodeBody === "function") return host.encodeBody(b);
    const name = b && b.constructor && b.constructor.name;
    if (name === "Blob" || name === "File" || name === "FormData") {
      throw new TypeError(name + " bodies need host.encodeBody, which js/07-form.js has not installed");
    }
    return undefined;
  };

  // A body is null, a string, an ArrayBuffer, a view or a ReadableStream.
  // Other values are converted the way fetch's BodyInit is; the second
  // result is the implied content type.
  const bodyInit = (b) => {
    if (b == null) return [null, null];
    if (typeof b === "string") return [b, "text/plain;charset=UTF-8"];
    if (b instanceof ArrayBuffer) return [b.slice(0), null];
    if (ArrayBuffer.isView(b)) return [new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), null];
    if (g.URLSearchParams && b instanceof g.URLSearchParams) return [b.toString(), "application/x-www-form-urlencoded;charset=UTF-8"];
    if (typeof b === "object") {
      if (isStream(b)) {
        if (unusable(b)) throw new TypeError("the body stream is locked or already read");
        return [b, null];
      }
      const e = encoded(b);
      if (e !== undefined) return [e[0], e[1] || null];
    }
    return [String(b), "text/plain;charset=UTF-8"];
  };

  // parseForm reads a multipart or urlencoded body as FormData (07-form.js).
  const parseForm = (ct, bytes) => {
    if (typeof host.parseForm !== "function") throw new TypeError("formData() needs host.parseForm, which js/07-form.js has not installed");
    return host.parseForm(ct, bytes);
  };
  const blobOf = (ct, bytes) => {
    if (typeof g.Blob !== "function") throw new TypeError("Blob is not available");
    return new g.Blob([bytes], { type: ct });
  };

  const asText = (b) => (b == null ? "" : typeof b === "string" ? b : host.decodeUTF8(b));
  const asBuffer = (b) => {
    if (b == null) return new ArrayBuffer(0);
    if (typeof b === "string") return host.utf8Buffer(b);
    if (b instanceof ArrayBuffer) return b.slice(0);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  };
  const contentType = (r) => r.headers.get("content-type") || "";
  // usedBody is the Fetch standard's "unusable": the body was taken, or
  // its stream is locked or disturbed.
  const usedBody = (r) => {
    const b = r[BODY];
    return r[USED] === true || (b !== null && typeof b === "object" && isStream(b) && unusable(b));
  };
  // readBody takes the body and gives f what it holds: the buffered value
  // at once, a stream's bytes once read to the end. It returns a promise,
  // rejected with what taking or f threw.
  const readBody = (r, f) => {
    try {
      if (usedBody(r)) throw new TypeError("body already used");
      const b = r[BODY];
      r[USED] = true;
      if (b !== null && typeof b === "object" && isStream(b)) return consume(b).then(f);
      return Promise.resolve(f(b));
    } catch (e) {
      return Promise.reject(e);
    }
  };
  const bodyMethods = {
    text() { return readBody(this, asText); },
    json() { return readBody(this, (b) => JSON.parse(asText(b))); },
    arrayBuffer() { return readBody(this, asBuffer); },
    bytes() { return readBody(this, (b) => new Uint8Array(asBuffer(b))); },
    formData() { const ct = contentType(this); return readBody(this, (b) => parseForm(ct, new Uint8Array(asBuffer(b)))); },
    blob() { const ct = contentType(this); return readBody(this, (b) => blobOf(ct, new Uint8Array(asBuffer(b)))); },
  };
  const bodyUsed = {
    get() {
      const b = this[BODY];
      return this[USED] === true || (b !== null && typeof b === "object" && isStream(b) && disturbed(b));
    },
    configurable: true,
  };
  // moveBody takes another Request's body for a new one (new Request(req)).
  const moveBody = (src) => {
    if (host.isServerRequest(src)) return host.serverBody(src);
    const b = src[BODY];
    if (b == null) return null;
    if (usedBody(src)) throw new TypeError("the Request's body is already used");
    src[USED] = true;
    return b;
  };
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
        body = moveBody(init);
      } else if (init.body !== undefined) {
        [body, ct] = bodyInit(init.body);
        if (body !== null && typeof body === "object" && isStream(body) && init.duplex !== "half") {
          throw new TypeError("RequestInit: duplex: \"half\" is required when the body is a stream");
        }
      } else if (src) {
        body = moveBody(src);
      }
      if (body != null && noBody(this[METHOD])) throw new TypeError("a GET or HEAD request cannot have a body");
      if (ct) host.setDefaultHeader(this[HDRS], "content-type", ct);
      this[BODY] = body;
    }
    get url() { return this[URLS]; }
    get method() { return this[METHOD]; }
    get headers() { return this[HDRS]; }
    get redirect() { return this[REDIRECT] || "follow"; }
    get duplex() { return "half"; }
    get signal() {
      let s = this[SIGNAL];
      if (s === undefined && g.AbortController) s = this[SIGNAL] = new g.AbortController().signal;
      return s;
    }
    // body is made a stream on first access: a buffered body stays bytes
    // until someone asks for it this way.
    get body() {
      const b = this[BODY];
      if (b == null || (typeof b === "object" && isStream(b))) return b;
      const s = bytesStream(this[USED] ? null : b);
      if (this[USED]) s.cancel();
      this[BODY] = s;
      return s;
    }
    clone() {
      if (usedBody(this)) throw new TypeError("cannot clone a Request whose body was used");
      let b = this[BODY];
      if (b !== null && typeof b === "object" && isStream(b)) {
        const bytes = peekBytes(b);
        if (bytes !== undefined) this[BODY] = b = bytes;
        else [this[BODY], b] = tee(b);
      }
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
    const r = new Response(null, { status, headers: { location: href } });
    host.freezeResponseHeaders(r);
    return r;
  };
  Response.error = function () { return host.errorResponse(); };
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

  // Go reads and makes these directly; the rest goes through these hooks.
  host.requestProto = Request.prototype;
  host.responseProto = Response.prototype;
  host.bodyInit = bodyInit;
  // Body streams, for the Go-made Request and Response (body_stream.go).
  host.isStream = isStream;
  host.bytesStream = bytesStream;
  host.goStream = goStream;
  host.takeBytes = takeBytes;
  host.peekBytes = peekBytes;
  host.unusable = unusable;
  host.disturbed = disturbed;
  host.consume = consume;
  host.tee = tee;
  host.parseFormBody = parseForm;
  host.blobOf = blobOf;
  host.serverClone = function () {
    if (this.bodyUsed) throw new TypeError("cannot clone a Request whose body was used");
    const r = Object.create(Request.prototype);
    r[URLS] = this.url;
    r[METHOD] = this.method;
    r[HDRS] = new Headers(this.headers);
    host.freezeHeaders(r[HDRS]);
    r[REDIRECT] = "follow";
    r[SIGNAL] = this.signal;
    r[BODY] = host.serverBody(this, true);
    return r;
  };
  // fetch's view of any Request: [method, url, flat headers, body, redirect,
  // signal]. A stream body whose bytes we hold goes out as bytes; another
  // stays a stream, which fetch reads whole before it sends.
  const outBody = (b) => {
    if (b === null || typeof b !== "object" || !isStream(b)) return b;
    const bytes = takeBytes(b);
    return bytes === undefined ? b : bytes;
  };
  host.requestParts = (r) => {
    if (host.isServerRequest(r)) return [r.method, r.url, flatHeaders(r.headers), outBody(host.serverBody(r)), "follow", undefined];
    return [r[METHOD], r[URLS], flatHeaders(r[HDRS]), outBody(moveBody(r)), r[REDIRECT], r[SIGNAL]];
  };
  // newSignal gives the server Request's signal and the function that
  // aborts it (when the client goes away while a response streams).
  host.newSignal = () => {
    if (!g.AbortController) return [undefined, () => {}];
    const c = new g.AbortController();
    return [c.signal, (reason) => c.abort(reason)];
  };
})(globalThis, globalThis.__vault);
