// Ported from WPT streams/readable-streams/default-reader.any.js (the
// reader is a global now, and getReader()'s bad mode is a TypeError, the
// WebIDL enum conversion's error).
test(() => {
  assert_throws_js(TypeError, () => new ReadableStreamDefaultReader("potato"));
  assert_throws_js(TypeError, () => new ReadableStreamDefaultReader({}));
  assert_throws_js(TypeError, () => new ReadableStreamDefaultReader());
}, "ReadableStreamDefaultReader constructor should get a ReadableStream object as argument");

test(() => {
  const rsReader = new ReadableStreamDefaultReader(new ReadableStream());
  const proto = Object.getPrototypeOf(rsReader);
  assert_array_equals(Object.getOwnPropertyNames(proto).sort(), ["cancel", "closed", "constructor", "read", "releaseLock"]);
  const closed = Object.getOwnPropertyDescriptor(proto, "closed");
  assert_not_equals(closed.get, undefined);
  assert_equals(closed.set, undefined);
  assert_equals(rsReader.cancel.length, 1);
  assert_equals(typeof rsReader.closed.then, "function");
  assert_equals(rsReader.constructor.length, 1);
  assert_equals(rsReader.read.length, 0);
  assert_equals(rsReader.releaseLock.length, 0);
  assert_class_string(rsReader, "ReadableStreamDefaultReader");
}, "ReadableStreamDefaultReader instances should have the correct list of properties");

test(() => {
  const rsReader = new ReadableStreamDefaultReader(new ReadableStream());
  assert_equals(rsReader.closed, rsReader.closed);
}, "ReadableStreamDefaultReader closed should always return the same promise object");

test(() => {
  const rs = new ReadableStream();
  new ReadableStreamDefaultReader(rs);
  assert_throws_js(TypeError, () => new ReadableStreamDefaultReader(rs));
  assert_throws_js(TypeError, () => rs.getReader());
  const rs2 = new ReadableStream();
  rs2.getReader();
  assert_throws_js(TypeError, () => new ReadableStreamDefaultReader(rs2));
}, "Constructing a ReadableStreamDefaultReader directly should fail if the stream is already locked");

test(() => {
  new ReadableStreamDefaultReader(new ReadableStream({ start(c) { c.close(); } }));
  new ReadableStreamDefaultReader(new ReadableStream({ start(c) { c.error(new Error("x")); } }));
}, "Constructing a ReadableStreamDefaultReader directly should be OK if the stream is closed or errored");

promise_test(() => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  const promise = rs.getReader().read().then((result) => assert_object_equals(result, { value: "a", done: false }));
  controller.enqueue("a");
  return promise;
}, "Reading from a reader for an empty stream will wait until a chunk is available");

promise_test(() => {
  let cancelCalled = false;
  const passedReason = new Error("it wasn't the right time, sorry");
  const rs = new ReadableStream({
    cancel(reason) {
      assert_true(rs.locked);
      assert_throws_js(TypeError, () => rs.getReader());
      assert_equals(reason, passedReason);
      cancelCalled = true;
    },
  });
  return rs.getReader().cancel(passedReason).then(() => assert_true(cancelCalled));
}, "cancel() on a reader does not release the reader");

promise_test((t) => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  const reader1 = rs.getReader();
  reader1.releaseLock();
  const reader2 = rs.getReader();
  controller.close();
  return Promise.all([promise_rejects_js(t, TypeError, reader1.closed), reader2.closed]);
}, "closed should be rejected after reader releases its lock (multiple stream locks)");

promise_test(() => {
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } });
  const reader1 = rs.getReader();
  const promise1 = reader1.read().then((r) => assert_object_equals(r, { value: "a", done: false }));
  reader1.releaseLock();
  const reader2 = rs.getReader();
  const promise2 = reader2.read().then((r) => assert_object_equals(r, { value: "b", done: false }));
  reader2.releaseLock();
  return Promise.all([promise1, promise2]);
}, "Multiple readers can access the stream in sequence");

