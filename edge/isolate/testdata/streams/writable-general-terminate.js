// Ported from WPT streams/writable-streams/general.any.js and
// streams/transform-streams/terminate.any.js.
const error1 = new Error("error1");
error1.name = "error1";

test(() => {
  const writer = new WritableStream({}).getWriter();
  assert_equals(writer.desiredSize, 1);
  writer.releaseLock();
  assert_throws_js(TypeError, () => writer.desiredSize);
}, "desiredSize initial value, and on a released writer");

promise_test(() => {
  const writer = new WritableStream({}).getWriter();
  writer.close();
  return writer.closed.then(() => assert_equals(writer.desiredSize, 0));
}, "desiredSize on a writer for a closed stream");

test(() => {
  const writer = new WritableStream({ start(c) { c.error(); } }).getWriter();
  assert_equals(writer.desiredSize, null);
}, "desiredSize on a writer for an errored stream");

test(() => {
  const ws = new WritableStream({});
  const writer = ws.getWriter();
  writer.close();
  writer.releaseLock();
  ws.getWriter();
}, "ws.getWriter() on a closing WritableStream");

promise_test(() => {
  const ws = new WritableStream({});
  const writer = ws.getWriter();
  return writer.close().then(() => { writer.releaseLock(); ws.getWriter(); });
}, "ws.getWriter() on a closed WritableStream");

test(() => {
  const ws = new WritableStream({});
  const writer = ws.getWriter();
  writer.abort();
  writer.releaseLock();
  ws.getWriter();
}, "ws.getWriter() on an aborted WritableStream");

promise_test(() => {
  const ws = new WritableStream({ start(c) { c.error(); } });
  const writer = ws.getWriter();
  return writer.closed.then((v) => assert_unreached("closed fulfilled with " + v), () => { writer.releaseLock(); ws.getWriter(); });
}, "ws.getWriter() on an errored WritableStream");

promise_test(() => {
  const writer = new WritableStream({}).getWriter();
  writer.releaseLock();
  return writer.closed.then((v) => assert_unreached("closed fulfilled with " + v), (closedRejection) => {
    assert_equals(closedRejection.name, "TypeError");
    return writer.ready.then((v) => assert_unreached("ready fulfilled with " + v),
      (readyRejection) => assert_equals(readyRejection, closedRejection, "ready rejects with the same error"));
  });
}, "closed and ready on a released writer");

promise_test(() => {
  let thisObject = null;
  class Sink {
    start() { assert_equals(this, thisObject); }
    write() { assert_equals(this, thisObject); }
    close() { assert_equals(this, thisObject); }
    abort() { assert_equals(this, thisObject); }
  }
  const theSink = new Sink();
  thisObject = theSink;
  const writer = new WritableStream(theSink).getWriter();
  writer.write("a");
  const closePromise = writer.close();
  const abortPromise = new WritableStream(theSink).getWriter().abort();
  return Promise.all([closePromise, abortPromise]);
}, "WritableStream should call underlying sink methods as methods");

promise_test((t) => {
  function functionWithOverloads() {}
  functionWithOverloads.apply = t.unreached_func("apply() should not be called");
  functionWithOverloads.call = t.unreached_func("call() should not be called");
  const underlyingSink = { start: functionWithOverloads, write: functionWithOverloads, close: functionWithOverloads, abort: functionWithOverloads };
  const writer1 = new WritableStream(underlyingSink).getWriter();
  writer1.write("a");
  writer1.close();
  const abortError = new Error();
  abortError.name = "abort error";
  const writer2 = new WritableStream(underlyingSink).getWriter();
  writer2.abort(abortError);
  const writer3 = new WritableStream({ start: functionWithOverloads, write: functionWithOverloads, close: functionWithOverloads }).getWriter();
  writer3.abort(abortError);
  return writer1.closed
    .then(() => promise_rejects_exactly(t, abortError, writer2.closed))
    .then(() => promise_rejects_exactly(t, abortError, writer3.closed));
}, "methods should not not have .apply() or .call() called");

