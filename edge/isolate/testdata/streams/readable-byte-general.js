// Ported from WPT streams/readable-byte-streams/general.any.js (the
// basics: construction, readers, enqueue/read, autoAllocateChunkSize,
// byobRequest respond, partial and remainder reads), plus buffer transfer.
const error1 = new Error("error1");
error1.name = "error1";

const extractViewInfo = (view) => ({
  constructor: view.constructor, bufferByteLength: view.buffer.byteLength, byteOffset: view.byteOffset, byteLength: view.byteLength,
});

test(() => {
  assert_throws_js(TypeError, () => new ReadableStream().getReader({ mode: "byob" }));
}, 'getReader({mode: "byob"}) throws on non-bytes streams');

test(() => {
  new ReadableStream({ type: "bytes" }).getReader({ mode: "byob" });
  new ReadableStream({ type: { toString() { return "bytes"; } } }).getReader({ mode: "byob" });
  new ReadableStream({ type: { toString: null, valueOf() { return "bytes"; } } }).getReader({ mode: "byob" });
}, "ReadableStream with byte source can be constructed with no errors");

test(() => {
  const rs = new ReadableStream({ type: "bytes" });
  let reader = rs.getReader({ mode: { toString() { return "byob"; } } });
  assert_true(reader instanceof ReadableStreamBYOBReader);
  reader.releaseLock();
  reader = rs.getReader({ mode: "byob", notmode: "ignored" });
  assert_true(reader instanceof ReadableStreamBYOBReader);
  assert_class_string(reader, "ReadableStreamBYOBReader");
}, "getReader({mode}) must perform ToString()");

promise_test(() => {
  let startCalled = false, startCalledBeforePull = false, desiredSize, controller, resolveTestPromise;
  const testPromise = new Promise((resolve) => { resolveTestPromise = resolve; });
  new ReadableStream({
    start(c) { controller = c; startCalled = true; },
    pull() { startCalledBeforePull = startCalled; desiredSize = controller.desiredSize; resolveTestPromise(); },
    type: "bytes",
  }, { highWaterMark: 256 });
  return testPromise.then(() => {
    assert_true(startCalledBeforePull);
    assert_equals(desiredSize, 256);
    assert_class_string(controller, "ReadableByteStreamController");
  });
}, "ReadableStream with byte source: Construct and expect start and pull being called");

promise_test(() => {
  let pullCount = 0, checkedNoPull = false, resolveTestPromise, resolveStartPromise;
  const testPromise = new Promise((resolve) => { resolveTestPromise = resolve; });
  new ReadableStream({
    start() { return new Promise((resolve) => { resolveStartPromise = resolve; }); },
    pull() { if (checkedNoPull) resolveTestPromise(); ++pullCount; },
    type: "bytes",
  }, { highWaterMark: 256 });
  Promise.resolve().then(() => {
    assert_equals(pullCount, 0);
    checkedNoPull = true;
    resolveStartPromise();
  });
  return testPromise;
}, "ReadableStream with byte source: No automatic pull call if start doesn't finish");

promise_test((t) => {
  new ReadableStream({ pull: t.unreached_func("pull() should not be called"), type: "bytes" }, { highWaterMark: 0 });
  return flushAsyncEvents();
}, "ReadableStream with byte source: Construct with highWaterMark of 0");

test(() => {
  new ReadableStream({
    start(c) { assert_equals(c.desiredSize, 10); c.close(); assert_equals(c.desiredSize, 0); },
    type: "bytes",
  }, { highWaterMark: 10 });
  new ReadableStream({
    start(c) { assert_equals(c.desiredSize, 10); c.error(); assert_equals(c.desiredSize, null); },
    type: "bytes",
  }, { highWaterMark: 10 });
}, "ReadableStream with byte source: desiredSize when closed and when errored");

promise_test((t) => {
  const stream = new ReadableStream({ type: "bytes" });
  const reader = stream.getReader({ mode: "byob" });
  reader.releaseLock();
  return promise_rejects_js(t, TypeError, reader.closed);
}, "ReadableStream with byte source: getReader() with mode set to byob, then releaseLock()");

