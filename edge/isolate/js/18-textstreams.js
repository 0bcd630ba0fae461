// TextEncoderStream and TextDecoderStream (the Encoding standard) and
// CompressionStream and DecompressionStream (the Compression Streams
// standard): each a TransformStream made from JS algorithms, holding a
// TextEncoder/TextDecoder state or a Go codec (compress.go). Built on
// first use, as their own group.
(function (g, host) {
  "use strict";
  const load = host.load;

  host.lazy("TextEncoderStream TextDecoderStream CompressionStream DecompressionStream", () => {
    const S = load(host.streams);
    const { TextEncoder, TextDecoder, bytes } = load(host.encoding);
    const { attach, brand, createTransform, transformEnqueue: enqueue } = S;
    const defineProperty = Object.defineProperty, U8 = Uint8Array;
    const encode = TextEncoder.prototype.encode;
    const decode = TextDecoder.prototype.decode;
    const encoder = new TextEncoder();
    const STREAM = { stream: true };

    // Readable and writable getters over the transform every class holds.
    const sides = (cls, kind) => {
      defineProperty(cls.prototype, "readable", {
        get() { return brand(this, kind, cls.name).transform.readable.pub; }, configurable: true, enumerable: true,
      });
      defineProperty(cls.prototype, "writable", {
        get() { return brand(this, kind, cls.name).transform.writable.pub; }, configurable: true, enumerable: true,
      });
      defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
    };

    // TextEncoderStream holds a lone high surrogate at the end of a chunk
    // until the next chunk shows whether a low one follows.
    class TextEncoderStream {
      constructor() {
        const rec = attach(this, { kind: "TES", pub: null, transform: null, pending: "" });
        rec.transform = createTransform((c, chunk) => {
          let s = rec.pending + `${chunk}`;
          rec.pending = "";
          const last = s.charCodeAt(s.length - 1);
          if (last >= 0xd800 && last <= 0xdbff) {
            rec.pending = s[s.length - 1];
            s = s.slice(0, -1);
          }
          if (s.length > 0) enqueue(c, encode.call(encoder, s));
        }, (c) => {
          if (rec.pending !== "") enqueue(c, new U8([0xef, 0xbf, 0xbd]));
        });
      }
      get encoding() { brand(this, "TES", "TextEncoderStream"); return "utf-8"; }
    }
    sides(TextEncoderStream, "TES");

    class TextDecoderStream {
      constructor(label = "utf-8", options = undefined) {
        const decoder = new TextDecoder(label, options);
        const rec = attach(this, { kind: "TDS", pub: null, transform: null, decoder });
        rec.transform = createTransform((c, chunk) => {
          const b = bytes(chunk);
          if (b === null) throw new TypeError("TextDecoderStream: a chunk must be an ArrayBuffer or a view");
          const s = decode.call(decoder, b, STREAM);
          if (s !== "") enqueue(c, s);
        }, (c) => {
          const s = decode.call(decoder);
          if (s !== "") enqueue(c, s);
        });
      }
      get encoding() { return brand(this, "TDS", "TextDecoderStream").decoder.encoding; }
      get fatal() { return brand(this, "TDS", "TextDecoderStream").decoder.fatal; }
      get ignoreBOM() { return brand(this, "TDS", "TextDecoderStream").decoder.ignoreBOM; }
    }
    sides(TextDecoderStream, "TDS");

    const FORMATS = ["deflate", "deflate-raw", "gzip"];
    // codecStream is the transform over a Go codec: chunks go in as bytes,
    // output comes out as Uint8Arrays, never empty ones.
    const codecStream = (rec, what, format, decompress) => {
      format = `${format}`;
      if (FORMATS.indexOf(format) < 0) throw new TypeError(`${what}: format must be "deflate", "deflate-raw" or "gzip", not "${format}"`);
      const codec = host.codec(format, decompress);
      const emit = (c, ab) => { if (ab.byteLength > 0) enqueue(c, new U8(ab)); };
      rec.transform = createTransform((c, chunk) => {
        const b = bytes(chunk);
        if (b === null) throw new TypeError(`${what}: a chunk must be an ArrayBuffer or a view`);
        emit(c, codec.push(b));
      }, (c) => emit(c, codec.finish()), () => codec.close());
    };
    class CompressionStream {
      constructor(format) { codecStream(attach(this, { kind: "CS", pub: null, transform: null }), "CompressionStream", format, false); }
    }
    sides(CompressionStream, "CS");
    class DecompressionStream {
      constructor(format) { codecStream(attach(this, { kind: "DS", pub: null, transform: null }), "DecompressionStream", format, true); }
    }
    sides(DecompressionStream, "DS");

    return { TextEncoderStream, TextDecoderStream, CompressionStream, DecompressionStream };
  });
})(globalThis, globalThis.__vault);
