// Cases after WPT encoding/streams/ (decode-utf8, decode-split-character,
// decode-bad-chunks, decode-ignore-bom, decode-incomplete-input,
// encode-utf8, encode-bad-chunks, readable-writable-properties).
const readAll = (rs) => readableStreamToArray(rs);
const decodeChunks = (chunks, label, options) => {
  const ds = new TextDecoderStream(label, options);
  const w = ds.writable.getWriter();
  for (const c of chunks) w.write(c).catch(() => {});
  w.close().catch(() => {});
  return readAll(ds.readable);
};
const encodeChunks = (chunks) => {
  const es = new TextEncoderStream();
  const w = es.writable.getWriter();
  for (const c of chunks) w.write(c);
  w.close();
  return readAll(es.readable).then((out) => out.map((u) => [...u]));
};

promise_test(() => decodeChunks([new Uint8Array([73, 32, 240, 159, 146, 153, 32, 115, 116, 114, 101, 97, 109, 115])]).then((out) => {
  assert_array_equals(out, ["I \u{1F499} streams"]);
}), "decoding one UTF-8 chunk should give one output string");

promise_test(() => decodeChunks([new Uint8Array(0)]).then((out) => assert_array_equals(out, [])),
  "decoding an empty chunk should give no output chunks");

promise_test(() => decodeChunks([new Uint8Array(0), new Uint8Array([104, 105])]).then((out) => assert_array_equals(out, ["hi"])),
  "an initial empty chunk should be ignored");

promise_test(() => decodeChunks([new Uint8Array([104, 105]), new Uint8Array(0)]).then((out) => assert_array_equals(out, ["hi"])),
  "a trailing empty chunk should be ignored");

promise_test(() => decodeChunks([new Uint8Array([0xF0, 0x9F, 0x92])]).then((out) => assert_array_equals(out, ["\uFFFD"])),
  "UTF-8 EOF handling: an incomplete sequence at the end is one U+FFFD");

promise_test((t) => promise_rejects_js(t, TypeError, decodeChunks([new Uint8Array([0xF0, 0x9F])], "utf-8", { fatal: true })),
  "fatal: an incomplete sequence at the end errors the stream with a TypeError");

promise_test((t) => promise_rejects_js(t, TypeError, decodeChunks([new Uint8Array([0x61, 0xFF])], "utf-8", { fatal: true })),
  "fatal: an invalid byte errors the stream with a TypeError");

promise_test(() => decodeChunks([new Uint8Array([104, 105]).buffer, new DataView(new Uint8Array([33]).buffer)]).then((out) => {
  assert_array_equals(out, ["hi", "!"]);
}), "decoding an ArrayBuffer and a DataView");

promise_test(() => decodeChunks([new Uint16Array(new Uint8Array([0x68, 0x69]).buffer)]).then((out) => assert_array_equals(out, ["hi"])),
  "decoding a Uint16Array view reads its bytes");

const splitCases = ["\u00A9", "\u2603", "\u{1F499}", "a\u{1F499}b\u20AC\u00E9z"];
for (const s of splitCases) {
  promise_test(() => {
    const bytes = new TextEncoder().encode(s);
    const all = [];
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        all.push(decodeChunks([bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)]).then((out) => {
          assert_equals(out.join(""), s, `split at ${i} and ${j}`);
        }));
      }
    }
    return Promise.all(all);
  }, `a code point split across chunks decodes whole: ${[...s].map((c) => c.codePointAt(0).toString(16)).join(" ")}`);
}

promise_test(() => decodeChunks([new Uint8Array([0xE2]), new Uint8Array([0x82]), new Uint8Array([0xAC, 0x41])]).then((out) => {
  assert_array_equals(out, ["\u20ACA"]);
}), "a three-byte sequence over three chunks gives nothing until it is whole");

const bom = [0xEF, 0xBB, 0xBF];
promise_test(() => decodeChunks([new Uint8Array([...bom, 0x41])]).then((out) => assert_array_equals(out, ["A"])),
  "a BOM is stripped by default");
promise_test(() => decodeChunks([new Uint8Array([0xEF]), new Uint8Array([0xBB, 0xBF, 0x41])]).then((out) => assert_array_equals(out, ["A"])),
  "a BOM split across chunks is stripped");
