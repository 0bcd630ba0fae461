// Ported from WPT streams/readable-streams/general.any.js (with a few
// cases of bad-strategies, default-reader, brand-checks and
// queuing-strategies), in the current spec's order: a stream that errors
// rejects its reader's closed promise before its pending reads.
const error1 = new Error("error1");
error1.name = "error1";

test(() => {
  new ReadableStream();
  new ReadableStream({});
  new ReadableStream({ type: undefined });
  new ReadableStream(undefined);
}, "ReadableStream can be constructed with no errors");

test(() => {
  assert_throws_js(TypeError, () => new ReadableStream({ type: null }));
  assert_throws_js(TypeError, () => new ReadableStream({ type: "" }));
  assert_throws_js(TypeError, () => new ReadableStream({ type: "asdf" }));
  assert_throws_exactly(error1, () => new ReadableStream({ type: { toString() { throw error1; } } }));
}, "ReadableStream can't be constructed with an invalid type");

test(() => {
  const methods = ["cancel", "constructor", "getReader", "pipeThrough", "pipeTo", "tee", "values"];
  const proto = ReadableStream.prototype;
  for (const m of methods) {
    const d = Object.getOwnPropertyDescriptor(proto, m);
    assert_false(d.enumerable, m + " non-enumerable");
    assert_true(d.configurable, m + " configurable");
    assert_true(d.writable, m + " writable");
    assert_equals(proto[m].name, m === "constructor" ? "ReadableStream" : m);
  }
  const locked = Object.getOwnPropertyDescriptor(proto, "locked");
  assert_equals(typeof locked.get, "function");
  assert_equals(locked.set, undefined);
  assert_equals(proto.cancel.length, 1, "cancel length");
  assert_equals(ReadableStream.length, 0, "constructor length");
  assert_equals(proto.getReader.length, 0, "getReader length");
  assert_equals(proto.pipeThrough.length, 1, "pipeThrough length");
  assert_equals(proto.pipeTo.length, 1, "pipeTo length");
  assert_equals(proto.tee.length, 0, "tee length");
  assert_class_string(new ReadableStream(), "ReadableStream");
}, "ReadableStream instances should have the correct list of properties");

test(() => {
  assert_throws_js(TypeError, () => new ReadableStream({ start: "potato" }));
  assert_throws_js(TypeError, () => new ReadableStream({ cancel: "2" }));
  assert_throws_js(TypeError, () => new ReadableStream({ pull: {} }));
}, "ReadableStream constructor should throw for non-function start, cancel, pull");

test(() => {
  let startCalled = false;
  const source = {
    start(controller) {
      assert_equals(this, source, "source is this during start");
      assert_class_string(controller, "ReadableStreamDefaultController");
      assert_equals(controller.close.length, 0);
      assert_equals(controller.enqueue.length, 1);
      assert_equals(controller.error.length, 1);
      controller.test = "";
      assert_not_equals(Object.getOwnPropertyNames(controller).indexOf("test"), -1, "controller is extensible");
      startCalled = true;
    },
  };
  new ReadableStream(source);
  assert_true(startCalled);
}, "ReadableStream start should be called with the proper parameters");

test(() => {
  new ReadableStream().getReader(undefined);
  new ReadableStream().getReader({});
  new ReadableStream().getReader({ mode: undefined, notmode: "ignored" });
  assert_throws_js(TypeError, () => new ReadableStream().getReader({ mode: "potato" }));
}, "default ReadableStream getReader() should only accept mode:undefined");

promise_test(() => {
  function SimpleStreamSource() {}
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  SimpleStreamSource.prototype = { start: resolve };
  new ReadableStream(new SimpleStreamSource());
  return promise;
}, "ReadableStream should be able to call start method within prototype chain of its source");

promise_test(() => {
  const rs = new ReadableStream({
    start(c) {
      return delay(5).then(() => { c.enqueue("a"); c.close(); });
    },
  });
  const reader = rs.getReader();
  return reader.read().then((r) => {
    assert_object_equals(r, { value: "a", done: false });
    return reader.closed;
  });
}, "ReadableStream start should be able to return a promise");

promise_test(() => {
  const theError = new Error("rejected!");
  const rs = new ReadableStream({ start() { return delay(1).then(() => { throw theError; }); } });
  return rs.getReader().closed.then(() => assert_unreached("closed should reject"), (e) => assert_equals(e, theError));
}, "ReadableStream start should be able to return a promise and reject it");

