// Ported from WPT streams/writable-streams/write.any.js, with cases after
// close.any.js, aborting.any.js, backpressure.any.js and properties.any.js
// (selected and rewritten against the spec).
const error1 = new Error("error1");
error1.name = "error1";
const error2 = new Error("error2");
error2.name = "error2";

const writeArrayToStream = (array, writer) => {
  array.forEach((chunk) => writer.write(chunk));
  return writer.close();
};

promise_test(() => {
  let storage;
  const ws = new WritableStream({
    start() { storage = []; },
    write(chunk) { return delay(0).then(() => storage.push(chunk)); },
    close() { return delay(0); },
  });
  const input = [1, 2, 3, 4, 5];
  return writeArrayToStream(input, ws.getWriter()).then(() => assert_array_equals(storage, input));
}, "WritableStream should complete asynchronous writes before close resolves");

promise_test(() => {
  const ws = recordingWritableStream();
  return writeArrayToStream([1, 2, 3, 4, 5], ws.getWriter()).then(() => {
    assert_array_equals(ws.events, ["write", 1, "write", 2, "write", 3, "write", 4, "write", 5, "close"]);
  });
}, "WritableStream should complete synchronous writes before close resolves");

promise_test(() => {
  const ws = new WritableStream({ write() { return "Hello"; } });
  return ws.getWriter().write("a").then((value) => assert_equals(value, undefined));
}, "fulfillment value of ws.write() call should be undefined even if the underlying sink returns a non-undefined value");

promise_test(() => {
  let resolveSinkWritePromise;
  const ws = new WritableStream({ write() { return new Promise((resolve) => { resolveSinkWritePromise = resolve; }); } });
  const writer = ws.getWriter();
  assert_equals(writer.desiredSize, 1);
  return writer.ready.then(() => {
    const writePromise = writer.write("a");
    let writePromiseResolved = false;
    assert_not_equals(resolveSinkWritePromise, undefined);
    assert_equals(writer.desiredSize, 0);
    return Promise.all([
      writePromise.then((value) => {
        writePromiseResolved = true;
        assert_equals(resolveSinkWritePromise, undefined, "sinkWritePromise should be fulfilled before writePromise");
        assert_equals(value, undefined);
      }),
      writer.ready.then((value) => {
        assert_equals(resolveSinkWritePromise, undefined);
        assert_true(writePromiseResolved, "writePromise should be fulfilled before writer.ready");
        assert_equals(writer.desiredSize, 1);
        assert_equals(value, undefined);
      }),
      flushAsyncEvents().then(() => { resolveSinkWritePromise(); resolveSinkWritePromise = undefined; }),
    ]);
  });
}, "WritableStream should transition to waiting until write is acknowledged");

promise_test((t) => {
  let rejectors = [];
  const ws = new WritableStream({ write() { return new Promise((r, reject) => rejectors.push(reject)); } });
  const writer = ws.getWriter();
  return writer.ready.then(() => {
    const writePromise = writer.write("a");
    assert_equals(rejectors.length, 1);
    assert_equals(writer.desiredSize, 0);
    const writePromise2 = writer.write("b");
    assert_equals(rejectors.length, 1);
    assert_equals(writer.desiredSize, -1);
    const closedPromise = writer.close();
    assert_equals(writer.desiredSize, -1);
    return Promise.all([
      promise_rejects_exactly(t, error1, closedPromise).then(() => assert_equals(rejectors.length, 0)),
      promise_rejects_exactly(t, error1, writePromise).then(() => assert_equals(rejectors.length, 0)),
      promise_rejects_exactly(t, error1, writePromise2).then(() => assert_equals(rejectors.length, 0)),
      flushAsyncEvents().then(() => { rejectors[0](error1); rejectors = []; }),
    ]);
  });
}, "when write returns a rejected promise, queued writes and close should be cleared");

promise_test((t) => {
  const ws = new WritableStream({ write() { throw error1; } });
  const writer = ws.getWriter();
  return promise_rejects_exactly(t, error1, writer.write("a"))
    .then(() => promise_rejects_js(t, TypeError, writer.close()));
}, "when sink's write throws an error, the stream should become errored and the promise should reject");

promise_test((t) => {
  const ws = new WritableStream({ write(chunk, controller) { controller.error(error1); throw error2; } });
  const writer = ws.getWriter();
  return promise_rejects_exactly(t, error2, writer.write("a")).then(() => Promise.all([
    promise_rejects_exactly(t, error1, writer.ready),
    promise_rejects_exactly(t, error1, writer.closed),
  ]));
}, "writer.write(), ready and closed reject with the error passed to controller.error() made before sink.write rejection");