promise_test(() => decodeChunks([new Uint8Array([...bom, 0x41])], "utf-8", { ignoreBOM: true }).then((out) => assert_array_equals(out, ["\uFEFFA"])),
  "ignoreBOM keeps the BOM");
promise_test(() => decodeChunks([new Uint8Array([0x41]), new Uint8Array([...bom])]).then((out) => assert_array_equals(out, ["A", "\uFEFF"])),
  "a BOM after the start is kept");

for (const [label, chunk] of [["undefined", undefined], ["null", null], ["numeric", 3.14], ["object, not BufferSource", {}],
  ["array", [65]], ["string", "hi"]]) {
  promise_test((t) => {
    const ds = new TextDecoderStream();
    const writer = ds.writable.getWriter();
    const reader = ds.readable.getReader();
    return Promise.all([
      promise_rejects_js(t, TypeError, writer.write(chunk)),
      promise_rejects_js(t, TypeError, reader.read()),
    ]);
  }, `chunk of type ${label} should error the TextDecoderStream`);
}

test(() => {
  const ds = new TextDecoderStream("utf-8", { fatal: true, ignoreBOM: true });
  assert_equals(ds.encoding, "utf-8");
  assert_true(ds.fatal);
  assert_true(ds.ignoreBOM);
  assert_true(ds.readable instanceof ReadableStream);
  assert_true(ds.writable instanceof WritableStream);
  assert_class_string(ds, "TextDecoderStream");
  assert_throws_js(RangeError, () => new TextDecoderStream("klingon"));
  assert_equals(new TextDecoderStream("latin2").encoding, "iso-8859-2");
  const es = new TextEncoderStream();
  assert_equals(es.encoding, "utf-8");
  assert_class_string(es, "TextEncoderStream");
  assert_throws_js(TypeError, () => Object.getOwnPropertyDescriptor(TextDecoderStream.prototype, "readable").get.call({}));
}, "TextDecoderStream and TextEncoderStream properties");

promise_test(() => encodeChunks(["I \u{1F499} streams"]).then((out) => {
  assert_equals(out.length, 1);
  assert_array_equals(out[0], [73, 32, 240, 159, 146, 153, 32, 115, 116, 114, 101, 97, 109, 115]);
}), "encoding one string of UTF-8 should give one complete chunk");

promise_test(() => encodeChunks(["\uD83D", "\uDC99"]).then((out) => {
  assert_array_equals(out.flat(), [240, 159, 146, 153]);
}), "a character split between chunks should be correctly encoded");

promise_test(() => encodeChunks(["\uD83D"]).then((out) => assert_array_equals(out.flat(), [0xEF, 0xBF, 0xBD])),
  "a lone leading surrogate at the end becomes U+FFFD");

promise_test(() => encodeChunks(["\uD83D", "a"]).then((out) => assert_array_equals(out.flat(), [0xEF, 0xBF, 0xBD, 0x61])),
  "a leading surrogate followed by a non-surrogate becomes U+FFFD");

promise_test(() => encodeChunks(["\uDC99"]).then((out) => assert_array_equals(out.flat(), [0xEF, 0xBF, 0xBD])),
  "a lone trailing surrogate becomes U+FFFD");

promise_test(() => encodeChunks(["", "a", ""]).then((out) => assert_equals(out.length, 1, "empty strings give no chunks")),
  "an empty string should result in no output chunk");

promise_test(() => encodeChunks([{ toString() { return "x"; } }, 5]).then((out) => assert_array_equals(out.flat(), [0x78, 0x35])),
  "chunks are converted with ToString");

promise_test(() => encodeChunks(["a"]).then((out) => {
  assert_true(out.length === 1);
}).then(() => {
  const es = new TextEncoderStream();
  const w = es.writable.getWriter();
  w.write("z");
  w.close();
  return readAll(es.readable).then((chunks) => assert_equals(chunks[0].constructor, Uint8Array));
}), "TextEncoderStream produces Uint8Arrays");

promise_test(() => {
  const out = [];
  return ReadableStream.from(["h\u00E9", "llo \u{1F499}"])
    .pipeThrough(new TextEncoderStream())
    .pipeThrough(new TextDecoderStream())
    .pipeTo(new WritableStream({ write(c) { out.push(c); } }))
    .then(() => assert_equals(out.join(""), "h\u00E9llo \u{1F499}"));
}, "TextEncoderStream piped into TextDecoderStream round-trips");