promise_test(() => {
  const ws = new WritableStream({}, { size() { if (this !== undefined) throw new Error("size called as a method"); return 1; } });
  return ws.getWriter().write("a");
}, "WritableStream's strategy.size should not be called as a method");

promise_test(() => {
  const ws = new WritableStream();
  const writer1 = ws.getWriter();
  assert_equals(undefined, writer1.releaseLock());
  const writer2 = ws.getWriter();
  assert_equals(undefined, writer1.releaseLock());
  return writer2.ready;
}, "redundant releaseLock() is no-op");

promise_test(() => {
  const events = [];
  const ws = new WritableStream();
  const writer = ws.getWriter();
  return writer.ready.then(() => {
    const writerPromise = writer.write("dummy");
    const readyPromise = writer.ready.catch(() => events.push("ready"));
    const closedPromise = writer.closed.catch(() => events.push("closed"));
    writer.releaseLock();
    return Promise.all([readyPromise, closedPromise]).then(() => {
      assert_array_equals(events, ["ready", "closed"], "ready promise should fire before closed promise");
      return Promise.all([writerPromise, ws.abort()]);
    });
  });
}, "ready promise should fire before closed on releaseLock");

// terminate.any.js
promise_test((t) => {
  const ts = recordingTransformStream({}, undefined, { highWaterMark: 0 });
  const rs = new ReadableStream({ start(controller) { controller.enqueue(0); } });
  let pipeToRejected = false;
  const pipeToPromise = promise_rejects_js(t, TypeError, rs.pipeTo(ts.writable)).then(() => { pipeToRejected = true; });
  return delay(0).then(() => {
    assert_array_equals(ts.events, []);
    assert_false(pipeToRejected);
    ts.controller.terminate();
    return pipeToPromise;
  }).then(() => {
    assert_array_equals(ts.events, []);
    assert_true(pipeToRejected);
  });
}, "controller.terminate() should error pipeTo()");

promise_test((t) => {
  const ts = recordingTransformStream({}, undefined, { highWaterMark: 1 });
  const rs = new ReadableStream({ start(controller) { controller.enqueue(0); controller.enqueue(1); } });
  const pipeToPromise = rs.pipeTo(ts.writable);
  return delay(0).then(() => {
    assert_array_equals(ts.events, ["transform", 0]);
    ts.controller.terminate();
    return promise_rejects_js(t, TypeError, pipeToPromise);
  }).then(() => assert_array_equals(ts.events, ["transform", 0]));
}, "controller.terminate() should prevent remaining chunks from being processed");

test(() => {
  new TransformStream({
    start(controller) {
      controller.enqueue(0);
      controller.terminate();
      assert_throws_js(TypeError, () => controller.enqueue(1));
    },
  });
}, "controller.enqueue() should throw after controller.terminate()");

promise_test((t) => {
  const ts = new TransformStream({
    start(controller) {
      controller.enqueue(0);
      controller.terminate();
      controller.error(error1);
    },
  });
  return Promise.all([
    promise_rejects_js(t, TypeError, ts.writable.abort()),
    promise_rejects_exactly(t, error1, ts.readable.cancel()),
    promise_rejects_exactly(t, error1, ts.readable.getReader().closed),
  ]);
}, "controller.error() after controller.terminate() with queued chunk should error the readable");

promise_test((t) => {
  const ts = new TransformStream({ start(controller) { controller.terminate(); controller.error(error1); } });
  return Promise.all([
    promise_rejects_js(t, TypeError, ts.writable.abort()),
    ts.readable.cancel(),
    ts.readable.getReader().closed,
  ]);
}, "controller.error() after controller.terminate() without queued chunk should do nothing");

promise_test(() => {
  const ts = new TransformStream({ flush(controller) { controller.terminate(); } });
  const writer = ts.writable.getWriter();
  return Promise.all([writer.close(), writer.closed, ts.readable.getReader().closed]);
}, "controller.terminate() inside flush() should not prevent writer.close() from succeeding");
