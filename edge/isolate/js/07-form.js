// Blob, File (W3C File API) and FormData (XHR standard), and the two hooks
// the body code uses: host.encodeBody and host.parseForm. A Blob's bytes
// are one ArrayBuffer that Go made (blob.go) and that never leaves this
// file: readers get copies, slices share nothing, so a Blob cannot be
// changed after it is made. multipart/form-data is framed and parsed in
// Go (multipart.go). Built on first use (see host.lazy in 05-dom.js).
(function (g, host) {
  "use strict";
  // host.form(op, ...) is the Go side, with the ops of blob.go.
  const go = host.form, JOIN = 0, USV = 1, TEXT = 2, PARSE = 3, ENCODE = 4, URLENCODED = 5;
  const usv = (s) => go(USV, `${s}`);

  const group = host.lazy("Blob File FormData", () => {
    const BYTES = Symbol("bytes"), TYPE = Symbol("type"), NAME = Symbol("name"), MODIFIED = Symbol("lastModified");
    const ENTRIES = Symbol("entries");
    const isBlob = (v) => v !== null && typeof v === "object" && v[BYTES] !== undefined;
    const bytesOf = (b) => {
      if (!isBlob(b)) throw new TypeError("Illegal invocation: not a Blob");
      return b[BYTES];
    };
    // The File API's type normalisation: a type with any character outside
    // U+0020..U+007E is dropped; the rest is lower-cased.
    const normType = (t) => {
      t = `${t}`;
      return /[^\x20-\x7E]/.test(t) ? "" : t.toLowerCase();
    };
    const dict = (o, what) => {
      if (o === undefined || o === null) return {};
      if (typeof o !== "object" && typeof o !== "function") throw new TypeError(what + ": options must be an object");
      return o;
    };
    // BlobPart conversion: Blobs and buffers by their bytes, anything else
    // as a string. The bytes are joined once, in Go.
    const join = (parts, endings, what) => {
      if (parts === undefined) return new ArrayBuffer(0);
      if (parts === null || typeof parts !== "object" || typeof parts[Symbol.iterator] !== "function") {
        throw new TypeError(what + ": the parts must be a sequence");
      }
      const list = [];
      for (const p of parts) {
        if (isBlob(p)) list.push(p[BYTES]);
        else if (p instanceof ArrayBuffer) list.push(p);
        else if (ArrayBuffer.isView(p)) list.push(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
        else list.push(`${p}`);
      }
      return go(JOIN, list, endings === "native");
    };
    const endingsOf = (o, what) => {
      const e = o.endings === undefined ? "transparent" : `${o.endings}`;
      if (e !== "transparent" && e !== "native") {
        throw new TypeError(what + `: endings must be "transparent" or "native", not ${JSON.stringify(e)}`);
      }
      return e;
    };
    // make builds a Blob or File over bytes it takes ownership of.
    const make = (proto, bytes, type) => {
      const b = Object.create(proto);
      b[BYTES] = bytes;
      b[TYPE] = type;
      return b;
    };
    const makeFile = (bytes, name, type, modified) => {
      const f = make(File.prototype, bytes, type);
      f[NAME] = name;
      f[MODIFIED] = modified;
      return f;
    };
    // Blob.slice's relative positions: negative counts from the end; the
    // result is clamped to [0, size].
    const relative = (v, size, dflt) => {
      if (v === undefined) return dflt;
      let n = Math.trunc(Number(v));
      if (n !== n) n = 0;
      return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
    };
    const CHUNK = 65536;

    class Blob {
      constructor() {
        const blobParts = arguments[0], o = dict(arguments[1], "Blob");
        const endings = endingsOf(o, "Blob");
        const type = o.type === undefined ? "" : normType(o.type);
        this[BYTES] = join(blobParts, endings, "Blob");
        this[TYPE] = type;
      }
      get size() { return bytesOf(this).byteLength; }
      get type() { bytesOf(this); return this[TYPE]; }
      slice() {
        const start = arguments[0], end = arguments[1], contentType = arguments[2];
        const buf = bytesOf(this), size = buf.byteLength;
        const from = relative(start, size, 0), to = relative(end, size, size);
        const type = contentType === undefined ? "" : normType(contentType);
        return make(Blob.prototype, buf.slice(from, Math.max(from, to)), type);
      }
      text() {
        try { return Promise.resolve(go(TEXT, bytesOf(this))); } catch (e) { return Promise.reject(e); }
      }
      arrayBuffer() {
        try { return Promise.resolve(bytesOf(this).slice(0)); } catch (e) { return Promise.reject(e); }
      }
      bytes() {
        try { return Promise.resolve(new Uint8Array(bytesOf(this).slice(0))); } catch (e) { return Promise.reject(e); }
      }
      // stream() gives the bytes as a readable byte stream (so a BYOB
      // reader works too) of Uint8Array chunks of at most 64 KiB, each a
      // copy, made as the reader pulls.
      stream() {
        const buf = bytesOf(this);
        const RS = g.ReadableStream;
        if (typeof RS !== "function") throw new TypeError("Blob.stream: ReadableStream is not available");
        let pos = 0;
        return new RS({
          type: "bytes",
          pull(controller) {
            if (pos >= buf.byteLength) { controller.close(); return; }
            const end = Math.min(pos + CHUNK, buf.byteLength);
            controller.enqueue(new Uint8Array(buf.slice(pos, end)));
            pos = end;
            if (pos >= buf.byteLength) controller.close();
          },
        });
      }
      get [Symbol.toStringTag]() { return "Blob"; }
    }

    class File extends Blob {
      constructor(fileBits, fileName) {
        if (arguments.length < 2) throw new TypeError("File: 2 arguments required, but only " + arguments.length + " present");
        const o = dict(arguments[2], "File");
        const endings = endingsOf(o, "File");
        let modified = o.lastModified === undefined ? Date.now() : Math.trunc(Number(o.lastModified));
        if (!Number.isFinite(modified)) modified = 0;
        const type = o.type === undefined ? "" : normType(o.type);
        super(undefined);
        this[BYTES] = join(fileBits, endings, "File");
        this[TYPE] = type;
        this[NAME] = usv(fileName);
        this[MODIFIED] = modified;
      }
      get name() {
        if (!isBlob(this) || this[NAME] === undefined) throw new TypeError("Illegal invocation: not a File");
        return this[NAME];
      }
      get lastModified() {
        if (!isBlob(this) || this[MODIFIED] === undefined) throw new TypeError("Illegal invocation: not a File");
        return this[MODIFIED];
      }
      get [Symbol.toStringTag]() { return "File"; }
    }

    const entriesOf = (f) => {
      const e = f !== null && typeof f === "object" ? f[ENTRIES] : undefined;
      if (e === undefined) throw new TypeError("Illegal invocation: not a FormData");
      return e;
    };
    const need = (n, got, what) => {
      if (got < n) throw new TypeError(`FormData.${what}: ${n} argument${n > 1 ? "s" : ""} required, but only ${got} present`);
    };
    // The XHR standard's "create an entry": a Blob that is not a File
    // becomes a File named "blob", a filename makes a File of that name,
    // strings are USVStrings.
    const entry = (name, value, filename, nargs, what) => {
      name = usv(name);
      if (isBlob(value)) {
        const isFile = value[NAME] !== undefined;
        if (nargs > 2) {
          value = makeFile(value[BYTES], usv(filename), value[TYPE], isFile ? value[MODIFIED] : Date.now());
        } else if (!isFile) {
          value = makeFile(value[BYTES], "blob", value[TYPE], Date.now());
        }
      } else if (nargs > 2) {
        throw new TypeError(`FormData.${what}: the value must be a Blob when a filename is given`);
      } else {
        value = usv(value);
      }
      return [name, value];
    };

    class FormData {
      constructor() {
        const form = arguments[0];
        if (form !== undefined) throw new TypeError("FormData: a form element is not supported here");
        this[ENTRIES] = [];
      }
      append(name, value) {
        const e = entriesOf(this);
        need(2, arguments.length, "append");
        e.push(entry(name, value, arguments[2], arguments.length, "append"));
      }
      set(name, value) {
        const e = entriesOf(this);
        need(2, arguments.length, "set");
        const ent = entry(name, value, arguments[2], arguments.length, "set");
        const i = e.findIndex((x) => x[0] === ent[0]);
        if (i < 0) { e.push(ent); return; }
        e[i] = ent;
        this[ENTRIES] = e.filter((x, j) => j <= i || x[0] !== ent[0]);
      }
      delete(name) {
        const e = entriesOf(this);
        need(1, arguments.length, "delete");
        name = usv(name);
        this[ENTRIES] = e.filter((x) => x[0] !== name);
      }
      get(name) {
        const e = entriesOf(this);
        need(1, arguments.length, "get");
        name = usv(name);
        const x = e.find((x) => x[0] === name);
        return x === undefined ? null : x[1];
      }
      getAll(name) {
        const e = entriesOf(this);
        need(1, arguments.length, "getAll");
        name = usv(name);
        return e.filter((x) => x[0] === name).map((x) => x[1]);
      }
      has(name) {
        const e = entriesOf(this);
        need(1, arguments.length, "has");
        name = usv(name);
        return e.some((x) => x[0] === name);
      }
      // Iteration is live, as Web IDL's pair iterators are: an entry
      // appended during a loop is visited.
      *entries() {
        entriesOf(this);
        for (let i = 0; i < this[ENTRIES].length; i++) yield [this[ENTRIES][i][0], this[ENTRIES][i][1]];
      }
      *keys() { for (const [k] of this.entries()) yield k; }
      *values() { for (const [, v] of this.entries()) yield v; }
      forEach(cb) {
        const thisArg = arguments[1];
        entriesOf(this);
        if (typeof cb !== "function") throw new TypeError("FormData.forEach: callback is not a function");
        for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this);
      }
      get [Symbol.toStringTag]() { return "FormData"; }
    }

    // Web IDL members are enumerable; class members are not.
    for (const C of [Blob, File, FormData]) {
      for (const name of Object.getOwnPropertyNames(C.prototype)) {
        if (name !== "constructor") Object.defineProperty(C.prototype, name, { enumerable: true });
      }
    }
    Object.defineProperty(FormData.prototype, Symbol.iterator,
      { value: FormData.prototype.entries, writable: true, configurable: true });

    // For the hooks below.
    const encode = (v) => {
      if (isBlob(v)) return [new Uint8Array(v[BYTES].slice(0)), v[TYPE] === "" ? null : v[TYPE]];
      if (v === null || typeof v !== "object" || v[ENTRIES] === undefined) return undefined;
      const flat = [];
      for (const [name, value] of v[ENTRIES]) {
        if (typeof value === "string") flat.push(name, value, undefined, "");
        else flat.push(name, value[BYTES], value[NAME], value[TYPE]);
      }
      const [buf, ct] = go(ENCODE, flat);
      return [new Uint8Array(buf), ct];
    };
    const fromList = (flat) => {
      const f = new FormData();
      const e = f[ENTRIES], now = Date.now();
      for (let i = 0; i + 3 < flat.length; i += 4) {
        const v = flat[i + 2] === undefined ? flat[i + 1] : makeFile(flat[i + 1], flat[i + 2], normType(flat[i + 3]), now);
        e.push([flat[i], v]);
      }
      return f;
    };
    const fromURLEncoded = (flat) => {
      const f = new FormData();
      for (let i = 0; i + 1 < flat.length; i += 2) f[ENTRIES].push([flat[i], flat[i + 1]]);
      return f;
    };
    return { Blob, File, FormData, encode, fromList, fromURLEncoded };
  });

  // host.encodeBody(value) is how the body code reads a Blob, File or
  // FormData given as a body: [bytes, contentType], bytes a Uint8Array
  // the caller owns and contentType the Blob's type (null when it has
  // none) or multipart/form-data with a fresh boundary. Anything else
  // gives undefined. Before the group is built no such value exists, so
  // other bodies cost one property read.
  host.encodeBody = (value) => {
    if (group.made === null || value === null || typeof value !== "object") return undefined;
    return group.made.encode(value);
  };

  // host.parseForm(contentType, bytes) is formData() on a body: a FormData
  // from an application/x-www-form-urlencoded or multipart/form-data body
  // (file parts become Files with their filename and type). Any other type,
  // or a malformed body, throws a TypeError.
  host.parseForm = (contentType, bytes) => {
    const ct = contentType == null ? "" : `${contentType}`;
    const essence = ct.split(";")[0].trim().toLowerCase();
    const made = host.load(group);
    if (essence === "multipart/form-data") return made.fromList(go(PARSE, ct, bytes));
    if (essence === "application/x-www-form-urlencoded") return made.fromURLEncoded(go(URLENCODED, bytes));
    throw new TypeError("formData(): the body's Content-Type must be multipart/form-data or " +
      "application/x-www-form-urlencoded, not " + JSON.stringify(ct));
  };
})(globalThis, globalThis.__vault);
