// Cases after WPT compression/ (compression-bad-chunks,
// compression-including-empty-chunk, compression-multiple-chunks,
// compression-output-length, decompression-buffersource,
// decompression-split-chunk, decompression-corrupt-input,
// decompression-empty-input, decompression-extra-input,
// compression-constructor-error, idlharness).
const FORMATS = ["deflate", "deflate-raw", "gzip"];
const collect = (rs) => readableStreamToArray(rs).then((chunks) => {
  let n = 0;
  for (const c of chunks) { assert_equals(c.constructor, Uint8Array, "output chunks are Uint8Arrays"); n += c.length; }
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.length; }
  return out;
});
const run = (stream, chunks) => {
  const w = stream.writable.getWriter();
  for (const c of chunks) w.write(c).catch(() => {});
  w.close().catch(() => {});
  return collect(stream.readable);
};
const compress = (format, chunks) => run(new CompressionStream(format), chunks);
const decompress = (format, chunks) => run(new DecompressionStream(format), chunks);
const enc = (s) => new TextEncoder().encode(s);
const dec = (b) => new TextDecoder().decode(b);
const text = "Hello, compression streams! ".repeat(50) + "\u{1F499}";

// Fixed vectors: "expected output" compressed by zlib (deflate, 78 9c),
// raw deflate, and gzip (Deno's and Chrome's output has the same shape).
const VECTORS = {
  "deflate": [0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x06, 0x2c, 0x02, 0x15],
  "deflate-raw": [0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
  "gzip": [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x86, 0xa6, 0x10, 0x36, 0x05, 0x00, 0x00, 0x00],
};

for (const format of FORMATS) {
  promise_test(() => compress(format, [enc(text)]).then((c) => decompress(format, [c])).then((d) => assert_equals(dec(d), text)),
    `${format}: compressing then decompressing gives the input back`);

  promise_test(() => decompress(format, [new Uint8Array(VECTORS[format])]).then((d) => assert_equals(dec(d), "hello")),
    `${format}: decompressing a known vector`);

  promise_test(() => {
    const data = new Uint8Array(VECTORS[format]);
    const all = [];
    for (let i = 1; i < data.length; i++) {
      all.push(decompress(format, [data.slice(0, i), data.slice(i)]).then((d) => assert_equals(dec(d), "hello", `split at ${i}`)));
    }
    return Promise.all(all);
  }, `${format}: decompressing input split at every position`);

  promise_test(() => {
    const data = new Uint8Array(VECTORS[format]);
    return decompress(format, Array.from(data, (b) => new Uint8Array([b]))).then((d) => assert_equals(dec(d), "hello"));
  }, `${format}: decompressing one byte at a time`);

  promise_test(() => {
    const data = new Uint8Array(VECTORS[format]);
    const buf = new ArrayBuffer(data.length + 4);
    new Uint8Array(buf, 2, data.length).set(data);
    return Promise.all([
      decompress(format, [data.buffer]),
      decompress(format, [new DataView(buf, 2, data.length)]),
      decompress(format, [new Uint8Array(buf, 2, data.length)]),
      decompress(format, [new Int8Array(buf, 2, data.length)]),
    ]).then((outs) => { for (const d of outs) assert_equals(dec(d), "hello"); });
  }, `${format}: decompressing ArrayBuffer, DataView and typed array chunks`);

  promise_test(() => compress(format, [enc("a"), new Uint8Array(0), enc("b"), new Uint8Array(0)])
    .then((c) => decompress(format, [c])).then((d) => assert_equals(dec(d), "ab")),
  `${format}: compressing with empty chunks`);

  promise_test(() => compress(format, [enc("x".repeat(1000)), enc("y".repeat(1000)), enc("z".repeat(1000))])
    .then((c) => {
      assert_less_than(c.length, 200, "repetitive input compresses");
      return decompress(format, [c]);
    }).then((d) => assert_equals(dec(d), "x".repeat(1000) + "y".repeat(1000) + "z".repeat(1000))),
  `${format}: compressing multiple chunks`);

  promise_test(() => compress(format, []).then((c) => {
    assert_greater_than(c.length, 0, "an empty stream still has a header or end block");
    return decompress(format, [c]);
  }).then((d) => assert_equals(d.length, 0)), `${format}: compressing nothing gives a valid empty stream`);

  for (const [label, chunk] of [["undefined", undefined], ["null", null], ["numeric", 3.14], ["object", {}], ["array", [65]], ["string", "hi"]]) {
    promise_test((t) => {
      const cs = new CompressionStream(format);
      const writer = cs.writable.getWriter();
      const reader = cs.readable.getReader();
      return Promise.all([promise_rejects_js(t, TypeError, writer.write(chunk)), promise_rejects_js(t, TypeError, reader.read())]);
    }, `${format}: chunk of type ${label} should error the CompressionStream`);
  }

  promise_test((t) => decompress(format, [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])]).then(
    () => assert_unreached("corrupt input must not decompress"), (e) => assert_equals(e.constructor, TypeError)),
  `${format}: corrupt input errors the stream with a TypeError`);

  promise_test((t) => promise_rejects_js(t, TypeError, decompress(format, [])),
    `${format}: empty input errors the stream with a TypeError`);

  promise_test((t) => {
    const data = VECTORS[format];
    return promise_rejects_js(t, TypeError, decompress(format, [new Uint8Array(data.slice(0, data.length - 2))]));
  }, `${format}: truncated input errors the stream with a TypeError`);

  promise_test((t) => {
    const data = new Uint8Array([...VECTORS[format], 0x00, 0x01]);
    const ds = new DecompressionStream(format);
    const w = ds.writable.getWriter();
    w.write(data).catch(() => {});
    w.close().catch(() => {});
    const reader = ds.readable.getReader();
    // The output of the chunk may or may not come before the error (here
    // it does not: the chunk fails as a whole).
    return reader.read().then((r) => {
      if (!r.done) assert_equals(dec(r.value), "hello");
    }, (e) => assert_equals(e.constructor, TypeError)).then(() => promise_rejects_js(t, TypeError, reader.closed));
  }, `${format}: trailing data after the end of the stream errors with a TypeError`);

  promise_test((t) => {
    const data = new Uint8Array(VECTORS[format]);
    return promise_rejects_js(t, TypeError, decompress(format, [data, new Uint8Array([0])]));
  }, `${format}: trailing data in a later chunk errors with a TypeError`);

  promise_test((t) => {
    if (format === "deflate-raw") return Promise.resolve();
    const data = VECTORS[format].slice();
    data[data.length - 1] ^= 0xff; // the checksum or length
    return promise_rejects_js(t, TypeError, decompress(format, [new Uint8Array(data)]));
  }, `${format}: a wrong checksum errors with a TypeError`);
}