promise_test((t) => {
  const stream = new ReadableStream({ start(c) { c.close(); }, pull: t.unreached_func("pull"), type: "bytes" });
  const reader = stream.getReader({ mode: "byob" });
  return reader.closed.then(() => assert_throws_js(TypeError, () => stream.getReader({ mode: "byob" })));
}, "ReadableStream with byte source: Test that closing a stream does not release a BYOB reader automatically");

promise_test((t) => {
  const stream = new ReadableStream({ start(c) { c.error(error1); }, pull: t.unreached_func("pull"), type: "bytes" });
  const reader = stream.getReader({ mode: "byob" });
  return promise_rejects_exactly(t, error1, reader.closed).then(() => {
    assert_throws_js(TypeError, () => stream.getReader({ mode: "byob" }));
  });
}, "ReadableStream with byte source: Test that erroring a stream does not release a BYOB reader automatically");

promise_test(() => {
  let pullCount = 0;
  const stream = new ReadableStream({ pull() { ++pullCount; }, type: "bytes" }, { highWaterMark: 8 });
  stream.getReader();
  assert_equals(pullCount, 0);
  return Promise.resolve().then(() => assert_equals(pullCount, 1));
}, "ReadableStream with byte source: Automatic pull() after start()");

promise_test(() => {
  let pullCount = 0, controller;
  const byobRequests = [];
  const stream = new ReadableStream({
    start(c) { controller = c; },
    pull() {
      const byobRequest = controller.byobRequest;
      const view = byobRequest.view;
      byobRequests[pullCount] = { nonNull: byobRequest !== null, viewNonNull: view !== null, viewInfo: extractViewInfo(view) };
      if (pullCount === 0) { view[0] = 0x01; byobRequest.respond(1); } else if (pullCount === 1) { view[0] = 0x02; view[1] = 0x03; byobRequest.respond(2); }
      ++pullCount;
    },
    type: "bytes",
    autoAllocateChunkSize: 16,
  }, { highWaterMark: 0 });
  const reader = stream.getReader();
  const p0 = reader.read(), p1 = reader.read();
  assert_equals(pullCount, 0);
  return Promise.resolve().then(() => {
    assert_equals(pullCount, 1);
    const viewInfo = byobRequests[0].viewInfo;
    assert_true(byobRequests[0].nonNull);
    assert_equals(viewInfo.constructor, Uint8Array);
    assert_equals(viewInfo.bufferByteLength, 16);
    assert_equals(viewInfo.byteLength, 16);
    return p0;
  }).then((result) => {
    assert_equals(pullCount, 2);
    const value = result.value;
    assert_equals(value.constructor, Uint8Array);
    assert_equals(value.buffer.byteLength, 16);
    assert_equals(value.byteLength, 1);
    assert_equals(value[0], 0x01);
    return p1;
  }).then((result) => {
    assert_equals(pullCount, 2);
    assert_equals(result.value.byteLength, 2);
    assert_equals(result.value[0], 0x02);
    assert_equals(result.value[1], 0x03);
  });
}, "ReadableStream with byte source: autoAllocateChunkSize");

promise_test(() => {
  let pullCount = 0, controller;
  const stream = new ReadableStream({
    start(c) { controller = c; },
    pull() {
      const view = controller.byobRequest.view;
      if (pullCount === 0) { view[0] = 0x01; controller.byobRequest.respond(1); } else { view[0] = 0x02; view[1] = 0x03; controller.byobRequest.respond(2); }
      ++pullCount;
    },
    type: "bytes",
    autoAllocateChunkSize: 16,
  }, { highWaterMark: 0 });
  const reader = stream.getReader();
  return reader.read().then((result) => {
    assert_equals(result.value.byteLength, 1);
    assert_equals(result.value.buffer.byteLength, 16);
    reader.releaseLock();
    return stream.getReader({ mode: "byob" }).read(new Uint8Array(32));
  }).then((result) => {
    assert_equals(result.value.buffer.byteLength, 32);
    assert_equals(result.value.byteLength, 2);
    assert_equals(result.value[1], 0x03);
    assert_equals(pullCount, 2);
  });
}, "ReadableStream with byte source: Mix of auto allocate and BYOB");

