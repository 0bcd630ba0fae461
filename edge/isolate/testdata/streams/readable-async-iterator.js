// Ported from WPT streams/readable-streams/async-iterator.any.js, in the
// current spec's terms (values(), return() after the end resolves). goja
// cannot parse for-await, so forAwait runs the loop as the language (and
// esbuild's lowering of it) does: next() until done, and return() when the
// body breaks or throws.
const forAwait = async (iterable, body) => {
  const it = iterable[Symbol.asyncIterator]();
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    let stop;
    try {
      stop = body(r.value);
    } catch (e) {
      if (typeof it.return === "function") await it.return();
      throw e;
    }
    if (stop === "break") {
      if (typeof it.return === "function") await it.return();
      return;
    }
  }
};

test(() => {
  assert_equals(typeof Symbol.asyncIterator, "symbol");
  assert_equals(ReadableStream.prototype[Symbol.asyncIterator], ReadableStream.prototype.values);
  assert_equals(Symbol.asyncIterator, Symbol.for("Symbol.asyncIterator"), "the symbol esbuild's lowering falls back to");
}, "@@asyncIterator() method is === to values() method");

test(() => {
  const s = new ReadableStream();
  const it = s.values();
  const proto = Object.getPrototypeOf(it);
  const AsyncIteratorPrototype = Object.getPrototypeOf(proto);
  assert_equals(typeof AsyncIteratorPrototype[Symbol.asyncIterator], "function");
  assert_equals(it[Symbol.asyncIterator](), it);
  assert_array_equals(Object.getOwnPropertyNames(proto).sort(), ["next", "return"]);
  assert_equals(proto.next.length, 0);
  assert_equals(proto.return.length, 1);
}, "Async iterator instances should have the correct list of properties");

promise_test(async () => {
  const s = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.enqueue(3); c.close(); } });
  const chunks = [];
  await forAwait(s, (chunk) => { chunks.push(chunk); });
  assert_array_equals(chunks, [1, 2, 3]);
}, "Async-iterating a push source");

promise_test(async () => {
  let i = 1;
  const s = new ReadableStream({ pull(c) { c.enqueue(i); if (i >= 3) c.close(); i += 1; } });
  const chunks = [];
  await forAwait(s, (chunk) => { chunks.push(chunk); });
  assert_array_equals(chunks, [1, 2, 3]);
}, "Async-iterating a pull source");

promise_test(async () => {
  let i = 1;
  const s = new ReadableStream({ pull(c) { c.enqueue(undefined); if (i >= 3) c.close(); i += 1; } });
  const chunks = [];
  await forAwait(s, (chunk) => { chunks.push(chunk); });
  assert_array_equals(chunks, [undefined, undefined, undefined]);
}, "Async-iterating a pull source manually with undefined chunks");

promise_test(async () => {
  const s = new ReadableStream({ start(c) { c.error("e"); } });
  try {
    await forAwait(s, () => {});
    assert_unreached();
  } catch (e) {
    assert_equals(e, "e");
  }
}, "Async-iterating an errored stream throws");

promise_test(async () => {
  const s = new ReadableStream({ start(c) { c.close(); } });
  await forAwait(s, () => assert_unreached());
}, "Async-iterating a closed stream never executes the loop body, but works fine");

promise_test(async () => {
  const s = new ReadableStream();
  const loop = async () => {
    await forAwait(s, () => assert_unreached());
    assert_unreached();
  };
  await Promise.race([loop(), flushAsyncEvents()]);
}, "Async-iterating an empty but not closed/errored stream never executes the loop body and stalls the async function");

promise_test(async () => {
  const s = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.enqueue(3); c.close(); } });
  const reader = s.getReader();
  const readResult = await reader.read();
  assert_object_equals(readResult, { value: 1, done: false });
  reader.releaseLock();
  const chunks = [];
  await forAwait(s, (chunk) => { chunks.push(chunk); });
  assert_array_equals(chunks, [2, 3]);
}, "Async-iterating a partially consumed stream");

for (const type of ["throw", "break"]) {
  for (const preventCancel of [false, true]) {
    promise_test(async () => {
      const s = recordingReadableStream({ start(c) { c.enqueue(0); } });
      const loop = () => forAwait(s.values({ preventCancel }), () => {
        if (type === "throw") throw new Error();
        return "break";
      });
      try { await loop(); } catch (e) { /* the body's own */ }
      if (preventCancel) {
        assert_array_equals(s.events, ["pull"]);
        assert_false(s.locked, "the lock is released");
      } else {
        assert_array_equals(s.events, ["pull", "cancel", undefined]);
      }
    }, `Cancellation behavior when ${type}ing inside loop body; preventCancel = ${preventCancel}`);
  }
}

for (const preventCancel of [false, true]) {
  promise_test(async () => {
    const s = recordingReadableStream({ start(c) { c.enqueue(0); } });
    const it = s.values({ preventCancel });
    await it.return();
    if (preventCancel) assert_array_equals(s.events, []);
    else assert_array_equals(s.events, ["cancel", undefined]);
  }, `Cancellation behavior when manually calling return(); preventCancel = ${preventCancel}`);
}

promise_test(async () => {
  let timesPulled = 0;
  const s = new ReadableStream({
    pull(c) {
      if (timesPulled === 0) { c.enqueue(0); ++timesPulled; } else { c.error("e"); }
    },
  });
  const it = s[Symbol.asyncIterator]();
  const iterResult1 = await it.next();
  assert_object_equals(iterResult1, { value: 0, done: false });
  await promise_rejects_exactly(null, "e", it.next());
  const iterResult3 = await it.next();
  assert_object_equals(iterResult3, { value: undefined, done: true }, "next() after an error is done");
}, "next() rejects if the stream errors");

promise_test(async () => {
  const s = new ReadableStream({ start(c) { c.enqueue(0); c.close(); } });
  const it = s[Symbol.asyncIterator]();
  const next = await it.next();
  assert_equals(Object.getPrototypeOf(next), Object.prototype);
  assert_array_equals(Object.getOwnPropertyNames(next).sort(), ["done", "value"]);
}, "next()'s fulfillment value has the right shape");

promise_test(async () => {
  const s = new ReadableStream();
  const it = s[Symbol.asyncIterator]();
  const r1 = await it.return("x");
  assert_object_equals(r1, { value: "x", done: true });
  const r2 = await it.return("y");
  assert_object_equals(r2, { value: "y", done: true }, "a second return() resolves too");
  assert_object_equals(await it.next(), { value: undefined, done: true });
}, "return() twice, then next(), resolve as done");

promise_test(async () => {
  let resolvePull;
  const s = new ReadableStream({ pull(c) { return new Promise((r) => { resolvePull = () => { c.enqueue(1); c.enqueue(2); r(); }; }); } });
  const it = s.values();
  const p1 = it.next(), p2 = it.next();
  await flushAsyncEvents();
  resolvePull();
  const [r1, r2] = await Promise.all([p1, p2]);
  assert_object_equals(r1, { value: 1, done: false });
  assert_object_equals(r2, { value: 2, done: false });
}, "next() calls made without awaiting resolve in order");

promise_test(async (t) => {
  const s = new ReadableStream({ start(c) { c.enqueue(0); c.close(); } });
  const it = s.values();
  assert_throws_js(TypeError, () => s.values(), "values() should throw");
  assert_throws_js(TypeError, () => s.getReader(), "getReader() should throw");
  assert_true(s.locked);
  await promise_rejects_js(t, TypeError, Object.getPrototypeOf(it).next.call({}), "brand check");
}, "values() throws if there's already a lock");
