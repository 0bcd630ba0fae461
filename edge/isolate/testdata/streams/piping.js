// Ported from WPT streams/piping/general.any.js, with cases after
// close-propagation-forward/backward, error-propagation-forward/backward,
// abort.any.js (signal) and pipe-through.any.js.
const error1 = new Error("error1!");
error1.name = "error1";

test(() => {
  const rs = new ReadableStream();
  const ws = new WritableStream();
  assert_false(rs.locked);
  assert_false(ws.locked);
  rs.pipeTo(ws);
  assert_true(rs.locked, "the ReadableStream must become locked");
  assert_true(ws.locked, "the WritableStream must become locked");
}, "Piping must lock both the ReadableStream and WritableStream");

promise_test(() => {
  const rs = new ReadableStream({ start(controller) { controller.close(); } });
  const ws = new WritableStream();
  return rs.pipeTo(ws).then(() => {
    assert_false(rs.locked);
    assert_false(ws.locked);
  });
}, "Piping finishing must unlock both the ReadableStream and WritableStream");

promise_test((t) => promise_rejects_js(t, TypeError, ReadableStream.prototype.pipeTo.call(Object.create(ReadableStream.prototype), new WritableStream())),
  "pipeTo must check the brand of its ReadableStream this value");

promise_test((t) => promise_rejects_js(t, TypeError, new ReadableStream().pipeTo(Object.create(WritableStream.prototype))),
  "pipeTo must check the brand of its WritableStream argument");

promise_test((t) => {
  const rs = new ReadableStream();
  const ws = new WritableStream();
  rs.getReader();
  return promise_rejects_js(t, TypeError, rs.pipeTo(ws)).then(() => assert_false(ws.locked));
}, "pipeTo must fail if the ReadableStream is locked, and not lock the WritableStream");

promise_test((t) => {
  const rs = new ReadableStream();
  const ws = new WritableStream();
  ws.getWriter();
  return promise_rejects_js(t, TypeError, rs.pipeTo(ws)).then(() => assert_false(rs.locked));
}, "pipeTo must fail if the WritableStream is locked, and not lock the ReadableStream");

promise_test(() => {
  const CHUNKS = 10;
  const rs = new ReadableStream({ start(c) { for (let i = 0; i < CHUNKS; ++i) c.enqueue(i); c.close(); } });
  const written = [];
  const ws = new WritableStream({ write(chunk) { written.push(chunk); }, close() { written.push("closed"); } },
    new CountQueuingStrategy({ highWaterMark: CHUNKS }));
  return rs.pipeTo(ws).then(() => {
    assert_array_equals(written, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, "closed"]);
    return Promise.all([rs.getReader().closed, ws.getWriter().closed]);
  });
}, "Piping from a ReadableStream from which lots of chunks are synchronously readable");

promise_test(() => {
  let controller;
  const rs = recordingReadableStream({ start(c) { controller = c; } });
  const ws = recordingWritableStream();
  const pipePromise = rs.pipeTo(ws).then(() => assert_array_equals(ws.events, ["write", "Hello", "close"]));
  setTimeout(() => {
    controller.enqueue("Hello");
    setTimeout(() => controller.close(), 10);
  }, 10);
  return pipePromise;
}, "Piping from a ReadableStream for which a chunk becomes asynchronously readable after the pipeTo");

for (const preventAbort of [true, false]) {
  promise_test(() => {
    const rs = new ReadableStream({ pull() { return Promise.reject(undefined); } });
    return rs.pipeTo(new WritableStream(), { preventAbort }).then(
      () => assert_unreached("pipeTo promise should be rejected"),
      (value) => assert_equals(value, undefined));
  }, `an undefined rejection from pull should cause pipeTo() to reject when preventAbort is ${preventAbort}`);
}

for (const preventCancel of [true, false]) {
  promise_test(() => {
    const rs = new ReadableStream({ pull(controller) { controller.enqueue(0); } });
    const ws = new WritableStream({ write() { return Promise.reject(undefined); } });
    return rs.pipeTo(ws, { preventCancel }).then(
      () => assert_unreached("pipeTo promise should be rejected"),
      (value) => assert_equals(value, undefined));
  }, `an undefined rejection from write should cause pipeTo() to reject when preventCancel is ${preventCancel}`);
}

// close-propagation-forward.any.js
promise_test(() => {
  const rs = recordingReadableStream({ start(c) { c.close(); } });
  const ws = recordingWritableStream();
  return rs.pipeTo(ws).then((value) => {
    assert_equals(value, undefined);
    assert_array_equals(rs.eventsWithoutPulls, []);
    assert_array_equals(ws.events, ["close"]);
  });
}, "Closing must be propagated forward: starts closed; preventClose omitted; fulfilled close promise");

promise_test((t) => {
  const rs = recordingReadableStream({ start(c) { c.close(); } });
  const ws = recordingWritableStream({ close() { throw error1; } });
  return promise_rejects_exactly(t, error1, rs.pipeTo(ws)).then(() => {
    assert_array_equals(ws.events, ["close"]);
  });
}, "Closing must be propagated forward: starts closed; preventClose omitted; rejected close promise");