promise_test(() => {
  let pullCount = 0, controller, desiredSizeInStart, desiredSizeInPull;
  const stream = new ReadableStream({
    start(c) { c.enqueue(new Uint8Array(16)); desiredSizeInStart = c.desiredSize; controller = c; },
    pull() { ++pullCount; if (pullCount === 1) desiredSizeInPull = controller.desiredSize; },
    type: "bytes",
  }, { highWaterMark: 8 });
  return Promise.resolve().then(() => {
    assert_equals(pullCount, 0, "No pull as the queue was filled by start()");
    assert_equals(desiredSizeInStart, -8);
    const reader = stream.getReader();
    const promise = reader.read();
    assert_equals(pullCount, 1, "The first pull() should be made on read()");
    assert_equals(desiredSizeInPull, 8);
    return promise.then((result) => {
      assert_false(result.done);
      assert_equals(result.value.constructor, Uint8Array);
      assert_equals(result.value.byteLength, 16);
    });
  });
}, "ReadableStream with byte source: enqueue(), getReader(), then read()");

promise_test(() => {
  let controller;
  const stream = new ReadableStream({ start(c) { controller = c; }, type: "bytes" });
  const promise = stream.getReader().read().then((result) => {
    assert_false(result.done);
    assert_equals(result.value.byteLength, 1);
  });
  controller.enqueue(new Uint8Array(1));
  return promise;
}, "ReadableStream with byte source: Push source that doesn't understand pull signal");

promise_test(() => {
  const stream = new ReadableStream({ start(c) { c.enqueue(new Uint16Array(16)); }, type: "bytes" });
  return stream.getReader().read().then((result) => {
    assert_equals(result.value.constructor, Uint8Array);
    assert_equals(result.value.buffer.byteLength, 32);
    assert_equals(result.value.byteLength, 32);
  });
}, "ReadableStream with byte source: enqueue() with Uint16Array, getReader(), then read()");

promise_test((t) => {
  const stream = new ReadableStream({
    start(c) { const view = new Uint8Array(16); view[0] = 0x01; view[8] = 0x02; c.enqueue(view); },
    pull: t.unreached_func("pull() should not be called"),
    type: "bytes",
  });
  const byobReader = stream.getReader({ mode: "byob" });
  return byobReader.read(new Uint8Array(8)).then((result) => {
    assert_false(result.done);
    assert_equals(result.value.buffer.byteLength, 8);
    assert_equals(result.value.byteLength, 8);
    assert_equals(result.value[0], 0x01);
    byobReader.releaseLock();
    return stream.getReader().read();
  }).then((result) => {
    assert_equals(result.value.buffer.byteLength, 16);
    assert_equals(result.value.byteOffset, 8);
    assert_equals(result.value.byteLength, 8);
    assert_equals(result.value[0], 0x02);
  });
}, "ReadableStream with byte source: enqueue(), read(view) partially, then read()");

promise_test((t) => {
  let controller;
  const stream = new ReadableStream({ start(c) { controller = c; }, pull: t.unreached_func("pull"), type: "bytes" });
  const reader = stream.getReader();
  controller.enqueue(new Uint8Array(16));
  controller.close();
  return reader.read().then((result) => {
    assert_false(result.done);
    assert_equals(result.value.byteLength, 16);
    return reader.read();
  }).then((result) => {
    assert_true(result.done);
    assert_equals(result.value, undefined);
  });
}, "ReadableStream with byte source: getReader(), enqueue(), close(), then read()");

promise_test(() => {
  let controller, byobRequest;
  const stream = new ReadableStream({
    start(c) { controller = c; },
    pull() { controller.enqueue(new Uint8Array(16)); byobRequest = controller.byobRequest; },
    type: "bytes",
  });
  return stream.getReader().read().then((result) => {
    assert_equals(result.value.byteLength, 16);
    assert_equals(byobRequest, null, "byobRequest must be null");
  });
}, "ReadableStream with byte source: Respond to pull() by enqueue()");