promise_test(() => {
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); } });
  const reader1 = rs.getReader();
  reader1.releaseLock();
  const reader2 = rs.getReader();
  reader1.releaseLock();
  return reader2.read().then((result) => assert_object_equals(result, { value: "a", done: false }));
}, "Cannot use an already-released reader to unlock a stream again");

promise_test((t) => {
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); }, cancel() { assert_unreached("cancel"); } });
  const reader = rs.getReader();
  reader.releaseLock();
  const cancelPromise = reader.cancel();
  const readPromise = rs.getReader().read().then((r) => assert_object_equals(r, { value: "a", done: false }));
  return Promise.all([promise_rejects_js(t, TypeError, cancelPromise), readPromise]);
}, "cancel() on a released reader is a no-op and does not pass through");

promise_test((t) => {
  let controller;
  const theError = { name: "unique error" };
  const rs = new ReadableStream({ start(c) { controller = c; } });
  const reader1 = rs.getReader();
  const asserts = [promise_rejects_exactly(t, theError, reader1.closed), promise_rejects_exactly(t, theError, reader1.read())];
  assert_throws_js(TypeError, () => rs.getReader());
  controller.error(theError);
  reader1.releaseLock();
  const reader2 = rs.getReader();
  asserts.push(promise_rejects_exactly(t, theError, reader2.closed), promise_rejects_exactly(t, theError, reader2.read()));
  return Promise.all(asserts);
}, "Getting a second reader after erroring the stream and releasing the reader should succeed");

promise_test((t) => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  const promise = rs.getReader().closed.then(t.unreached_func("closed should not fulfill"), (err) => assert_equals(err, undefined));
  controller.error();
  return promise;
}, "ReadableStreamDefaultReader closed promise should be rejected with undefined if that is the error");

promise_test((t) => new ReadableStream({ start() { return Promise.reject(); } }).getReader().read().then(
  t.unreached_func("read should not fulfill"), (err) => assert_equals(err, undefined)),
"ReadableStreamDefaultReader: if start rejects with no parameter, it should error the stream with an undefined error");

promise_test((t) => {
  const theError = { name: "unique string" };
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  controller.error(theError);
  rs.getReader().releaseLock();
  return promise_rejects_exactly(t, theError, rs.getReader().closed);
}, "Erroring a ReadableStream before checking closed should reject ReadableStreamDefaultReader closed promise");

promise_test(() => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  const reader = rs.getReader();
  const promise = Promise.all([
    reader.read().then((r) => assert_object_equals(r, { value: undefined, done: true })),
    reader.read().then((r) => assert_object_equals(r, { value: undefined, done: true })),
    reader.closed,
  ]);
  controller.close();
  return promise;
}, "Reading twice on a stream that gets closed");

promise_test((t) => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  const myError = { name: "mashed potatoes" };
  controller.error(myError);
  const reader = rs.getReader();
  return Promise.all([
    promise_rejects_exactly(t, myError, reader.read()),
    promise_rejects_exactly(t, myError, reader.read()),
    promise_rejects_exactly(t, myError, reader.closed),
  ]);
}, "Reading twice on an errored stream");

promise_test((t) => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  const myError = { name: "mashed potatoes" };
  const reader = rs.getReader();
  const promise = Promise.all([
    promise_rejects_exactly(t, myError, reader.read()),
    promise_rejects_exactly(t, myError, reader.read()),
    promise_rejects_exactly(t, myError, reader.closed),
  ]);
  controller.error(myError);
  return promise;
}, "Reading twice on a stream that gets errored");

test(() => {
  const rs = new ReadableStream();
  let toStringCalled = false;
  const mode = { toString() { toStringCalled = true; return ""; } };
  assert_throws_js(TypeError, () => rs.getReader({ mode }));
  assert_true(toStringCalled, "toString() should be called");
}, "getReader() should call ToString() on mode");
