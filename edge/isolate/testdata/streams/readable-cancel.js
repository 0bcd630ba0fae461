// Ported from WPT streams/readable-streams/cancel.any.js.
test(() => {
  let recordedReason;
  const rs = new ReadableStream({ cancel(reason) { recordedReason = reason; } });
  const passedReason = new Error("Sorry, it just wasn't meant to be.");
  rs.cancel(passedReason);
  assert_equals(recordedReason, passedReason);
}, "ReadableStream cancellation: cancel(reason) should pass through the given reason to the underlying source");

promise_test(() => {
  const rs = new ReadableStream({
    start(c) { c.enqueue("a"); c.close(); },
    cancel() { assert_unreached("underlying source cancel() should not have been called"); },
  });
  const reader = rs.getReader();
  return rs.cancel().then(() => assert_unreached("cancel() should be rejected"), (e) => {
    assert_equals(e.name, "TypeError");
  }).then(() => reader.read()).then((result) => {
    assert_object_equals(result, { value: "a", done: false });
    return reader.closed;
  });
}, "ReadableStream cancellation: cancel() on a locked stream should fail and not call the underlying source cancel");

promise_test(() => {
  let cancelReceived = false;
  const cancelReason = new Error("I am tired of this stream, I prefer to cancel it");
  const rs = new ReadableStream({ cancel(reason) { cancelReceived = true; assert_equals(reason, cancelReason); } });
  return rs.cancel(cancelReason).then(() => assert_true(cancelReceived));
}, "ReadableStream cancellation: should fulfill promise when cancel callback went fine");

promise_test(() => {
  const rs = new ReadableStream({ cancel() { return "Hello"; } });
  return rs.cancel().then((v) => assert_equals(v, undefined));
}, "ReadableStream cancellation: returning a value from the underlying source's cancel should not affect the fulfillment value of the promise returned by the stream's cancel");

promise_test(() => {
  const thrownError = new Error("test");
  let cancelCalled = false;
  const rs = new ReadableStream({ cancel() { cancelCalled = true; throw thrownError; } });
  return rs.cancel("test").then(() => assert_unreached("cancel should reject"), (e) => {
    assert_true(cancelCalled);
    assert_equals(e, thrownError);
  });
}, "ReadableStream cancellation: should reject promise when cancel callback raises an exception");

promise_test(() => {
  const cancelReason = new Error("test");
  const rs = new ReadableStream({ cancel(error) { assert_equals(error, cancelReason); return delay(1); } });
  return rs.cancel(cancelReason);
}, "ReadableStream cancellation: if the underlying source's cancel method returns a promise, the promise returned by the stream's cancel should fulfill when that one does (1)");

promise_test(() => {
  let resolveSourceCancelPromise, sourceCancelPromiseHasFulfilled = false;
  const rs = new ReadableStream({
    cancel() {
      const p = new Promise((resolve) => (resolveSourceCancelPromise = resolve));
      p.then(() => { sourceCancelPromiseHasFulfilled = true; });
      return p;
    },
  });
  setTimeout(() => resolveSourceCancelPromise("Hello"), 1);
  return rs.cancel().then((value) => {
    assert_true(sourceCancelPromiseHasFulfilled);
    assert_equals(value, undefined);
  });
}, "ReadableStream cancellation: if the underlying source's cancel method returns a promise, the promise returned by the stream's cancel should fulfill when that one does (2)");

promise_test(() => {
  let rejectSourceCancelPromise, sourceCancelPromiseHasRejected = false;
  const rs = new ReadableStream({
    cancel() {
      const p = new Promise((resolve, reject) => (rejectSourceCancelPromise = reject));
      p.catch(() => { sourceCancelPromiseHasRejected = true; });
      return p;
    },
  });
  const errorInCancel = new Error("Sorry, it just wasn't meant to be.");
  setTimeout(() => rejectSourceCancelPromise(errorInCancel), 1);
  return rs.cancel().then(() => assert_unreached("cancel() should reject"), (r) => {
    assert_true(sourceCancelPromiseHasRejected);
    assert_equals(r, errorInCancel);
  });
}, "ReadableStream cancellation: if the underlying source's cancel method returns a promise, the promise returned by the stream's cancel should reject when that one does");

promise_test(() => {
  const rs = new ReadableStream({
    start() { return new Promise(() => {}); },
    pull() { assert_unreached("pull should not have been called"); },
  });
  return Promise.all([rs.cancel(), rs.getReader().closed]);
}, "ReadableStream cancellation: cancelling before start finishes should prevent pull() from being called");

promise_test(() => {
  const events = [];
  const pendingPromise = new Promise(() => {});
  const rs = new ReadableStream({
    pull() { events.push("pull"); return pendingPromise; },
    cancel() { events.push("cancel"); },
  });
  const reader = rs.getReader();
  reader.read().then((r) => events.push(`read ${r.done}`));
  return flushAsyncEvents().then(() => reader.cancel()).then(() => flushAsyncEvents()).then(() => {
    assert_array_equals(events, ["pull", "cancel", "read true"], "a pending read resolves as done on cancel");
  });
}, "ReadableStream cancellation: underlyingSource.cancel() should called, even with pending pull");

promise_test(() => {
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); } });
  return rs.cancel().then(() => readableStreamToArray(rs)).then((chunks) => {
    assert_array_equals(chunks, [], "cancel discards what was queued");
  });
}, "ReadableStream cancellation: cancel() empties the queue");