promise_test(() => {
  let pullCount = 0, controller, byobRequest;
  const desiredSizes = [];
  const stream = new ReadableStream({
    start(c) { controller = c; },
    pull() {
      byobRequest = controller.byobRequest;
      desiredSizes.push(controller.desiredSize);
      controller.enqueue(new Uint8Array(1));
      desiredSizes.push(controller.desiredSize);
      controller.enqueue(new Uint8Array(1));
      desiredSizes.push(controller.desiredSize);
      ++pullCount;
    },
    type: "bytes",
  }, { highWaterMark: 0 });
  const reader = stream.getReader();
  const p0 = reader.read(), p1 = reader.read(), p2 = reader.read();
  controller.enqueue(new Uint8Array(1));
  assert_equals(pullCount, 0);
  return Promise.all([p0, p1, p2]).then((result) => {
    assert_equals(pullCount, 1);
    for (const r of result) { assert_false(r.done); assert_equals(r.value.byteLength, 1); }
    assert_equals(byobRequest, null);
    assert_array_equals(desiredSizes, [0, 0, 0]);
  });
}, "ReadableStream with byte source: Respond to pull() by enqueue() asynchronously");

promise_test(() => {
  let controller, pullCount = 0, byobRequestViewDefined;
  const byobRequestDefined = [];
  const stream = new ReadableStream({
    start(c) { controller = c; },
    pull() {
      byobRequestDefined.push(controller.byobRequest !== null);
      const initialByobRequest = controller.byobRequest;
      controller.byobRequest.view[0] = 0x01;
      controller.byobRequest.respond(1);
      byobRequestDefined.push(controller.byobRequest !== null);
      byobRequestViewDefined = initialByobRequest.view !== null;
      ++pullCount;
    },
    type: "bytes",
  });
  return stream.getReader({ mode: "byob" }).read(new Uint8Array(1)).then((result) => {
    assert_false(result.done);
    assert_equals(result.value.byteLength, 1);
    assert_equals(result.value[0], 0x01);
    assert_equals(pullCount, 1);
    assert_true(byobRequestDefined[0]);
    assert_false(byobRequestDefined[1], "byobRequest must be null after respond()");
    assert_false(byobRequestViewDefined, "view of initial byobRequest must be null after respond()");
  });
}, "ReadableStream with byte source: read(view), then respond()");

promise_test(() => {
  let controller, incorrectRespondException;
  const stream = new ReadableStream({
    start(c) { controller = c; },
    pull() {
      try { controller.byobRequest.respond(2); } catch (e) { incorrectRespondException = e; }
      controller.byobRequest.respond(1);
    },
    type: "bytes",
  });
  return stream.getReader({ mode: "byob" }).read(new Uint8Array(1)).then(() => {
    assert_not_equals(incorrectRespondException, undefined, "respond() must throw");
    assert_equals(incorrectRespondException.name, "RangeError");
  });
}, "ReadableStream with byte source: read(view), then respond() with too big value");

promise_test(() => {
  let pullCount = 0, controller, viewInfo;
  const stream = new ReadableStream({
    start(c) { controller = c; },
    pull() {
      ++pullCount;
      const view = controller.byobRequest.view;
      viewInfo = extractViewInfo(view);
      view[0] = 0x01; view[1] = 0x02; view[2] = 0x03;
      controller.byobRequest.respond(3);
    },
    type: "bytes",
  });
  const reader = stream.getReader({ mode: "byob" });
  return reader.read(new Uint16Array(2)).then((result) => {
    assert_equals(pullCount, 1);
    assert_equals(result.value.constructor, Uint16Array);
    assert_equals(result.value.byteLength, 2);
    assert_equals(new DataView(result.value.buffer, result.value.byteOffset, result.value.byteLength).getUint16(0), 0x0102);
    return reader.read(new Uint8Array(1));
  }).then((result) => {
    assert_equals(pullCount, 1);
    assert_equals(viewInfo.bufferByteLength, 4);
    assert_equals(viewInfo.byteLength, 4);
    assert_equals(result.value.byteLength, 1);
    assert_equals(result.value[0], 0x03);
  });
}, "ReadableStream with byte source: respond(3) to read(view) with 2 element Uint16Array enqueues the 1 byte remainder");