promise_test(() => {
  const objects = [{ potato: "Give me more!" }, "test", 1];
  const rs = new ReadableStream({ start(c) { for (const o of objects) c.enqueue(o); c.close(); } });
  const reader = rs.getReader();
  return Promise.all([reader.read(), reader.read(), reader.read(), reader.closed]).then((r) => {
    assert_object_equals(r[0], { value: objects[0], done: false });
    assert_object_equals(r[1], { value: objects[1], done: false });
    assert_object_equals(r[2], { value: objects[2], done: false });
  });
}, "ReadableStream should be able to enqueue different objects.");

promise_test(() => {
  const error = new Error("pull failure");
  const rs = new ReadableStream({ pull() { return Promise.reject(error); } });
  const reader = rs.getReader();
  let closed = false, read = false;
  return Promise.all([
    reader.closed.then(() => assert_unreached("closed should be rejected"), (e) => {
      closed = true;
      assert_false(read);
      assert_equals(e, error);
    }),
    reader.read().then(() => assert_unreached("read() should be rejected"), (e) => {
      read = true;
      assert_true(closed);
      assert_equals(e, error);
    }),
  ]);
}, "ReadableStream: if pull rejects, it should error the stream");

promise_test(() => {
  let pullCount = 0;
  const startPromise = Promise.resolve();
  new ReadableStream({ start() { return startPromise; }, pull() { pullCount++; } });
  return startPromise.then(() => {
    assert_equals(pullCount, 1, "pull should be called once start finishes");
    return delay(10);
  }).then(() => assert_equals(pullCount, 1, "pull should be called exactly once"));
}, "ReadableStream: should only call pull once upon starting the stream");

promise_test(() => {
  let pullCount = 0;
  const startPromise = Promise.resolve();
  const rs = new ReadableStream({
    start() { return startPromise; },
    pull(c) { if (pullCount > 0) c.enqueue(pullCount); ++pullCount; },
  });
  return startPromise.then(() => {
    assert_equals(pullCount, 1);
  }).then(() => {
    const reader = rs.getReader();
    const read = reader.read();
    assert_equals(pullCount, 2, "pull should be called when read is called");
    return read;
  }).then((result) => {
    assert_equals(pullCount, 3, "pull should be called again in reaction to calling read");
    assert_object_equals(result, { value: 1, done: false });
  });
}, "ReadableStream: should call pull when trying to read from a started, empty stream");

promise_test(() => {
  let pullCount = 0;
  const startPromise = Promise.resolve();
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); return startPromise; }, pull() { pullCount++; } });
  const read = rs.getReader().read();
  assert_equals(pullCount, 0, "calling read() should not cause pull to be called yet");
  return startPromise.then(() => {
    assert_equals(pullCount, 1, "pull should be called once start finishes");
    return read;
  }).then((r) => {
    assert_object_equals(r, { value: "a", done: false });
    assert_equals(pullCount, 1);
    return delay(10);
  }).then(() => assert_equals(pullCount, 1));
}, "ReadableStream: should only call pull once on a non-empty stream read from before start fulfills");

promise_test(() => {
  let pullCount = 0;
  const startPromise = Promise.resolve();
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); return startPromise; }, pull() { pullCount++; } });
  return startPromise.then(() => {
    assert_equals(pullCount, 0, "pull should not be called once start finishes, since the queue is full");
    const read = rs.getReader().read();
    assert_equals(pullCount, 1, "calling read() should cause pull to be called immediately");
    return read;
  }).then((r) => {
    assert_object_equals(r, { value: "a", done: false });
    return delay(10);
  }).then(() => assert_equals(pullCount, 1));
}, "ReadableStream: should only call pull once on a non-empty stream read from after start fulfills");

promise_test(() => {
  let pullCount = 0, controller;
  const startPromise = Promise.resolve();
  const rs = new ReadableStream({ start(c) { controller = c; return startPromise; }, pull() { ++pullCount; } });
  const reader = rs.getReader();
  return startPromise.then(() => {
    assert_equals(pullCount, 1);
    controller.enqueue("a");
    assert_equals(pullCount, 1);
    return reader.read();
  }).then(() => {
    assert_equals(pullCount, 2, "pull should have been called again after read");
    return delay(10);
  }).then(() => assert_equals(pullCount, 2));
}, "ReadableStream: should call pull in reaction to read()ing the last chunk, if not draining");

