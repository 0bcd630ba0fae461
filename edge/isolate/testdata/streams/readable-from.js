// Ported from WPT streams/readable-streams/from.any.js (without the async
// generator case: goja cannot parse async generators).
const iterableFactories = [
  ["an array of values", () => ["a", "b"]],
  ["an array of promises", () => [Promise.resolve("a"), Promise.resolve("b")]],
  ["an array iterator", () => ["a", "b"][Symbol.iterator]()],
  ["a string", () => "ab"],
  ["a Set", () => new Set(["a", "b"])],
  ["a Set iterator", () => new Set(["a", "b"])[Symbol.iterator]()],
  ["a sync generator", () => {
    function* syncGenerator() { yield "a"; yield "b"; }
    return syncGenerator();
  }],
  ["a sync iterable of values", () => {
    const chunks = ["a", "b"];
    const it = { next() { return { done: chunks.length === 0, value: chunks.shift() }; }, [Symbol.iterator]: () => it };
    return it;
  }],
  ["a sync iterable of promises", () => {
    const chunks = ["a", "b"];
    const it = {
      next() { return chunks.length === 0 ? { done: true } : { done: false, value: Promise.resolve(chunks.shift()) }; },
      [Symbol.iterator]: () => it,
    };
    return it;
  }],
  ["an async iterable", () => {
    const chunks = ["a", "b"];
    const it = {
      next() { return Promise.resolve({ done: chunks.length === 0, value: chunks.shift() }); },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }],
  ["a ReadableStream", () => new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } })],
  ["a ReadableStream async iterator", () => new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } })[Symbol.asyncIterator]()],
];

for (const [label, factory] of iterableFactories) {
  promise_test(async () => {
    const rs = ReadableStream.from(factory());
    assert_equals(rs.constructor, ReadableStream);
    const reader = rs.getReader();
    assert_object_equals(await reader.read(), { value: "a", done: false });
    assert_object_equals(await reader.read(), { value: "b", done: false });
    assert_object_equals(await reader.read(), { value: undefined, done: true });
    await reader.closed;
  }, `ReadableStream.from accepts ${label}`);
}

const badIterables = [
  ["null", null], ["undefined", undefined], ["0", 0], ["NaN", NaN], ["true", true], ["{}", {}],
  ["Object.create(null)", Object.create(null)], ["a function", () => 42], ["a symbol", Symbol()],
  ["an object with a non-callable @@iterator method", { [Symbol.iterator]: 42 }],
  ["an object with a non-callable @@asyncIterator method", { [Symbol.asyncIterator]: 42 }],
];
for (const [label, iterable] of badIterables) {
  test(() => {
    assert_throws_js(TypeError, () => ReadableStream.from(iterable));
  }, `ReadableStream.from throws on invalid iterables; specifically ${label}`);
}

test(() => {
  const theError = new Error("a unique string");
  assert_throws_exactly(theError, () => ReadableStream.from({ [Symbol.iterator]() { throw theError; } }));
}, "ReadableStream.from re-throws errors from calling the @@iterator method");

test(() => {
  const theError = new Error("a unique string");
  assert_throws_exactly(theError, () => ReadableStream.from({ [Symbol.asyncIterator]() { throw theError; } }));
}, "ReadableStream.from re-throws errors from calling the @@asyncIterator method");

test((t) => {
  const theError = new Error("a unique string");
  const iterable = {
    [Symbol.iterator]: t.unreached_func("@@iterator should not be called"),
    [Symbol.asyncIterator]() { throw theError; },
  };
  assert_throws_exactly(theError, () => ReadableStream.from(iterable));
}, "ReadableStream.from ignores @@iterator if @@asyncIterator exists");

promise_test(async () => {
  const iterable = { async next() { return { value: undefined, done: true }; }, [Symbol.asyncIterator]: () => iterable };
  const reader = ReadableStream.from(iterable).getReader();
  assert_object_equals(await reader.read(), { value: undefined, done: true });
  await reader.closed;
}, "ReadableStream.from accepts an empty iterable");

promise_test(async (t) => {
  const theError = new Error("a unique string");
  const iterable = { async next() { throw theError; }, [Symbol.asyncIterator]: () => iterable };
  const reader = ReadableStream.from(iterable).getReader();
  await Promise.all([promise_rejects_exactly(t, theError, reader.read()), promise_rejects_exactly(t, theError, reader.closed)]);
}, "ReadableStream.from: stream errors when next() rejects");

promise_test(async (t) => {
  const iterable = { next() { return 42; }, [Symbol.asyncIterator]: () => iterable };
  const reader = ReadableStream.from(iterable).getReader();
  await Promise.all([promise_rejects_js(t, TypeError, reader.read()), promise_rejects_js(t, TypeError, reader.closed)]);
}, "ReadableStream.from: stream errors when next() returns a non-object");

promise_test(async () => {
  const iterable = { next() { return new Promise(() => {}); }, [Symbol.asyncIterator]: () => iterable };
  const reader = ReadableStream.from(iterable).getReader();
  await Promise.race([
    reader.read().then(() => assert_unreached(), () => assert_unreached()),
    reader.closed.then(() => assert_unreached(), () => assert_unreached()),
    flushAsyncEvents(),
  ]);
}, "ReadableStream.from: stream stalls when next() never settles");

promise_test(async () => {
  let nextCalls = 0, nextArgs;
  const iterable = {
    async next(...args) { nextCalls += 1; nextArgs = args; return { value: "a", done: false }; },
    [Symbol.asyncIterator]: () => iterable,
  };
  const reader = ReadableStream.from(iterable).getReader();
  await flushAsyncEvents();
  assert_equals(nextCalls, 0, "next() should not be called yet");
  assert_object_equals(await reader.read(), { value: "a", done: false });
  assert_equals(nextCalls, 1, "next() should be called after first read()");
  assert_array_equals(nextArgs, []);
}, "ReadableStream.from: calls next() after first read()");

promise_test(async (t) => {
  const theError = new Error("a unique string");
  let returnCalls = 0, returnArgs, resolveReturn;
  const iterable = {
    next: t.unreached_func("next() should not be called"),
    async return(...args) {
      returnCalls += 1;
      returnArgs = args;
      await new Promise((r) => (resolveReturn = r));
      return { done: true };
    },
    [Symbol.asyncIterator]: () => iterable,
  };
  const reader = ReadableStream.from(iterable).getReader();
  assert_equals(returnCalls, 0);
  let cancelResolved = false;
  const cancelPromise = reader.cancel(theError).then(() => { cancelResolved = true; });
  await flushAsyncEvents();
  assert_equals(returnCalls, 1, "return() should be called");
  assert_array_equals(returnArgs, [theError]);
  assert_false(cancelResolved, "cancel() should not resolve while promise from return() is pending");
  resolveReturn();
  await Promise.all([cancelPromise, reader.closed]);
}, "ReadableStream.from: cancelling the returned stream calls and awaits return()");

promise_test(async () => {
  let nextCalls = 0, returnCalls = 0;
  const iterable = {
    async next() { nextCalls += 1; return { value: undefined, done: true }; },
    async return() { returnCalls += 1; },
    [Symbol.asyncIterator]: () => iterable,
  };
  const reader = ReadableStream.from(iterable).getReader();
  assert_object_equals(await reader.read(), { value: undefined, done: true });
  assert_equals(nextCalls, 1);
  await reader.closed;
  assert_equals(returnCalls, 0, "return() should not be called");
}, "ReadableStream.from: return() is not called when iterator completes normally");
