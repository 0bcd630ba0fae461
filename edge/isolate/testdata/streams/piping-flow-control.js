// Ported from WPT streams/piping/flow-control.any.js.
const error1 = new Error("error1!");
error1.name = "error1";

promise_test((t) => {
  const rs = recordingReadableStream({ start(controller) { controller.enqueue("a"); controller.enqueue("b"); controller.close(); } });
  const ws = recordingWritableStream(undefined, new CountQueuingStrategy({ highWaterMark: 0 }));
  const pipePromise = rs.pipeTo(ws, { preventCancel: true });
  return flushAsyncEvents().then(() => { ws.controller.error(error1); })
    .then(() => promise_rejects_exactly(t, error1, pipePromise))
    .then(() => {
      assert_array_equals(rs.eventsWithoutPulls, []);
      assert_array_equals(ws.events, []);
    })
    .then(() => readableStreamToArray(rs))
    .then((chunksNotPreviouslyRead) => assert_array_equals(chunksNotPreviouslyRead, ["a", "b"]));
}, "Piping from a non-empty ReadableStream into a WritableStream that does not desire chunks");

promise_test(() => {
  const rs = recordingReadableStream({ start(controller) { controller.enqueue("b"); controller.close(); } });
  let resolveWritePromise;
  const ws = recordingWritableStream({
    write() {
      if (!resolveWritePromise) return new Promise((resolve) => { resolveWritePromise = resolve; });
      return undefined;
    },
  });
  const writer = ws.getWriter();
  const firstWritePromise = writer.write("a");
  assert_equals(writer.desiredSize, 0);
  writer.releaseLock();
  const pipePromise = rs.pipeTo(ws);
  return flushAsyncEvents().then(() => resolveWritePromise())
    .then(() => Promise.all([firstWritePromise, pipePromise]))
    .then(() => {
      assert_array_equals(rs.eventsWithoutPulls, []);
      assert_array_equals(ws.events, ["write", "a", "write", "b", "close"]);
    });
}, "Piping from a non-empty ReadableStream into a WritableStream that does not desire chunks, but then does");

promise_test(() => {
  const rs = recordingReadableStream();
  const startPromise = Promise.resolve();
  let resolveWritePromise;
  const ws = recordingWritableStream({
    start() { return startPromise; },
    write() {
      if (!resolveWritePromise) return new Promise((resolve) => { resolveWritePromise = resolve; });
      return undefined;
    },
  });
  const writer = ws.getWriter();
  writer.write("a");
  return startPromise.then(() => {
    assert_array_equals(ws.events, ["write", "a"]);
    assert_equals(writer.desiredSize, 0);
    writer.releaseLock();
    const pipePromise = rs.pipeTo(ws);
    rs.controller.enqueue("b");
    resolveWritePromise();
    rs.controller.close();
    return pipePromise.then(() => {
      assert_array_equals(rs.eventsWithoutPulls, []);
      assert_array_equals(ws.events, ["write", "a", "write", "b", "close"]);
    });
  });
}, "Piping from an empty ReadableStream into a WritableStream that does not desire chunks, but then the readable stream becomes non-empty and the writable stream starts desiring chunks");

promise_test(() => {
  const unreadChunks = ["b", "c", "d"];
  const rs = recordingReadableStream({
    pull(controller) {
      controller.enqueue(unreadChunks.shift());
      if (unreadChunks.length === 0) controller.close();
    },
  }, new CountQueuingStrategy({ highWaterMark: 0 }));
  let resolveWritePromise;
  const ws = recordingWritableStream({
    write() {
      if (!resolveWritePromise) return new Promise((resolve) => { resolveWritePromise = resolve; });
      return undefined;
    },
  }, new CountQueuingStrategy({ highWaterMark: 3 }));
  const writer = ws.getWriter();
  const firstWritePromise = writer.write("a");
  assert_equals(writer.desiredSize, 2);
  writer.releaseLock();
  const pipePromise = rs.pipeTo(ws);
  return flushAsyncEvents().then(() => {
    assert_array_equals(ws.events, ["write", "a"]);
    assert_equals(unreadChunks.length, 1, "chunks should continue to be enqueued until the HWM is reached");
  }).then(() => resolveWritePromise())
    .then(() => Promise.all([firstWritePromise, pipePromise]))
    .then(() => {
      assert_array_equals(rs.events, ["pull", "pull", "pull"]);
      assert_array_equals(ws.events, ["write", "a", "write", "b", "write", "c", "write", "d", "close"]);
    });
}, "Piping from a ReadableStream to a WritableStream that desires more chunks before finishing with previous ones");