promise_test(() => {
  let pullCount = 0, controller;
  const startPromise = Promise.resolve();
  const rs = new ReadableStream({ start(c) { controller = c; return startPromise; }, pull() { ++pullCount; } });
  const reader = rs.getReader();
  return startPromise.then(() => {
    assert_equals(pullCount, 1);
    controller.enqueue("a");
    controller.close();
    return reader.read();
  }).then(() => {
    assert_equals(pullCount, 1, "pull should not have been called a second time after read");
    return delay(10);
  }).then(() => assert_equals(pullCount, 1));
}, "ReadableStream: should not call pull() in reaction to read()ing the last chunk, if draining");

promise_test(() => {
  let resolve, returnedPromise, timesCalled = 0;
  const startPromise = Promise.resolve();
  const rs = new ReadableStream({
    start() { return startPromise; },
    pull(c) {
      c.enqueue(++timesCalled);
      returnedPromise = new Promise((r) => (resolve = r));
      return returnedPromise;
    },
  });
  const reader = rs.getReader();
  return startPromise.then(() => reader.read()).then((result1) => {
    assert_equals(timesCalled, 1);
    assert_object_equals(result1, { value: 1, done: false });
    return delay(10);
  }).then(() => {
    assert_equals(timesCalled, 1, "after 10 ms, pull should still only have been called once");
    resolve();
    return returnedPromise;
  }).then(() => assert_equals(timesCalled, 2, "pull is called again once its promise fulfills"));
}, "ReadableStream: should not call pull until the previous pull call's promise fulfills");

promise_test(() => {
  let timesCalled = 0;
  const startPromise = Promise.resolve();
  const rs = new ReadableStream({
    start(c) { c.enqueue("a"); c.enqueue("b"); c.enqueue("c"); return startPromise; },
    pull() { ++timesCalled; },
  }, { size() { return 1; }, highWaterMark: Infinity });
  const reader = rs.getReader();
  return startPromise.then(() => reader.read()).then((r1) => {
    assert_object_equals(r1, { value: "a", done: false });
    return reader.read();
  }).then((r2) => {
    assert_object_equals(r2, { value: "b", done: false });
    return reader.read();
  }).then((r3) => {
    assert_object_equals(r3, { value: "c", done: false });
    return delay(10);
  }).then(() => assert_equals(timesCalled, 4, "pull() should be called exactly four times"));
}, "ReadableStream: should pull after start, and after every read");

promise_test(() => {
  let timesCalled = 0;
  const startPromise = Promise.resolve();
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.close(); return startPromise; }, pull() { ++timesCalled; } });
  const reader = rs.getReader();
  return startPromise.then(() => {
    assert_equals(timesCalled, 0);
    return reader.read();
  }).then(() => {
    assert_equals(timesCalled, 0);
    return reader.closed;
  }).then(() => assert_equals(timesCalled, 0));
}, "ReadableStream: should not call pull after start if the stream is now closed");

promise_test(() => {
  let timesCalled = 0, resolve;
  const ready = new Promise((r) => (resolve = r));
  new ReadableStream({
    start() {},
    pull(c) { c.enqueue(++timesCalled); if (timesCalled === 4) resolve(); },
  }, { size() { return 1; }, highWaterMark: 4 });
  return ready.then(() => delay(10)).then(() => assert_equals(timesCalled, 4, "pull() should have been called four times"));
}, "ReadableStream: should call pull after enqueueing from inside pull (with no read requests), if strategy allows");

promise_test(() => {
  let pullCalled = false;
  const rs = new ReadableStream({ pull(c) { pullCalled = true; c.close(); } });
  return rs.getReader().closed.then(() => assert_true(pullCalled));
}, "ReadableStream pull should be able to close a stream.");

promise_test((t) => {
  const controllerError = { name: "controller error" };
  const rs = new ReadableStream({ pull(c) { c.error(controllerError); } });
  return promise_rejects_exactly(t, controllerError, rs.getReader().closed);
}, "ReadableStream pull should be able to error a stream.");