promise_test(() => {
  const numberOfWrites = 1000;
  let resolveFirstWritePromise, writeCount = 0;
  const ws = new WritableStream({
    write() {
      ++writeCount;
      if (!resolveFirstWritePromise) return new Promise((resolve) => { resolveFirstWritePromise = resolve; });
      return Promise.resolve();
    },
  });
  const writer = ws.getWriter();
  return writer.ready.then(() => {
    for (let i = 1; i < numberOfWrites; ++i) writer.write("a");
    const writePromise = writer.write("a");
    assert_equals(writeCount, 1);
    resolveFirstWritePromise();
    return writePromise.then(() => assert_equals(writeCount, numberOfWrites));
  });
}, "a large queue of writes should be processed completely");

promise_test(() => {
  const stream = recordingWritableStream();
  stream.getWriter().releaseLock();
  const writer = new WritableStreamDefaultWriter(stream);
  return writer.ready.then(() => {
    writer.write("a");
    assert_array_equals(stream.events, ["write", "a"]);
  });
}, "WritableStreamDefaultWriter should work when manually constructed");

promise_test(() => {
  let thenCalled = false;
  const ws = new WritableStream({ write() { return { then(onFulfilled) { thenCalled = true; onFulfilled(); } }; } });
  return ws.getWriter().write("a").then(() => assert_true(thenCalled));
}, "returning a thenable from write() should work");

// close.any.js
promise_test(() => {
  const ws = new WritableStream({ close() { return "Hello"; } });
  return ws.getWriter().close().then((value) => assert_equals(value, undefined));
}, "fulfillment value of writer.close() call must be undefined even if the underlying sink returns a non-undefined value");

promise_test((t) => {
  const ws = new WritableStream({ close() { throw error1; } });
  const writer = ws.getWriter();
  return Promise.all([
    promise_rejects_exactly(t, error1, writer.close()),
    promise_rejects_exactly(t, error1, writer.closed),
  ]);
}, "when sink calls error asynchronously while closing, the stream should become errored");

promise_test((t) => {
  const ws = new WritableStream();
  const writer = ws.getWriter();
  writer.close();
  return Promise.all([
    promise_rejects_js(t, TypeError, writer.close(), "a second close"),
    promise_rejects_js(t, TypeError, writer.write("x"), "a write after close"),
    writer.closed,
  ]);
}, "close() twice and write() after close() reject with a TypeError");

promise_test((t) => {
  const ws = new WritableStream();
  ws.getWriter();
  return Promise.all([
    promise_rejects_js(t, TypeError, ws.close(), "close of a locked stream"),
    promise_rejects_js(t, TypeError, ws.abort(), "abort of a locked stream"),
  ]).then(() => assert_throws_js(TypeError, () => ws.getWriter(), "a second writer"));
}, "WritableStream: close() and abort() of a locked stream reject; getWriter() of a locked stream throws");

promise_test(() => {
  const ws = recordingWritableStream();
  const writer = ws.getWriter();
  writer.releaseLock();
  return ws.close().then(() => {
    assert_array_equals(ws.events, ["close"]);
    const w2 = ws.getWriter();
    return w2.closed;
  });
}, "WritableStream.close() closes an unlocked stream, and a later writer sees it closed");

promise_test(() => {
  let controller;
  const ws = new WritableStream({ start(c) { controller = c; } });
  const writer = ws.getWriter();
  return writer.close().then(() => {
    controller.error(error1);
    return writer.closed;
  });
}, "controller.error() after the stream closed has no effect");

// aborting.any.js
promise_test((t) => {
  const ws = new WritableStream({ write: t.unreached_func("write() should not be called") });
  const writer = ws.getWriter();
  const writePromise = writer.write("a");
  const readyPromise = writer.ready;
  writer.abort(error1);
  assert_equals(writer.ready, readyPromise, "the ready promise property should not change");
  return Promise.all([
    promise_rejects_exactly(t, error1, readyPromise),
    promise_rejects_exactly(t, error1, writePromise),
  ]);
}, "Aborting a WritableStream before it starts should cause the writer's unsettled ready promise to reject");

promise_test((t) => {
  const ws = recordingWritableStream();
  const writer = ws.getWriter();
  return writer.abort(error1).then(() => {
    assert_array_equals(ws.events, ["abort", error1]);
    return Promise.all([
      promise_rejects_exactly(t, error1, writer.closed),
      promise_rejects_exactly(t, error1, writer.write("x")),
      promise_rejects_js(t, TypeError, writer.close(), "close() of an errored stream"),
    ]);
  });
}, "Aborting a WritableStream calls the sink's abort with the reason and errors the stream with it");

promise_test((t) => {
  const ws = new WritableStream({ abort() { throw error2; } });
  const writer = ws.getWriter();
  return promise_rejects_exactly(t, error2, writer.abort(error1)).then(() => promise_rejects_exactly(t, error1, writer.closed));
}, "WritableStream if sink's abort throws, the promise returned by writer.abort() rejects");