promise_test(() => {
  const rs = recordingReadableStream({ start(c) { c.close(); } });
  const ws = recordingWritableStream();
  return rs.pipeTo(ws, { preventClose: true }).then(() => {
    assert_array_equals(ws.events, [], "the destination is not closed");
    assert_false(ws.locked);
    return ws.getWriter().write("x");
  });
}, "Closing must be propagated forward: starts closed; preventClose = true");

promise_test(() => {
  const rs = recordingReadableStream();
  const ws = recordingWritableStream();
  const pipePromise = rs.pipeTo(ws);
  setTimeout(() => { rs.controller.enqueue("Hello"); rs.controller.close(); }, 10);
  return pipePromise.then(() => assert_array_equals(ws.events, ["write", "Hello", "close"]));
}, "Closing must be propagated forward: becomes closed after one chunk; preventClose omitted");

// close-propagation-backward.any.js
promise_test((t) => {
  const rs = recordingReadableStream();
  const ws = recordingWritableStream();
  const writer = ws.getWriter();
  writer.close();
  writer.releaseLock();
  return promise_rejects_js(t, TypeError, rs.pipeTo(ws)).then(() => {
    assert_array_equals(rs.eventsWithoutPulls, ["cancel", rs.eventsWithoutPulls[1]]);
    assert_true(rs.eventsWithoutPulls[1] instanceof TypeError, "the source is canceled with a TypeError");
  });
}, "Closing must be propagated backward: starts closed; preventCancel omitted");

promise_test((t) => {
  const rs = recordingReadableStream();
  const ws = recordingWritableStream();
  const writer = ws.getWriter();
  writer.close();
  writer.releaseLock();
  return promise_rejects_js(t, TypeError, rs.pipeTo(ws, { preventCancel: true })).then(() => {
    assert_array_equals(rs.eventsWithoutPulls, [], "the source is not canceled");
    assert_false(rs.locked);
  });
}, "Closing must be propagated backward: starts closed; preventCancel = true");

// error-propagation-forward.any.js
promise_test((t) => {
  const rs = recordingReadableStream({ start() { return Promise.reject(error1); } });
  const ws = recordingWritableStream();
  return promise_rejects_exactly(t, error1, rs.pipeTo(ws)).then(() => {
    assert_array_equals(ws.events, ["abort", error1]);
  });
}, "Errors must be propagated forward: starts errored; preventAbort = false; fulfilled abort promise");

promise_test((t) => {
  const rs = recordingReadableStream({ start() { return Promise.reject(error1); } });
  const ws = recordingWritableStream({ abort() { throw new Error("abort"); } });
  return promise_rejects_js(t, Error, rs.pipeTo(ws)).then(() => assert_array_equals(ws.events, ["abort", error1]));
}, "Errors must be propagated forward: starts errored; preventAbort = false; rejected abort promise");

promise_test((t) => {
  const rs = recordingReadableStream({ start() { return Promise.reject(error1); } });
  const ws = recordingWritableStream();
  return promise_rejects_exactly(t, error1, rs.pipeTo(ws, { preventAbort: true })).then(() => {
    assert_array_equals(ws.events, []);
  });
}, "Errors must be propagated forward: starts errored; preventAbort = true");

promise_test((t) => {
  const rs = recordingReadableStream();
  const ws = recordingWritableStream();
  const pipePromise = promise_rejects_exactly(t, error1, rs.pipeTo(ws));
  setTimeout(() => { rs.controller.enqueue("Hello"); setTimeout(() => rs.controller.error(error1), 10); }, 10);
  return pipePromise.then(() => assert_array_equals(ws.events, ["write", "Hello", "abort", error1]));
}, "Errors must be propagated forward: becomes errored after one chunk; preventAbort = false");

// error-propagation-backward.any.js
promise_test((t) => {
  const rs = recordingReadableStream();
  const ws = recordingWritableStream({ start() { return Promise.reject(error1); } });
  return promise_rejects_exactly(t, error1, rs.pipeTo(ws)).then(() => {
    assert_array_equals(rs.eventsWithoutPulls, ["cancel", error1]);
  });
}, "Errors must be propagated backward: starts errored; preventCancel omitted");

promise_test((t) => {
  const rs = recordingReadableStream();
  const ws = recordingWritableStream({ start() { return Promise.reject(error1); } });
  return promise_rejects_exactly(t, error1, rs.pipeTo(ws, { preventCancel: true })).then(() => {
    assert_array_equals(rs.eventsWithoutPulls, []);
  });
}, "Errors must be propagated backward: starts errored; preventCancel = true");