promise_test((t) => {
  const controllerError = { name: "controller error" };
  const thrownError = { name: "thrown error" };
  const rs = new ReadableStream({ pull(c) { c.error(controllerError); throw thrownError; } });
  return promise_rejects_exactly(t, controllerError, rs.getReader().closed);
}, "ReadableStream pull should be able to error a stream and throw.");

test(() => {
  let startCalled = false;
  new ReadableStream({
    start(c) {
      assert_equals(c.enqueue("a"), undefined);
      c.close();
      assert_throws_js(TypeError, () => c.enqueue("b"), "enqueue after close should throw a TypeError");
      startCalled = true;
    },
  });
  assert_true(startCalled);
}, "ReadableStream: enqueue should throw when the stream is readable but draining");

test(() => {
  let startCalled = false;
  new ReadableStream({
    start(c) {
      c.close();
      assert_throws_js(TypeError, () => c.enqueue("a"));
      startCalled = true;
    },
  });
  assert_true(startCalled);
}, "ReadableStream: enqueue should throw when the stream is closed");

promise_test(() => {
  let startCalled = 0, pullCalled = 0, cancelCalled = 0;
  class Source {
    start(c) { startCalled++; assert_equals(this, theSource); c.enqueue("a"); }
    pull() { pullCalled++; assert_equals(this, theSource); }
    cancel() { cancelCalled++; assert_equals(this, theSource); }
  }
  const theSource = new Source();
  const rs = new ReadableStream(theSource);
  const reader = rs.getReader();
  return reader.read().then(() => {
    reader.releaseLock();
    rs.cancel();
    assert_equals(startCalled, 1);
    assert_equals(pullCalled, 1);
    assert_equals(cancelCalled, 1);
    return rs.getReader().closed;
  });
}, "ReadableStream: should call underlying source methods as methods");

test(() => {
  new ReadableStream({
    start(c) {
      assert_equals(c.desiredSize, 10);
      c.close();
      assert_equals(c.desiredSize, 0);
    },
  }, { highWaterMark: 10 });
}, "ReadableStream: desiredSize when closed");

test(() => {
  new ReadableStream({
    start(c) {
      assert_equals(c.desiredSize, 10);
      c.error();
      assert_equals(c.desiredSize, null);
    },
  }, { highWaterMark: 10 });
}, "ReadableStream: desiredSize when errored");

test(() => {
  class Extended extends ReadableStream { newMethod() { return "foo"; } }
  const e = new Extended();
  assert_equals(e.newMethod(), "foo");
  assert_false(e.locked);
}, "ReadableStream: ReadableStream is extendable");

test(() => {
  let startCalled = false;
  new ReadableStream({
    start(c) {
      assert_equals(c.desiredSize, 1);
      c.enqueue("a");
      assert_equals(c.desiredSize, 0);
      c.enqueue("b");
      assert_equals(c.desiredSize, -1);
      c.enqueue("c");
      assert_equals(c.desiredSize, -2);
      startCalled = true;
    },
  });
  assert_true(startCalled);
}, "ReadableStream strategies: the default strategy should give desiredSize of 1 to start, decreasing by 1 per enqueue");

promise_test(() => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  const reader = rs.getReader();
  assert_equals(controller.desiredSize, 1);
  controller.enqueue("a");
  assert_equals(controller.desiredSize, 0);
  return reader.read().then((r1) => {
    assert_object_equals(r1, { value: "a", done: false });
    assert_equals(controller.desiredSize, 1);
    controller.enqueue("b");
    assert_equals(controller.desiredSize, 0);
    return reader.read();
  }).then((r2) => {
    assert_object_equals(r2, { value: "b", done: false });
    assert_equals(controller.desiredSize, 1);
  });
}, "ReadableStream strategies: the default strategy should continue giving desiredSize of 1 if the chunks are read immediately");

