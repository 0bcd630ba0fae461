// A small testharness.js for the WPT streams cases ported in this
// directory: test/promise_test queue cases, the assert_* functions throw
// an AssertionError, and __runTests() runs the promise tests one at a
// time (each with a 3 s timeout) and resolves with [{name, ok, msg}].
// Also the helpers of WPT's streams/resources: delay, flushAsyncEvents,
// recording streams, readableStreamToArray.
"use strict";
const self = globalThis;
const __tests = [];
const __results = [];
class AssertionError extends Error {
  constructor(msg) { super(msg); this.name = "AssertionError"; }
}
const fmt = (v) => {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "symbol" || typeof v === "bigint") return String(v);
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (Array.isArray(v)) return `[${v.map(fmt).join(", ")}]`;
  try { return String(v); } catch (_) { return Object.prototype.toString.call(v); }
};
const check = (ok, msg, detail) => { if (!ok) throw new AssertionError(`${msg === undefined ? "" : msg + ": "}${detail}`); };
const assert_equals = (a, e, msg) => check(Object.is(a, e), msg, `got ${fmt(a)}, want ${fmt(e)}`);
const assert_not_equals = (a, e, msg) => check(!Object.is(a, e), msg, `got ${fmt(a)}, want something else`);
const assert_true = (a, msg) => check(a === true, msg, `got ${fmt(a)}, want true`);
const assert_false = (a, msg) => check(a === false, msg, `got ${fmt(a)}, want false`);
const assert_unreached = (msg) => check(false, msg, "reached unreachable code");
const assert_less_than = (a, e, msg) => check(a < e, msg, `got ${fmt(a)}, want < ${fmt(e)}`);
const assert_greater_than = (a, e, msg) => check(a > e, msg, `got ${fmt(a)}, want > ${fmt(e)}`);
const assert_in_array = (a, arr, msg) => check(arr.indexOf(a) >= 0, msg, `got ${fmt(a)}, want one of ${fmt(arr)}`);
const assert_array_equals = (a, e, msg) => {
  check(a != null && a.length === e.length, msg, `got ${fmt(a)}, want ${fmt(e)} (lengths differ)`);
  for (let i = 0; i < e.length; i++) check(Object.is(a[i], e[i]), msg, `at ${i}: got ${fmt(a[i])}, want ${fmt(e[i])}`);
};
const assert_object_equals = (a, e, msg) => {
  check(typeof a === "object" && a !== null, msg, `got ${fmt(a)}, want an object`);
  const ka = Object.keys(a).sort(), ke = Object.keys(e).sort();
  assert_array_equals(ka, ke, msg);
  for (const k of ke) {
    if (typeof e[k] === "object" && e[k] !== null) assert_object_equals(a[k], e[k], msg);
    else check(Object.is(a[k], e[k]), msg, `property ${k}: got ${fmt(a[k])}, want ${fmt(e[k])}`);
  }
};
const assert_class_string = (o, name, msg) => assert_equals(Object.prototype.toString.call(o), `[object ${name}]`, msg);
const assert_throws_js = (C, f, msg) => {
  try { f(); } catch (e) {
    check(e instanceof C && e.constructor === C, msg, `threw ${fmt(e)}, want a ${C.name}`);
    return;
  }
  check(false, msg, `did not throw, want a ${C.name}`);
};
const assert_throws_exactly = (err, f, msg) => {
  try { f(); } catch (e) { check(Object.is(e, err), msg, `threw ${fmt(e)}, want ${fmt(err)}`); return; }
  check(false, msg, `did not throw, want ${fmt(err)}`);
};
const assert_throws_dom = (name, f, msg) => {
  try { f(); } catch (e) { check(e instanceof DOMException && e.name === name, msg, `threw ${fmt(e)}, want a DOMException ${name}`); return; }
  check(false, msg, `did not throw, want a DOMException ${name}`);
};
const promise_rejects_js = (t, C, p, msg) => p.then(
  () => check(false, msg, `resolved, want a rejection with a ${C.name}`),
  (e) => check(e instanceof C && e.constructor === C, msg, `rejected with ${fmt(e)}, want a ${C.name}`));
const promise_rejects_exactly = (t, err, p, msg) => p.then(
  () => check(false, msg, `resolved, want a rejection with ${fmt(err)}`),
  (e) => check(Object.is(e, err), msg, `rejected with ${fmt(e)}, want ${fmt(err)}`));
const promise_rejects_dom = (t, name, p, msg) => p.then(
  () => check(false, msg, `resolved, want a DOMException ${name}`),
  (e) => check(e instanceof DOMException && e.name === name, msg, `rejected with ${fmt(e)}, want a DOMException ${name}`));
const assert_typed_array_equals = (actual, expected, message) => {
  assert_equals(typeof actual, "object", message);
  assert_equals(actual.constructor, expected.constructor, message);
  assert_equals(actual.byteOffset, expected.byteOffset, message);
  assert_equals(actual.byteLength, expected.byteLength, message);
  assert_equals(actual.buffer.byteLength, expected.buffer.byteLength, message);
  assert_array_equals([...actual], [...expected], message);
  assert_array_equals([...new Uint8Array(actual.buffer)], [...new Uint8Array(expected.buffer)], message);
};