promise_test((t) => {
  const gz = VECTORS.gzip;
  return promise_rejects_js(t, TypeError, decompress("gzip", [new Uint8Array([...gz, ...gz])]));
}, "gzip: a second member is trailing data, as in browsers");

test(() => {
  for (const bad of ["", "brotli", "GZIP", undefined, "zlib"]) {
    assert_throws_js(TypeError, () => new CompressionStream(bad), `CompressionStream(${bad})`);
    assert_throws_js(TypeError, () => new DecompressionStream(bad), `DecompressionStream(${bad})`);
  }
  const cs = new CompressionStream("gzip");
  assert_true(cs.readable instanceof ReadableStream);
  assert_true(cs.writable instanceof WritableStream);
  assert_class_string(cs, "CompressionStream");
  assert_class_string(new DecompressionStream("deflate"), "DecompressionStream");
}, "CompressionStream and DecompressionStream: constructor errors and properties");

promise_test(() => {
  const big = new Uint8Array(300000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  return compress("gzip", [big.subarray(0, 100000), big.subarray(100000)]).then((c) => {
    const parts = [];
    for (let i = 0; i < c.length; i += 1000) parts.push(c.slice(i, i + 1000));
    return decompress("gzip", parts);
  }).then((d) => {
    assert_equals(d.length, big.length);
    let same = true;
    for (let i = 0; i < d.length; i++) if (d[i] !== big[i]) { same = false; break; }
    assert_true(same, "the bytes come back");
  });
}, "gzip: a large input round-trips through many chunks");

promise_test(() => {
  const cs = new CompressionStream("deflate");
  const w = cs.writable.getWriter();
  w.write(enc("abc"));
  return cs.readable.cancel("stop").then(() => promise_rejects_exactly(null, "stop", w.closed));
}, "canceling the readable side of a CompressionStream errors its writable side");