promise_test(() => {
  const stream = new ReadableStream({
    start(c) { c.enqueue(new Uint8Array([1, 2, 3, 4, 5])); c.close(); },
    type: "bytes",
  });
  const reader = stream.getReader({ mode: "byob" });
  return reader.read(new Uint8Array(8), { min: 5 }).then((r) => {
    assert_false(r.done);
    assert_array_equals([...r.value], [1, 2, 3, 4, 5]);
    return reader.read(new Uint8Array(8));
  }).then((r) => {
    assert_true(r.done, "done after the last bytes");
    assert_equals(r.value.byteLength, 0, "a closed stream gives back an empty view");
    assert_equals(r.value.buffer.byteLength, 8);
  });
}, "ReadableStream with byte source: read(view, {min}) and read(view) after close");

promise_test((t) => {
  const stream = new ReadableStream({ type: "bytes" });
  const reader = stream.getReader({ mode: "byob" });
  return Promise.all([
    promise_rejects_js(t, TypeError, reader.read(new Uint8Array(0)), "an empty view"),
    promise_rejects_js(t, TypeError, reader.read({}), "not a view"),
    promise_rejects_js(t, RangeError, reader.read(new Uint8Array(2), { min: 3 }), "min over the length"),
    promise_rejects_js(t, TypeError, reader.read(new Uint8Array(2), { min: 0 }), "min 0"),
  ]);
}, "ReadableStreamBYOBReader: read() rejects bad views and min");

promise_test(() => {
  const view = new Uint8Array([1, 2, 3]);
  let controller;
  const stream = new ReadableStream({ type: "bytes", start(c) { controller = c; } });
  controller.enqueue(view);
  assert_equals(view.byteLength, 0, "enqueue transfers the chunk's buffer");
  assert_throws_js(TypeError, () => controller.enqueue(view), "a detached view cannot be enqueued");
  const mine = new Uint8Array(4);
  const reader = stream.getReader({ mode: "byob" });
  const p = reader.read(mine);
  assert_equals(mine.byteLength, 0, "read(view) transfers the view's buffer");
  return p.then((r) => assert_array_equals([...r.value], [1, 2, 3]));
}, "ReadableStream with byte source: enqueue() and read(view) transfer the buffers");

test(() => {
  let controller;
  new ReadableStream({ type: "bytes", start(c) { controller = c; } });
  assert_throws_js(TypeError, () => controller.enqueue("abc"), "a string is not a chunk");
  assert_throws_js(TypeError, () => controller.enqueue(new ArrayBuffer(4)), "a bare ArrayBuffer is not a view");
  assert_throws_js(TypeError, () => controller.enqueue(new Uint8Array(0)), "an empty chunk");
  assert_throws_js(TypeError, () => new ReadableStream({ type: "bytes", autoAllocateChunkSize: 0 }));
  assert_throws_js(TypeError, () => new ReadableByteStreamController());
}, "ReadableByteStreamController: enqueue() and autoAllocateChunkSize argument checks");

promise_test((t) => {
  let controller;
  const stream = new ReadableStream({ type: "bytes", start(c) { controller = c; } });
  const reader = stream.getReader({ mode: "byob" });
  const p = reader.read(new Uint16Array(1));
  return delay(0).then(() => {
    controller.byobRequest.view[0] = 1;
    controller.byobRequest.respond(1);
    assert_throws_js(TypeError, () => controller.close(), "closing with half an element read");
    return promise_rejects_js(t, TypeError, p);
  });
}, "ReadableStream with byte source: close() with a partly filled element errors the stream");