promise_test((t) => {
  const rs = recordingReadableStream({ start(c) { c.enqueue("Hello"); } });
  const ws = recordingWritableStream({ write() { return Promise.reject(error1); } });
  return promise_rejects_exactly(t, error1, rs.pipeTo(ws)).then(() => {
    assert_array_equals(ws.events, ["write", "Hello"]);
    assert_array_equals(rs.eventsWithoutPulls, ["cancel", error1]);
  });
}, "Errors must be propagated backward: becomes errored during piping due to write; preventCancel omitted");

// abort.any.js
promise_test((t) => {
  const rs = recordingReadableStream({ start(c) { c.enqueue("a"); } });
  const ws = recordingWritableStream();
  const ac = new AbortController();
  ac.abort();
  return promise_rejects_dom(t, "AbortError", rs.pipeTo(ws, { signal: ac.signal })).then(() => {
    assert_array_equals(rs.eventsWithoutPulls, ["cancel", rs.eventsWithoutPulls[1]]);
    assert_equals(rs.eventsWithoutPulls[1].name, "AbortError");
    assert_array_equals(ws.events, ["abort", rs.eventsWithoutPulls[1]]);
  });
}, "an aborted signal should cause the writable stream to reject with an AbortError");

promise_test((t) => {
  const reason = new Error("my reason");
  const rs = recordingReadableStream();
  const ws = recordingWritableStream();
  const ac = new AbortController();
  const p = rs.pipeTo(ws, { signal: ac.signal });
  return delay(5).then(() => {
    ac.abort(reason);
    return promise_rejects_exactly(t, reason, p);
  }).then(() => {
    assert_array_equals(rs.eventsWithoutPulls, ["cancel", reason]);
    assert_array_equals(ws.events, ["abort", reason]);
  });
}, "(reason: 'my reason') aborting a pipe in progress should cancel the source and abort the destination with the reason");

for (const [opts, canceled, aborted] of [[{ preventAbort: true }, true, false], [{ preventCancel: true }, false, true],
  [{ preventAbort: true, preventCancel: true }, false, false]]) {
  promise_test((t) => {
    const rs = recordingReadableStream();
    const ws = recordingWritableStream();
    const ac = new AbortController();
    ac.abort();
    return promise_rejects_dom(t, "AbortError", rs.pipeTo(ws, Object.assign({ signal: ac.signal }, opts))).then(() => {
      assert_equals(rs.eventsWithoutPulls.length, canceled ? 2 : 0, "source canceled");
      assert_equals(ws.events.length, aborted ? 2 : 0, "destination aborted");
    });
  }, `an aborted signal with ${JSON.stringify(opts)} skips what it prevents`);
}

promise_test((t) => {
  const rs = new ReadableStream();
  const ws = new WritableStream();
  return promise_rejects_js(t, TypeError, rs.pipeTo(ws, { signal: {} })).then(() => {
    assert_false(rs.locked);
    assert_false(ws.locked);
  });
}, "a signal argument that is not an AbortSignal should cause pipeTo() to reject");

promise_test(() => {
  const ac = new AbortController();
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.close(); } });
  const ws = new WritableStream();
  return rs.pipeTo(ws, { signal: ac.signal }).then(() => {
    ac.abort();
    return ws.getWriter().closed;
  });
}, "abort after the pipe has finished should not affect the streams");

// pipe-through.any.js
promise_test(() => {
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } });
  const result = rs.pipeThrough(new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); } }));
  assert_true(rs.locked);
  return readableStreamToArray(result).then((chunks) => assert_array_equals(chunks, ["A", "B"]));
}, "Piping through a TransformStream works");

test(() => {
  const rs = new ReadableStream();
  const readable = new ReadableStream();
  const writable = new WritableStream();
  assert_equals(rs.pipeThrough({ writable, readable }), readable, "pipeThrough returns the readable side");
  assert_throws_js(TypeError, () => new ReadableStream().pipeThrough({ writable: {}, readable }));
  assert_throws_js(TypeError, () => new ReadableStream().pipeThrough({ writable: new WritableStream(), readable: {} }));
  const locked = new ReadableStream();
  locked.getReader();
  assert_throws_js(TypeError, () => locked.pipeThrough(new TransformStream()));
}, "pipeThrough checks its arguments and returns the readable side");

promise_test(() => {
  const rs = new ReadableStream({ start(c) { c.error(error1); } });
  const ts = new TransformStream();
  const out = rs.pipeThrough(ts);
  return out.getReader().closed.then(() => assert_unreached(), (e) => assert_equals(e, error1, "the error flows through"));
}, "pipeThrough: errors flow to the readable side, and the pipe's own rejection is handled");

promise_test(() => {
  let pulls = 0;
  const rs = new ReadableStream({ pull(c) { pulls++; c.enqueue(pulls); } }, { highWaterMark: 0 });
  const ws = new WritableStream({ write() { return new Promise(() => {}); } }, { highWaterMark: 1 });
  rs.pipeTo(ws);
  return flushAsyncEvents().then(() => {
    assert_less_than(pulls, 5, "a stalled destination stops the pipe from pulling");
  });
}, "Piping respects backpressure from the destination");