const step_timeout = (f, ms, ...args) => setTimeout(f, ms, ...args);
const delay = (ms) => new Promise((resolve) => step_timeout(resolve, ms));
const flushAsyncEvents = () => delay(0).then(() => delay(0)).then(() => delay(0)).then(() => delay(0));

// t is the test object a case gets.
const newT = () => {
  const cleanups = [];
  const t = {
    cleanups,
    step: (f, self2, ...args) => f.apply(self2, args),
    step_func: (f) => function (...args) { return f.apply(this, args); },
    step_func_done: (f) => function (...args) { if (f) return f.apply(this, args); },
    unreached_func: (msg) => () => assert_unreached(msg),
    add_cleanup: (f) => cleanups.push(f),
    step_timeout,
  };
  return t;
};
const test = (f, name) => __tests.push({ name, f, sync: true });
const promise_test = (f, name) => __tests.push({ name, f, sync: false });

const runOne = (c) => {
  const t = newT();
  let p;
  try {
    const v = c.f(t);
    p = c.sync ? Promise.resolve() : Promise.resolve(v);
  } catch (e) {
    p = Promise.reject(e);
  }
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new AssertionError("timed out")), 3000));
  return Promise.race([p, timeout]).then(
    () => ({ name: c.name, ok: true }),
    (e) => ({ name: c.name, ok: false, msg: fmt(e) + (e && e.stack ? "\n" + e.stack : "") }),
  ).then((r) => Promise.all(t.cleanups.map((f) => f())).then(() => r));
};
const __runTests = async () => {
  for (const c of __tests) __results.push(await runOne(c));
  return __results;
};

// streams/resources/recording-streams.js and rs-utils.js, rewritten.
const recordingReadableStream = (extras = {}, strategy = undefined) => {
  let controllerToCopyOver;
  const stream = new ReadableStream({
    type: extras.type,
    start(controller) {
      controllerToCopyOver = controller;
      if (extras.start) return extras.start(controller);
      return undefined;
    },
    pull(controller) {
      stream.events.push("pull");
      if (extras.pull) return extras.pull(controller);
      return undefined;
    },
    cancel(reason) {
      stream.events.push("cancel", reason);
      stream.eventsWithoutPulls.push("cancel", reason);
      if (extras.cancel) return extras.cancel(reason);
      return undefined;
    },
  }, strategy);
  stream.controller = controllerToCopyOver;
  stream.events = [];
  stream.eventsWithoutPulls = [];
  return stream;
};
const recordingWritableStream = (extras = {}, strategy = undefined) => {
  let controllerToCopyOver;
  const stream = new WritableStream({
    start(controller) {
      controllerToCopyOver = controller;
      if (extras.start) return extras.start(controller);
      return undefined;
    },
    write(chunk, controller) {
      stream.events.push("write", chunk);
      if (extras.write) return extras.write(chunk, controller);
      return undefined;
    },
    close() {
      stream.events.push("close");
      if (extras.close) return extras.close();
      return undefined;
    },
    abort(e) {
      stream.events.push("abort", e);
      if (extras.abort) return extras.abort(e);
      return undefined;
    },
  }, strategy);
  stream.controller = controllerToCopyOver;
  stream.events = [];
  return stream;
};
const recordingTransformStream = (extras = {}, writableStrategy = undefined, readableStrategy = undefined) => {
  let controllerToCopyOver;
  const stream = new TransformStream({
    start(controller) {
      controllerToCopyOver = controller;
      if (extras.start) return extras.start(controller);
      return undefined;
    },
    transform(chunk, controller) {
      stream.events.push("transform", chunk);
      if (extras.transform) return extras.transform(chunk, controller);
      controller.enqueue(chunk);
      return undefined;
    },
    flush(controller) {
      stream.events.push("flush");
      if (extras.flush) return extras.flush(controller);
      controller.terminate();
      return undefined;
    },
  }, writableStrategy, readableStrategy);
  stream.controller = controllerToCopyOver;
  stream.events = [];
  return stream;
};
const readableStreamToArray = (readable, reader) => {
  if (reader === undefined) reader = readable.getReader();
  const chunks = [];
  const pump = () => reader.read().then((r) => {
    if (r.done) return chunks;
    chunks.push(r.value);
    return pump();
  });
  return pump();
};
const sequentialReadableStream = (limit, options) => {
  const async = options && options.async;
  const exec = async ? (f) => step_timeout(f, 0) : (f) => f();
  const source = { current: 0, limit, opened: false, closed: false };
  const stream = new ReadableStream({
    start() { return new Promise((resolve) => exec(() => { source.opened = true; resolve(); })); },
    pull(c) {
      return new Promise((resolve) => exec(() => {
        if (++source.current <= limit) { c.enqueue(source.current); resolve(); return; }
        exec(() => { source.closed = true; c.close(); resolve(); });
      }));
    },
  });
  stream.source = source;
  return stream;
};
const garbageCollect = () => Promise.resolve();
const makePromiseAndResolveFunc = () => {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return [promise, resolve];
};