class StepTracker {
  constructor() { this.waiters = []; this.wakers = []; }
  waitThenAdvance(n) {
    if (this.waiters[n] === undefined) {
      this.waiters[n] = new Promise((resolve) => { this.wakers[n] = resolve; });
      this.waiters[n].then(() => flushAsyncEvents()).then(() => {
        if (this.wakers[n + 1] !== undefined) this.wakers[n + 1]();
      });
    }
    if (n == 0) this.wakers[0]();
    return this.waiters[n];
  }
}

promise_test(() => {
  const steps = new StepTracker();
  const desiredSizes = [];
  const rs = recordingReadableStream({
    start(controller) {
      const enqueue = (chunk) => { controller.enqueue(chunk); desiredSizes.push(controller.desiredSize); };
      steps.waitThenAdvance(1).then(() => enqueue("a"));
      steps.waitThenAdvance(3).then(() => enqueue("b"));
      steps.waitThenAdvance(5).then(() => enqueue("c"));
      steps.waitThenAdvance(7).then(() => enqueue("d"));
      steps.waitThenAdvance(11).then(() => controller.close());
    },
  });
  const chunksFinishedWriting = [];
  const writableStartPromise = Promise.resolve();
  let writeCalled = false;
  const ws = recordingWritableStream({
    start() { return writableStartPromise; },
    write(chunk) {
      const waitForStep = writeCalled ? 12 : 9;
      writeCalled = true;
      return steps.waitThenAdvance(waitForStep).then(() => { chunksFinishedWriting.push(chunk); });
    },
  });
  return writableStartPromise.then(() => {
    const pipePromise = rs.pipeTo(ws);
    steps.waitThenAdvance(0);
    return Promise.all([
      steps.waitThenAdvance(2).then(() => {
        assert_array_equals(chunksFinishedWriting, []);
        assert_array_equals(ws.events, ["write", "a"]);
        assert_array_equals(desiredSizes, [1]);
        assert_equals(rs.controller.desiredSize, 1);
      }),
      steps.waitThenAdvance(4).then(() => {
        assert_array_equals(chunksFinishedWriting, []);
        assert_array_equals(ws.events, ["write", "a"]);
        assert_array_equals(desiredSizes, [1, 0]);
        assert_equals(rs.controller.desiredSize, 0);
      }),
      steps.waitThenAdvance(6).then(() => {
        assert_array_equals(chunksFinishedWriting, []);
        assert_array_equals(ws.events, ["write", "a"]);
        assert_array_equals(desiredSizes, [1, 0, -1]);
        assert_equals(rs.controller.desiredSize, -1);
      }),
      steps.waitThenAdvance(8).then(() => {
        assert_array_equals(chunksFinishedWriting, []);
        assert_array_equals(ws.events, ["write", "a"]);
        assert_array_equals(desiredSizes, [1, 0, -1, -2]);
        assert_equals(rs.controller.desiredSize, -2);
      }),
      steps.waitThenAdvance(10).then(() => {
        assert_array_equals(chunksFinishedWriting, ["a"]);
        assert_array_equals(ws.events, ["write", "a", "write", "b"]);
        assert_equals(rs.controller.desiredSize, -1);
      }),
      pipePromise.then(() => {
        assert_array_equals(desiredSizes, [1, 0, -1, -2], "backpressure must have been exerted at the source");
        assert_array_equals(chunksFinishedWriting, ["a", "b", "c", "d"]);
        assert_array_equals(rs.eventsWithoutPulls, []);
        assert_array_equals(ws.events, ["write", "a", "write", "b", "write", "c", "write", "d", "close"]);
      }),
    ]);
  });
}, "Piping to a WritableStream that does not consume the writes fast enough exerts backpressure on the ReadableStream");
