// TextEncoder, TextDecoder (every encoding of the Encoding Standard: UTF-8
// here and in encoding.go, the others in encoding_legacy.go), atob and btoa.
// The byte work is in Go; this file holds the classes and argument handling.
// The classes are built on first use (see host.lazy in 05-dom.js); atob
// and btoa are the Go functions themselves.
(function (g, host) {
  "use strict";
  const encodingHooks = host.encodingHooks;

  host.encoding = host.lazy("TextEncoder TextDecoder", () => {
    const U8 = Uint8Array, isView = ArrayBuffer.isView, { encode, encodeInto, decode, tail } = encodingHooks();
    // The intrinsic getters read internal slots, so user code cannot fake
    // a view's buffer or offset by shadowing properties.
    const getter = (o, k) => Object.getOwnPropertyDescriptor(o, k).get;
    const TA = Object.getPrototypeOf(U8.prototype), DV = DataView.prototype;
    const taTag = getter(TA, Symbol.toStringTag), taBuffer = getter(TA, "buffer"),
      taOffset = getter(TA, "byteOffset"), taLength = getter(TA, "byteLength");
    const dvBuffer = getter(DV, "buffer"), dvOffset = getter(DV, "byteOffset"), dvLength = getter(DV, "byteLength");
    const abLength = getter(ArrayBuffer.prototype, "byteLength");

    // bytes turns a BufferSource into what the Go hooks read in place: the
    // Uint8Array itself, an ArrayBuffer, or a Uint8Array over another
    // view's bytes. null for anything else.
    const bytes = (x) => {
      const tag = taTag.call(x);
      if (tag === "Uint8Array") return x;
      if (tag !== undefined) return new U8(taBuffer.call(x), taOffset.call(x), taLength.call(x));
      if (isView(x)) return new U8(dvBuffer.call(x), dvOffset.call(x), dvLength.call(x));
      if (typeof x === "object" && x !== null) {
        try { abLength.call(x); return x; } catch (_) { /* not an ArrayBuffer */ }
      }
      return null;
    };

    class TextEncoder {
      get encoding() { return "utf-8"; }
      // A string argument is passed as it is: a template literal would copy
      // it (three allocations per call in goja).
      encode(input) {
        return new U8(encode(typeof input === "string" ? input : input === undefined ? "" : `${input}`));
      }
      encodeInto(source, destination) {
        if (taTag.call(destination) !== "Uint8Array") {
          throw new TypeError("TextEncoder.encodeInto: destination must be a Uint8Array");
        }
        return encodeInto(typeof source === "string" ? source : `${source}`, destination);
      }
    }

    // The labels the Encoding standard maps to UTF-8, which is decoded
    // here; the others go to Go (encoding_legacy.go).
    const LABELS = ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"];
    const EMPTY = new U8(0);

    // A decoder's state is in private fields: a read of one costs a third
    // of a symbol-keyed property's, and decode reads several per call.
    class TextDecoder {
      #fatal;
      #ignoreBOM;
      #name;
      #legacy;
      #pending = null; // the bytes of an incomplete character, while streaming
      #bomSeen = false;
      constructor(label, options) {
        label = label === undefined ? "utf-8" : `${label}`;
        const key = label.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "").toLowerCase();
        const name = LABELS.indexOf(key) >= 0 ? "utf-8" : host.encodingName(key);
        if (name === null) throw new RangeError(`TextDecoder: encoding "${label}" is not supported`);
        if (options != null && typeof options !== "object") {
          throw new TypeError("TextDecoder: options must be an object");
        }
        this.#fatal = !!(options && options.fatal);
        this.#ignoreBOM = !!(options && options.ignoreBOM);
        this.#name = name;
        this.#legacy = name === "utf-8" ? null : host.legacyDecoder(name, this.#fatal, this.#ignoreBOM);
      }
      get encoding() { return TextDecoder.#of(this).#name; }
      get fatal() { return TextDecoder.#of(this).#fatal; }
      get ignoreBOM() { return TextDecoder.#of(this).#ignoreBOM; }
      // #of is d if it is a TextDecoder: methods called on anything else
      // throw a TypeError, as WebIDL's do.
      static #of(d) {
        try {
          d.#fatal; // eslint-disable-line no-unused-expressions
        } catch (_) {
          throw new TypeError("Illegal invocation");
        }
        return d;
      }
      decode(input, options) {
        TextDecoder.#of(this);
        const b = input === undefined ? EMPTY : bytes(input);
        if (b === null) throw new TypeError("TextDecoder.decode: input must be an ArrayBuffer or ArrayBufferView");
        const stream = options != null && !!options.stream;
        if (this.#legacy !== null) return this.#legacy.decode(taTag.call(b) === undefined ? new U8(b) : b, stream);
        if (!stream && this.#pending === null && !this.#bomSeen) {
          return decode(b, this.#fatal, !this.#ignoreBOM);
        }
        // Streaming: an incomplete character at the end waits for the next
        // chunk, and a BOM is only looked for at the start of the stream.
        let u = taTag.call(b) === undefined ? new U8(b) : b;
        const p = this.#pending;
        if (p !== null) {
          const c = new U8(p.length + taLength.call(u));
          c.set(p);
          c.set(u, p.length);
          u = c;
          this.#pending = null;
        }
        if (stream) {
          const t = tail(u), n = taLength.call(u);
          if (t > 0) {
            this.#pending = u.slice(n - t);
            u = u.subarray(0, n - t);
          }
        }
        const strip = !this.#ignoreBOM && !this.#bomSeen;
        if (taLength.call(u) > 0) this.#bomSeen = true;
        try {
          return decode(u, this.#fatal, strip);
        } finally {
          if (!stream) this.#bomSeen = false;
        }
      }
    }

    return { TextEncoder, TextDecoder, bytes, typedArrayTag: taTag, typedArrayLength: taLength };
  });

  for (const name of ["atob", "btoa"]) {
    Object.defineProperty(g, name, { value: host[name], writable: true, configurable: true, enumerable: false });
  }
})(globalThis, globalThis.__vault);