promise_test(() => {
  const rs = sequentialReadableStream(10);
  return readableStreamToArray(rs).then((chunks) => {
    assert_true(rs.source.closed);
    assert_array_equals(chunks, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
}, "ReadableStream integration test: adapting a sync pull source");

promise_test(() => {
  const rs = sequentialReadableStream(10, { async: true });
  return readableStreamToArray(rs).then((chunks) => {
    assert_true(rs.source.closed);
    assert_array_equals(chunks, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
}, "ReadableStream integration test: adapting an async pull source");

test(() => {
  assert_throws_js(RangeError, () => new ReadableStream({}, { highWaterMark: -1 }));
  assert_throws_js(RangeError, () => new ReadableStream({}, { highWaterMark: NaN }));
  assert_throws_js(TypeError, () => new ReadableStream({}, { size: 1 }));
  assert_throws_js(RangeError, () => new ReadableStream({ type: "bytes" }, { size() { return 1; } }));
}, "ReadableStream: bad strategies throw (bad-strategies.any.js)");

test(() => {
  const rs = new ReadableStream();
  const reader = rs.getReader();
  assert_true(rs.locked);
  assert_throws_js(TypeError, () => rs.getReader(), "a second reader");
  assert_throws_js(TypeError, () => new ReadableStreamDefaultReader(rs));
  reader.releaseLock();
  assert_false(rs.locked);
  assert_throws_js(TypeError, () => new ReadableStreamDefaultController(), "no public controller constructor");
  assert_throws_js(TypeError, () => ReadableStream.prototype.getReader.call({}), "brand check");
  assert_throws_js(TypeError, () => Object.getOwnPropertyDescriptor(ReadableStream.prototype, "locked").get.call(Object.create(rs)));
}, "ReadableStream: locking and brand checks (default-reader.any.js, brand-checks.any.js)");

promise_test((t) => {
  const rs = new ReadableStream();
  rs.getReader();
  return Promise.all([
    promise_rejects_js(t, TypeError, rs.cancel(), "cancel of a locked stream"),
    promise_rejects_js(t, TypeError, ReadableStream.prototype.cancel.call({}), "cancel brand check"),
    promise_rejects_js(t, TypeError, ReadableStreamDefaultReader.prototype.read.call({}), "read brand check"),
  ]);
}, "ReadableStream: cancel of a locked stream and brand checks reject with TypeError");

promise_test((t) => {
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); } });
  const reader = rs.getReader();
  const read1 = reader.read();
  reader.releaseLock();
  return Promise.all([
    read1.then((r) => assert_object_equals(r, { value: "a", done: false })),
    promise_rejects_js(t, TypeError, reader.read(), "read after releaseLock"),
    promise_rejects_js(t, TypeError, reader.closed, "closed after releaseLock"),
  ]);
}, "ReadableStreamDefaultReader: releaseLock rejects closed and later reads with TypeError");

promise_test((t) => {
  const rs = new ReadableStream();
  const reader = rs.getReader();
  const read = reader.read();
  reader.releaseLock();
  return promise_rejects_js(t, TypeError, read, "a pending read rejects on releaseLock");
}, "ReadableStreamDefaultReader: releaseLock rejects pending reads");

test(() => {
  const s1 = new CountQueuingStrategy({ highWaterMark: 4 });
  assert_equals(s1.highWaterMark, 4);
  assert_equals(s1.size("x"), 1);
  assert_equals(s1.size.name, "size");
  const s2 = new ByteLengthQueuingStrategy({ highWaterMark: 16 });
  assert_equals(s2.size(new Uint8Array(5)), 5);
  assert_equals(s2.size({ byteLength: 7 }), 7);
  assert_throws_js(TypeError, () => new CountQueuingStrategy());
  assert_throws_js(TypeError, () => new CountQueuingStrategy({}));
  assert_class_string(s1, "CountQueuingStrategy");
  assert_class_string(s2, "ByteLengthQueuingStrategy");
  assert_equals(new CountQueuingStrategy({ highWaterMark: 1 }).size, s1.size, "size is one function");
}, "CountQueuingStrategy and ByteLengthQueuingStrategy (queuing-strategies.any.js)");

promise_test(() => {
  const rs = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(3)); c.enqueue(new Uint8Array(5)); } },
    new ByteLengthQueuingStrategy({ highWaterMark: 10 }));
  let controller;
  new ReadableStream({ start(c) { controller = c; } }, new ByteLengthQueuingStrategy({ highWaterMark: 10 }));
  controller.enqueue(new Uint8Array(4));
  assert_equals(controller.desiredSize, 6);
  return rs.getReader().read().then((r) => assert_equals(r.value.length, 3));
}, "ByteLengthQueuingStrategy sizes chunks by byteLength");