promise_test(() => {
  let resolveWrite;
  const ws = recordingWritableStream({ write() { return new Promise((r) => { resolveWrite = r; }); } });
  const writer = ws.getWriter();
  return writer.ready.then(() => {
    writer.write("a");
    const abortPromise = writer.abort(error1);
    return flushAsyncEvents().then(() => {
      assert_array_equals(ws.events, ["write", "a"], "abort waits for the write in flight");
      resolveWrite();
      return abortPromise;
    }).then(() => assert_array_equals(ws.events, ["write", "a", "abort", error1]));
  });
}, "Aborting a WritableStream waits for an in-flight write before calling the sink's abort");

promise_test(() => {
  let controller;
  const ws = new WritableStream({ start(c) { controller = c; } });
  const signal = controller.signal;
  assert_class_string(signal, "AbortSignal");
  assert_false(signal.aborted);
  let fired = 0;
  signal.addEventListener("abort", () => { fired++; });
  return ws.abort(error1).then(() => {
    assert_true(signal.aborted, "the controller's signal is aborted");
    assert_equals(signal.reason, error1);
    assert_equals(fired, 1);
  });
}, "WritableStreamDefaultController.signal aborts with the abort reason");

promise_test((t) => {
  const ws = new WritableStream({ start(c) { c.error(error1); } });
  const writer = ws.getWriter();
  return promise_rejects_exactly(t, error1, writer.closed).then(() => writer.abort(error2)).then((v) => assert_equals(v, undefined));
}, "abort() on an errored stream resolves without calling the sink");

// backpressure.any.js
promise_test(() => {
  let resolveWrite;
  const ws = new WritableStream({ write() { return new Promise((r) => { resolveWrite = r; }); } }, { highWaterMark: 2 });
  const writer = ws.getWriter();
  return writer.ready.then(() => {
    writer.write("a");
    assert_equals(writer.desiredSize, 1);
    writer.write("b");
    assert_equals(writer.desiredSize, 0);
    let readyResolved = false;
    writer.ready.then(() => { readyResolved = true; });
    return flushAsyncEvents().then(() => {
      assert_false(readyResolved, "ready waits while the queue is full");
      resolveWrite();
      return writer.ready;
    }).then(() => assert_equals(writer.desiredSize, 1));
  });
}, "Writing enough to fill the queue makes ready pending until a write finishes");

promise_test(() => {
  const ws = new WritableStream({}, new CountQueuingStrategy({ highWaterMark: 0 }));
  const writer = ws.getWriter();
  let readyResolved = false;
  writer.ready.then(() => { readyResolved = true; });
  assert_equals(writer.desiredSize, 0);
  return flushAsyncEvents().then(() => assert_false(readyResolved, "with a HWM of 0 there is always backpressure"));
}, "Backpressure with a highWaterMark of 0: ready stays pending");

promise_test(() => {
  const ws = new WritableStream({}, { highWaterMark: 10, size(c) { return c.length; } });
  const writer = ws.getWriter();
  writer.write("abcd");
  assert_equals(writer.desiredSize, 6, "desiredSize uses the strategy's size");
  return writer.ready;
}, "desiredSize reflects the size() of queued chunks");

test(() => {
  assert_throws_js(RangeError, () => new WritableStream({}, { highWaterMark: -1 }));
  assert_throws_js(TypeError, () => new WritableStream({ write: 5 }));
  assert_throws_js(RangeError, () => new WritableStream({ type: "bytes" }));
  assert_throws_js(TypeError, () => new WritableStreamDefaultController());
  assert_class_string(new WritableStream(), "WritableStream");
  assert_class_string(new WritableStream().getWriter(), "WritableStreamDefaultWriter");
  const proto = WritableStreamDefaultWriter.prototype;
  for (const m of ["abort", "close", "releaseLock", "write"]) assert_equals(typeof proto[m], "function", m);
  for (const g of ["closed", "desiredSize", "ready"]) assert_equals(typeof Object.getOwnPropertyDescriptor(proto, g).get, "function", g);
}, "WritableStream: constructor argument checks and properties");

promise_test((t) => {
  const ws = new WritableStream();
  const writer = ws.getWriter();
  writer.releaseLock();
  assert_throws_js(TypeError, () => writer.desiredSize);
  return Promise.all([
    promise_rejects_js(t, TypeError, writer.closed),
    promise_rejects_js(t, TypeError, writer.ready),
    promise_rejects_js(t, TypeError, writer.write("a")),
  ]).then(() => assert_false(ws.locked));
}, "a released writer rejects everything with a TypeError");
