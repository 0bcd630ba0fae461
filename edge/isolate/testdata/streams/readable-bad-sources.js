// Ported from WPT streams/readable-streams/bad-underlying-sources.any.js.
test(() => {
  const theError = new Error("a unique string");
  assert_throws_exactly(theError, () => new ReadableStream({ get start() { throw theError; } }));
}, "Underlying source start: throwing getter");

test(() => {
  const theError = new Error("a unique string");
  assert_throws_exactly(theError, () => new ReadableStream({ start() { throw theError; } }));
}, "Underlying source start: throwing method");

test(() => {
  const theError = new Error("a unique string");
  assert_throws_exactly(theError, () => new ReadableStream({ get pull() { throw theError; } }));
}, "Underlying source: throwing pull getter (initial pull)");

promise_test((t) => {
  const theError = new Error("a unique string");
  const rs = new ReadableStream({ pull() { throw theError; } });
  return promise_rejects_exactly(t, theError, rs.getReader().closed);
}, "Underlying source: throwing pull method (initial pull)");

promise_test(() => {
  const theError = new Error("a unique string");
  let counter = 0;
  const rs = new ReadableStream({
    get pull() {
      ++counter;
      if (counter === 1) return (c) => c.enqueue("a");
      throw theError;
    },
  });
  const reader = rs.getReader();
  return Promise.all([
    reader.read().then((r) => assert_object_equals(r, { value: "a", done: false })),
    reader.read().then((r) => {
      assert_object_equals(r, { value: "a", done: false });
      assert_equals(counter, 1, "the getter is read once");
    }),
  ]);
}, "Underlying source pull: throwing getter (second pull does not result in a second get)");

promise_test((t) => {
  const theError = new Error("a unique string");
  let counter = 0;
  const rs = new ReadableStream({
    pull(c) {
      ++counter;
      if (counter === 1) { c.enqueue("a"); return; }
      throw theError;
    },
  });
  const reader = rs.getReader();
  return Promise.all([
    reader.read().then((r) => assert_object_equals(r, { value: "a", done: false })),
    promise_rejects_exactly(t, theError, reader.closed),
  ]);
}, "Underlying source pull: throwing method (second pull)");

test(() => {
  const theError = new Error("a unique string");
  assert_throws_exactly(theError, () => new ReadableStream({ get cancel() { throw theError; } }));
}, "Underlying source cancel: throwing getter");

promise_test((t) => {
  const theError = new Error("a unique string");
  const rs = new ReadableStream({ cancel() { throw theError; } });
  return promise_rejects_exactly(t, theError, rs.cancel());
}, "Underlying source cancel: throwing method");

promise_test(() => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  rs.cancel();
  assert_throws_js(TypeError, () => controller.enqueue("a"));
  return rs.getReader().closed;
}, "Underlying source: calling enqueue on an empty canceled stream should throw");

promise_test(() => {
  let controller;
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); controller = c; } });
  rs.cancel();
  assert_throws_js(TypeError, () => controller.enqueue("c"));
  return rs.getReader().closed;
}, "Underlying source: calling enqueue on a non-empty canceled stream should throw");

promise_test(() => new ReadableStream({
  start(c) { c.close(); assert_throws_js(TypeError, () => c.enqueue("a")); },
}).getReader().closed, "Underlying source: calling enqueue on a closed stream should throw");

promise_test((t) => {
  const theError = new Error("boo");
  const closed = new ReadableStream({
    start(c) { c.error(theError); assert_throws_js(TypeError, () => c.enqueue("a")); },
  }).getReader().closed;
  return promise_rejects_exactly(t, theError, closed);
}, "Underlying source: calling enqueue on an errored stream should throw");

promise_test(() => new ReadableStream({
  start(c) { c.close(); assert_throws_js(TypeError, () => c.close()); },
}).getReader().closed, "Underlying source: calling close twice on an empty stream should throw the second time");

promise_test(() => {
  let startCalled = false, readCalled = false;
  const reader = new ReadableStream({
    start(c) {
      c.enqueue("a");
      c.close();
      assert_throws_js(TypeError, () => c.close());
      startCalled = true;
    },
  }).getReader();
  return Promise.all([
    reader.read().then((r) => { assert_object_equals(r, { value: "a", done: false }); readCalled = true; }),
    reader.closed.then(() => { assert_true(startCalled); assert_true(readCalled); }),
  ]);
}, "Underlying source: calling close twice on a non-empty stream should throw the second time");

promise_test(() => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; c.enqueue("a"); } });
  rs.cancel();
  assert_throws_js(TypeError, () => controller.close());
  return rs.getReader().closed;
}, "Underlying source: calling close on a non-empty canceled stream should throw");

promise_test(() => {
  const theError = new Error("boo");
  const closed = new ReadableStream({
    start(c) { c.error(theError); assert_throws_js(TypeError, () => c.close()); },
  }).getReader().closed;
  return closed.then(() => assert_unreached(), (e) => assert_equals(e, theError));
}, "Underlying source: calling close after error should throw");

promise_test(() => {
  const theError = new Error("boo");
  const closed = new ReadableStream({ start(c) { c.error(theError); c.error(); } }).getReader().closed;
  return closed.then(() => assert_unreached(), (e) => assert_equals(e, theError));
}, "Underlying source: calling error twice should not throw");

promise_test(() => new ReadableStream({ start(c) { c.close(); c.error(); } }).getReader().closed,
  "Underlying source: calling error after close should not throw");

promise_test(() => {
  const firstError = new Error("1"), secondError = new Error("2");
  const closed = new ReadableStream({
    start(c) { c.error(firstError); return Promise.reject(secondError); },
  }).getReader().closed;
  return closed.then(() => assert_unreached(), (e) => assert_equals(e, firstError));
}, "Underlying source: calling error and returning a rejected promise from start should cause the stream to error with the first error");

promise_test(() => {
  const firstError = new Error("1"), secondError = new Error("2");
  const closed = new ReadableStream({
    pull(c) { c.error(firstError); return Promise.reject(secondError); },
  }).getReader().closed;
  return closed.then(() => assert_unreached(), (e) => assert_equals(e, firstError));
}, "Underlying source: calling error and returning a rejected promise from pull should cause the stream to error with the first error");

promise_test((t) => {
  const error1 = { name: "error1" };
  let pullShouldThrow = false;
  const rs = new ReadableStream({
    pull(controller) {
      if (pullShouldThrow) throw error1;
      controller.enqueue(0);
    },
  }, new CountQueuingStrategy({ highWaterMark: 1 }));
  const reader = rs.getReader();
  return Promise.resolve().then(() => {
    pullShouldThrow = true;
    return Promise.all([reader.read(), promise_rejects_exactly(t, error1, reader.closed)]);
  });
}, "read should not error if it dequeues and pull() throws");

promise_test((t) => {
  const theError = new Error("size");
  const rs = new ReadableStream({
    start(c) { assert_throws_exactly(theError, () => c.enqueue("a")); },
  }, { size() { throw theError; }, highWaterMark: 5 });
  return promise_rejects_exactly(t, theError, rs.getReader().closed);
}, "Underlying source: a throwing size() errors the stream and enqueue rethrows");

promise_test((t) => {
  const rs = new ReadableStream({
    start(c) { assert_throws_js(RangeError, () => c.enqueue("a")); },
  }, { size() { return -1; }, highWaterMark: 5 });
  return promise_rejects_js(t, RangeError, rs.getReader().closed);
}, "Underlying source: a negative size errors the stream with a RangeError");
