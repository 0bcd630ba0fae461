// After WPT streams/*/constructor.any.js, in the current spec's terms:
// WebIDL converts the strategy arguments first (highWaterMark, then size),
// then the constructor converts its dictionary (members in alphabetical
// order), then validates; a failure stops everything after it.
const recording = (log, prefix, props) => {
  const o = {};
  for (const [name, value] of Object.entries(props)) {
    Object.defineProperty(o, name, { get() { log.push(`${prefix}.${name}`); return value; }, enumerable: true });
  }
  return o;
};

test(() => {
  const log = [];
  new ReadableStream(
    recording(log, "src", { autoAllocateChunkSize: undefined, cancel: undefined, pull: undefined, start: undefined, type: undefined }),
    recording(log, "strategy", { highWaterMark: 1, size: undefined }));
  assert_array_equals(log, ["strategy.highWaterMark", "strategy.size", "src.autoAllocateChunkSize", "src.cancel", "src.pull",
    "src.start", "src.type"]);
}, "ReadableStream constructor reads the strategy, then the source's members in order");

test(() => {
  const log = [];
  assert_throws_js(TypeError, () => new ReadableStream(
    recording(log, "src", { autoAllocateChunkSize: undefined, cancel: undefined, pull: 5, start: undefined, type: undefined }),
    recording(log, "strategy", { highWaterMark: 1, size: undefined })));
  assert_array_equals(log, ["strategy.highWaterMark", "strategy.size", "src.autoAllocateChunkSize", "src.cancel", "src.pull"],
    "a non-callable pull stops the conversion");
}, "ReadableStream constructor stops at a non-callable member");

test(() => {
  const log = [];
  assert_throws_js(RangeError, () => new ReadableStream(
    recording(log, "src", { type: "bytes" }),
    recording(log, "strategy", { highWaterMark: 1, size() { return 1; } })));
  assert_array_equals(log, ["strategy.highWaterMark", "strategy.size", "src.type"], "the size check comes after the conversions");
}, "ReadableStream constructor: a byte stream with a size throws a RangeError after converting everything");

test(() => {
  const log = [];
  assert_throws_js(RangeError, () => new ReadableStream(
    recording(log, "src", { start() { log.push("start called"); } }),
    recording(log, "strategy", { highWaterMark: -1 })));
  assert_array_equals(log, ["strategy.highWaterMark", "src.start"], "start is read, not called, before the highWaterMark check");
}, "ReadableStream constructor: an invalid highWaterMark throws before start() runs");

test(() => {
  assert_throws_js(TypeError, () => new ReadableStream({}, { highWaterMark: 1n }), "a BigInt highWaterMark");
  assert_throws_js(TypeError, () => new ReadableStream({ type: "bytes", autoAllocateChunkSize: Infinity }));
  assert_throws_js(TypeError, () => new ReadableStream({ type: "bytes", autoAllocateChunkSize: -1 }));
  assert_throws_js(TypeError, () => new ReadableStream({ type: "bytes", autoAllocateChunkSize: 0 }));
  assert_throws_js(TypeError, () => new ReadableStream(5));
  new ReadableStream(null);
  new ReadableStream({}, null);
  let thisValue;
  new ReadableStream({ start(c) { c.enqueue("a"); } }, { size() { thisValue = this; return 1; } });
  assert_equals(thisValue, undefined, "size() is called with an undefined this");
}, "ReadableStream constructor argument conversions");

test(() => {
  const log = [];
  new WritableStream(
    recording(log, "sink", { abort: undefined, close: undefined, start: undefined, type: undefined, write: undefined }),
    recording(log, "strategy", { highWaterMark: 1, size: undefined }));
  assert_array_equals(log, ["strategy.highWaterMark", "strategy.size", "sink.abort", "sink.close", "sink.start", "sink.type",
    "sink.write"]);
  const log2 = [];
  assert_throws_js(RangeError, () => new WritableStream(recording(log2, "sink", { type: "bytes", write: undefined })));
  assert_array_equals(log2, ["sink.type", "sink.write"], "type is checked after the conversion");
}, "WritableStream constructor reads the strategy, then the sink's members in order");

test(() => {
  const log = [];
  new TransformStream(
    recording(log, "t", { cancel: undefined, flush: undefined, readableType: undefined, start: undefined, transform: undefined,
      writableType: undefined }),
    recording(log, "ws", { highWaterMark: 1, size: undefined }),
    recording(log, "rs", { highWaterMark: 0, size: undefined }));
  assert_array_equals(log, ["ws.highWaterMark", "ws.size", "rs.highWaterMark", "rs.size", "t.cancel", "t.flush", "t.readableType",
    "t.start", "t.transform", "t.writableType"]);
}, "TransformStream constructor reads both strategies, then the transformer's members in order");
