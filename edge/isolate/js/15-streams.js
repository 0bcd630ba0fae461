// The WHATWG Streams Standard, readable side: ReadableStream with its
// default and byte controllers, default and BYOB readers, tee, async
// iteration, ReadableStream.from, and the two queuing strategies. The
// writable side, piping and TransformStream are added by 16-writable.js
// and 17-transform.js through host.streamParts, so the whole family is
// built as one group on the first read of any of its globals (see
// host.lazy in 05-dom.js): a function that never touches streams pays
// for a few accessors only.
//
// Every public object keeps its spec slots in one internal record under
// the symbol K ({kind, pub, ...}); the abstract operations work on the
// records, and rec.pub is the object user code sees. A brand check is
// rec.pub === the receiver, so an object that merely inherits from a
// stream is not one.
//
// For the bodies code: host.isReadableStream(v) is the brand check, and
// host.readAll(stream) reads a stream to its end (locking it) and
// resolves with one Uint8Array of its chunks, rejecting with a TypeError
// for a chunk that is not an ArrayBuffer or a view.
(function (g, host) {
  "use strict";
  const parts = [];
  host.streamParts = parts;

  const NAMES = "ReadableStream ReadableStreamDefaultReader ReadableStreamBYOBReader ReadableStreamDefaultController " +
    "ReadableByteStreamController ReadableStreamBYOBRequest CountQueuingStrategy ByteLengthQueuingStrategy " +
    "WritableStream WritableStreamDefaultWriter WritableStreamDefaultController TransformStream " +
    "TransformStreamDefaultController";
  const group = host.lazy(NAMES, () => {
    const S = readable(host);
    for (const part of parts) part(S);
    return S;
  });
  host.streams = group;
  host.isReadableStream = (v) => group.made !== null && group.made.isReadableStream(v);
  host.readAll = (stream) => host.load(group).readAll(stream);

  // goja has no Symbol.asyncIterator; esbuild's lowered for-await looks
  // for Symbol.for("Symbol.asyncIterator") when it is missing, so that is
  // the one streams answer to, under both names.
  if (Symbol.asyncIterator === undefined) {
    Object.defineProperty(Symbol, "asyncIterator", { value: Symbol.for("Symbol.asyncIterator") });
  }

// readable builds the readable side and returns the internals the other
// stream files share.
function readable(host) {
  const P = Promise, then = P.prototype.then, resolved = (v) => P.resolve(v), rejected = (e) => P.reject(e);
  const domException = host.domException;
  const K = Symbol("streams"), ASYNC_ITERATOR = Symbol.asyncIterator;
  const defineProperty = Object.defineProperty;
  const noop = () => {};
  const U8 = Uint8Array, AB = ArrayBuffer, isView = AB.isView;
  const getter = (o, k) => Object.getOwnPropertyDescriptor(o, k).get;
  const TA = Object.getPrototypeOf(U8.prototype), DVp = DataView.prototype;
  const taTag = getter(TA, Symbol.toStringTag), taBuffer = getter(TA, "buffer"), taOffset = getter(TA, "byteOffset"),
    taLength = getter(TA, "byteLength");
  const dvBuffer = getter(DVp, "buffer"), dvOffset = getter(DVp, "byteOffset"), dvLength = getter(DVp, "byteLength");
  const abLength = getter(AB.prototype, "byteLength");
  const { transfer, detached } = host.streamHooks();

  // --- promises -----------------------------------------------------------
  const upon = (p, f, r) => then.call(p, f, r);
  const handled = (p) => { then.call(p, undefined, noop); return p; };
  const deferred = () => {
    const d = { p: null, res: null, rej: null, settled: false };
    d.p = new P((res, rej) => { d.res = res; d.rej = rej; });
    return d;
  };
  const settle = (d, ok, v) => {
    if (d.settled) return;
    d.settled = true;
    if (ok) d.res(v); else d.rej(v);
  };
  // promiseCall calls f and gives its result or throw as a promise.
  // User callbacks are called through Reflect.apply, never their own
  // call/apply properties.
  const call = Reflect.apply;
  const promiseCall = (f, self, ...args) => {
    try { return resolved(f === undefined ? undefined : call(f, self, args)); } catch (e) { return rejected(e); }
  };
  const method = (o, name, what) => {
    const f = o == null ? undefined : o[name];
    if (f === undefined || f === null) return undefined;
    if (typeof f !== "function") throw new TypeError(`${what}: ${name} must be a function`);
    return f;
  };
  const iterResult = (value, done) => ({ value, done });

  // --- brand checks ---------------------------------------------------------
  const recOf = (o, kind) => {
    const r = o !== null && (typeof o === "object" || typeof o === "function") ? o[K] : undefined;
    return r !== undefined && r.kind === kind && r.pub === o ? r : undefined;
  };
  const brand = (o, kind, what) => {
    const r = recOf(o, kind);
    if (r === undefined) throw new TypeError(`Illegal invocation: this is not a ${what}`);
    return r;
  };
  const brandP = (o, kind, what) => {
    const r = recOf(o, kind);
    if (r === undefined) throw new TypeError(`Illegal invocation: this is not a ${what}`);
    return r;
  };
  const attach = (pub, rec) => {
    rec.pub = pub;
    defineProperty(pub, K, { value: rec });
    return rec;
  };

  // --- queuing strategies ---------------------------------------------------
  const hwmOf = (strategy, dflt) => {
    const h = strategy == null ? undefined : strategy.highWaterMark;
    if (h === undefined) return dflt;
    const n = Number(h);
    if (n !== n || n < 0) throw new RangeError("highWaterMark must be a non-negative number");
    return n;
  };
  const sizeOf = (strategy) => {
    const s = strategy == null ? undefined : strategy.size;
    if (s === undefined) return () => 1;
    if (typeof s !== "function") throw new TypeError("strategy.size must be a function");
    return (chunk) => s(chunk);
  };
  const strategyInit = (init, what) => {
    if (init === null || typeof init !== "object") throw new TypeError(`${what}: the argument must be an object`);
    const h = init.highWaterMark;
    if (h === undefined) throw new TypeError(`${what}: highWaterMark is required`);
    return Number(h);
  };
  const byteLengthSize = function size(chunk) { return chunk.byteLength; };
  const countSize = function size() { return 1; };
  class ByteLengthQueuingStrategy {
    constructor(init) { attach(this, { kind: "BLQS", hwm: strategyInit(init, "ByteLengthQueuingStrategy") }); }
    get highWaterMark() { return brand(this, "BLQS", "ByteLengthQueuingStrategy").hwm; }
    get size() { brand(this, "BLQS", "ByteLengthQueuingStrategy"); return byteLengthSize; }
  }
  class CountQueuingStrategy {
    constructor(init) { attach(this, { kind: "CQS", hwm: strategyInit(init, "CountQueuingStrategy") }); }
    get highWaterMark() { return brand(this, "CQS", "CountQueuingStrategy").hwm; }
    get size() { brand(this, "CQS", "CountQueuingStrategy"); return countSize; }
  }
  defineProperty(ByteLengthQueuingStrategy.prototype, Symbol.toStringTag, { value: "ByteLengthQueuingStrategy", configurable: true });
  defineProperty(CountQueuingStrategy.prototype, Symbol.toStringTag, { value: "CountQueuingStrategy", configurable: true });

  // --- queue with sizes -------------------------------------------------------
  const enqueueValueWithSize = (c, value, size) => {
    size = Number(size);
    if (size !== size || size < 0 || size === Infinity) throw new RangeError("a chunk's size must be a finite, non-negative number");
    c.queue.push({ value, size });
    c.queueTotalSize += size;
  };
  const dequeueValue = (c) => {
    const pair = c.queue.shift();
    c.queueTotalSize -= pair.size;
    if (c.queueTotalSize < 0) c.queueTotalSize = 0;
    return pair.value;
  };
  const resetQueue = (c) => { c.queue = []; c.queueTotalSize = 0; };

  // --- buffers ----------------------------------------------------------------
  // viewParts gives [buffer, offset, length, elementSize, ctor] of a view,
  // read through the intrinsic getters, or null for anything else.
  const viewParts = (v) => {
    const tag = v !== null && typeof v === "object" ? taTag.call(v) : undefined;
    if (tag !== undefined) {
      const C = CTORS[tag];
      return [taBuffer.call(v), taOffset.call(v), taLength.call(v), C.BYTES_PER_ELEMENT, C];
    }
    if (isView(v)) return [dvBuffer.call(v), dvOffset.call(v), dvLength.call(v), 1, DataView];
    return null;
  };
  const isArrayBuffer = (x) => {
    if (x === null || typeof x !== "object") return false;
    try { abLength.call(x); return true; } catch (_) { return false; }
  };
  const CTORS = { Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
    Float32Array, Float64Array, BigInt64Array, BigUint64Array };
  // toBytes is a BufferSource as a Uint8Array over its bytes (no copy), or
  // null for anything else.
  const toBytes = (x) => {
    const v = viewParts(x);
    if (v !== null) return v[4] === U8 ? x : new U8(v[0], v[1], v[2]);
    return isArrayBuffer(x) ? new U8(x) : null;
  };
  const copyBytes = (dst, dstOff, src, srcOff, n) => {
    new U8(dst, dstOff, n).set(new U8(src, srcOff, n));
  };

  // --- ReadableStream -----------------------------------------------------------
  const newStreamRec = () => ({ kind: "RS", pub: null, state: "readable", reader: null, storedError: undefined, disturbed: false, controller: null });

  class ReadableStream {
    constructor(underlyingSource = undefined, strategy = undefined) {
      if (underlyingSource === null) underlyingSource = undefined;
      if (underlyingSource !== undefined && typeof underlyingSource !== "object" && typeof underlyingSource !== "function") {
        throw new TypeError("ReadableStream: underlyingSource must be an object");
      }
      if (strategy !== undefined && strategy !== null && typeof strategy !== "object") {
        throw new TypeError("ReadableStream: strategy must be an object");
      }
      const s = attach(this, newStreamRec());
      const src = underlyingSource;
      const type = src === undefined ? undefined : src.type;
      if (type !== undefined && `${type}` !== "bytes") throw new TypeError(`ReadableStream: type must be "bytes" or undefined, not "${type}"`);
      if (type !== undefined) {
        if (strategy != null && strategy.size !== undefined) throw new RangeError("ReadableStream: a byte stream's strategy cannot have a size");
        const hwm = hwmOf(strategy, 0);
        setUpByteControllerFromSource(s, src, hwm);
      } else {
        const size = sizeOf(strategy);
        const hwm = hwmOf(strategy, 1);
        setUpDefaultControllerFromSource(s, src, hwm, size);
      }
    }
    get locked() { return brand(this, "RS", "ReadableStream").reader !== null; }
    cancel(reason) {
      const s = recOf(this, "RS");
      if (s === undefined) return rejected(new TypeError("Illegal invocation: this is not a ReadableStream"));
      if (s.reader !== null) return rejected(new TypeError("ReadableStream.cancel: the stream is locked to a reader"));
      return streamCancel(s, reason);
    }
    getReader(options = undefined) {
      const s = brand(this, "RS", "ReadableStream");
      if (options !== undefined && options !== null && typeof options !== "object") throw new TypeError("getReader: options must be an object");
      const mode = options == null ? undefined : options.mode;
      if (mode === undefined) return newDefaultReader(s).pub;
      if (`${mode}` !== "byob") throw new TypeError(`getReader: mode must be "byob", not "${mode}"`);
      return newBYOBReader(s).pub;
    }
    pipeThrough(transform, options = undefined) {
      const s = brand(this, "RS", "ReadableStream");
      if (transform === null || typeof transform !== "object") throw new TypeError("pipeThrough: the transform must be an object");
      const writable = transform.writable, readableSide = transform.readable;
      const w = S.writableRec(writable);
      if (w === undefined) throw new TypeError("pipeThrough: transform.writable must be a WritableStream");
      if (recOf(readableSide, "RS") === undefined) throw new TypeError("pipeThrough: transform.readable must be a ReadableStream");
      const o = pipeOptions(options);
      if (s.reader !== null) throw new TypeError("pipeThrough: the stream is locked");
      if (w.writer !== null) throw new TypeError("pipeThrough: the writable stream is locked");
      handled(S.pipe(s, w, o.preventClose, o.preventAbort, o.preventCancel, o.signal));
      return readableSide;
    }
    pipeTo(destination, options = undefined) {
      const s = recOf(this, "RS");
      if (s === undefined) return rejected(new TypeError("Illegal invocation: this is not a ReadableStream"));
      const w = S.writableRec(destination);
      if (w === undefined) return rejected(new TypeError("pipeTo: the destination must be a WritableStream"));
      let o;
      try { o = pipeOptions(options); } catch (e) { return rejected(e); }
      if (s.reader !== null) return rejected(new TypeError("pipeTo: the stream is locked"));
      if (w.writer !== null) return rejected(new TypeError("pipeTo: the destination is locked"));
      return S.pipe(s, w, o.preventClose, o.preventAbort, o.preventCancel, o.signal);
    }
    tee() {
      const s = brand(this, "RS", "ReadableStream");
      const pair = s.controller.kind === "BC" ? byteTee(s) : defaultTee(s, false);
      return [pair[0].pub, pair[1].pub];
    }
    values(options = undefined) {
      const s = brand(this, "RS", "ReadableStream");
      const preventCancel = options != null && !!options.preventCancel;
      return newAsyncIterator(s, preventCancel);
    }
    static from(asyncIterable) { return fromIterable(asyncIterable).pub; }
  }
  defineProperty(ReadableStream.prototype, ASYNC_ITERATOR, {
    value: ReadableStream.prototype.values, writable: true, configurable: true,
  });
  defineProperty(ReadableStream.prototype, Symbol.toStringTag, { value: "ReadableStream", configurable: true });

  const pipeOptions = (options) => {
    if (options !== undefined && options !== null && typeof options !== "object") throw new TypeError("pipe options must be an object");
    const o = options || {};
    const signal = o.signal;
    if (signal !== undefined && !S.isAbortSignal(signal)) throw new TypeError("pipe options: signal must be an AbortSignal");
    return { preventAbort: !!o.preventAbort, preventCancel: !!o.preventCancel, preventClose: !!o.preventClose, signal };
  };

  // createReadableStream makes a stream from JS algorithms, as other specs
  // (and TransformStream) do.
  const createReadableStream = (start, pull, cancel, hwm = 1, size = () => 1) => {
    const pub = Object.create(ReadableStream.prototype);
    const s = attach(pub, newStreamRec());
    const c = newDefaultControllerRec();
    setUpDefaultController(s, c, start, pull, cancel, hwm, size);
    return s;
  };
  const createByteStream = (start, pull, cancel) => {
    const pub = Object.create(ReadableStream.prototype);
    const s = attach(pub, newStreamRec());
    const c = newByteControllerRec();
    setUpByteController(s, c, start, pull, cancel, 0, undefined);
    return s;
  };

  const streamCancel = (s, reason) => {
    s.disturbed = true;
    if (s.state === "closed") return resolved(undefined);
    if (s.state === "errored") return rejected(s.storedError);
    streamClose(s);
    const r = s.reader;
    if (r !== null && r.kind === "BR") {
      const reqs = r.readIntoRequests;
      r.readIntoRequests = [];
      for (const req of reqs) req.close(undefined);
    }
    const p = s.controller.cancelSteps(reason);
    return upon(p, noop);
  };
  const streamClose = (s) => {
    s.state = "closed";
    const r = s.reader;
    if (r === null) return;
    settle(r.closed, true, undefined);
    if (r.kind === "DR") {
      const reqs = r.readRequests;
      r.readRequests = [];
      for (const req of reqs) req.close();
    }
  };
  const streamError = (s, e) => {
    s.state = "errored";
    s.storedError = e;
    const r = s.reader;
    if (r === null) return;
    settle(r.closed, false, e);
    handled(r.closed.p);
    if (r.kind === "DR") {
      const reqs = r.readRequests;
      r.readRequests = [];
      for (const req of reqs) req.error(e);
    } else {
      const reqs = r.readIntoRequests;
      r.readIntoRequests = [];
      for (const req of reqs) req.error(e);
    }
  };
  const fulfillReadRequest = (s, chunk, done) => {
    const req = s.reader.readRequests.shift();
    if (done) req.close(); else req.chunk(chunk);
  };
  const numReadRequests = (s) => s.reader.readRequests.length;
  const hasDefaultReader = (s) => s.reader !== null && s.reader.kind === "DR";
  const hasBYOBReader = (s) => s.reader !== null && s.reader.kind === "BR";

  // --- readers ---------------------------------------------------------------------
  const readerInit = (r, s) => {
    r.stream = s;
    s.reader = r;
    r.closed = deferred();
    if (s.state === "readable") return;
    if (s.state === "closed") settle(r.closed, true, undefined);
    else { settle(r.closed, false, s.storedError); handled(r.closed.p); }
  };
  const readerCancel = (r, reason) => streamCancel(r.stream, reason);
  const readerRelease = (r) => {
    const s = r.stream;
    const e = new TypeError("the reader's lock was released");
    if (s.state === "readable") settle(r.closed, false, e);
    else { r.closed = deferred(); settle(r.closed, false, e); }
    handled(r.closed.p);
    s.controller.releaseSteps();
    s.reader = null;
    r.stream = undefined;
  };
  const newDefaultReader = (s, pub) => {
    if (s.reader !== null) throw new TypeError("the ReadableStream is locked to a reader");
    const r = attach(pub || Object.create(ReadableStreamDefaultReader.prototype), { kind: "DR", pub: null, stream: undefined, closed: null, readRequests: [] });
    readerInit(r, s);
    return r;
  };
  const defaultReaderRead = (r, req) => {
    const s = r.stream;
    s.disturbed = true;
    if (s.state === "closed") req.close();
    else if (s.state === "errored") req.error(s.storedError);
    else s.controller.pullSteps(req);
  };
  const defaultReaderErrorRequests = (r, e) => {
    const reqs = r.readRequests;
    r.readRequests = [];
    for (const req of reqs) req.error(e);
  };
  const promiseReadRequest = () => {
    const d = deferred();
    return {
      p: d.p,
      chunk: (v) => d.res(iterResult(v, false)),
      close: () => d.res(iterResult(undefined, true)),
      error: (e) => d.rej(e),
    };
  };

  class ReadableStreamDefaultReader {
    constructor(stream) {
      const s = recOf(stream, "RS");
      if (s === undefined) throw new TypeError("ReadableStreamDefaultReader: the argument must be a ReadableStream");
      newDefaultReader(s, this);
    }
    get closed() {
      const r = recOf(this, "DR");
      if (r === undefined) return rejected(new TypeError("Illegal invocation: this is not a ReadableStreamDefaultReader"));
      return r.closed.p;
    }
    cancel(reason) {
      const r = recOf(this, "DR");
      if (r === undefined) return rejected(new TypeError("Illegal invocation: this is not a ReadableStreamDefaultReader"));
      if (r.stream === undefined) return rejected(new TypeError("cancel: the reader has no stream (its lock was released)"));
      return readerCancel(r, reason);
    }
    read() {
      const r = recOf(this, "DR");
      if (r === undefined) return rejected(new TypeError("Illegal invocation: this is not a ReadableStreamDefaultReader"));
      if (r.stream === undefined) return rejected(new TypeError("read: the reader has no stream (its lock was released)"));
      const req = promiseReadRequest();
      defaultReaderRead(r, req);
      return req.p;
    }
    releaseLock() {
      const r = brand(this, "DR", "ReadableStreamDefaultReader");
      if (r.stream === undefined) return;
      readerRelease(r);
      defaultReaderErrorRequests(r, new TypeError("the reader's lock was released"));
    }
  }
  defineProperty(ReadableStreamDefaultReader.prototype, Symbol.toStringTag, { value: "ReadableStreamDefaultReader", configurable: true });

  const newBYOBReader = (s, pub) => {
    if (s.reader !== null) throw new TypeError("the ReadableStream is locked to a reader");
    if (s.controller.kind !== "BC") throw new TypeError("a BYOB reader needs a byte stream (type: \"bytes\")");
    const r = attach(pub || Object.create(ReadableStreamBYOBReader.prototype), { kind: "BR", pub: null, stream: undefined, closed: null, readIntoRequests: [] });
    readerInit(r, s);
    return r;
  };
  const byobReaderRead = (r, view, min, req) => {
    const s = r.stream;
    s.disturbed = true;
    if (s.state === "errored") req.error(s.storedError);
    else byteControllerPullInto(s.controller, view, min, req);
  };
  const byobReaderErrorRequests = (r, e) => {
    const reqs = r.readIntoRequests;
    r.readIntoRequests = [];
    for (const req of reqs) req.error(e);
  };

  class ReadableStreamBYOBReader {
    constructor(stream) {
      const s = recOf(stream, "RS");
      if (s === undefined) throw new TypeError("ReadableStreamBYOBReader: the argument must be a ReadableStream");
      newBYOBReader(s, this);
    }
    get closed() {
      const r = recOf(this, "BR");
      if (r === undefined) return rejected(new TypeError("Illegal invocation: this is not a ReadableStreamBYOBReader"));
      return r.closed.p;
    }
    cancel(reason) {
      const r = recOf(this, "BR");
      if (r === undefined) return rejected(new TypeError("Illegal invocation: this is not a ReadableStreamBYOBReader"));
      if (r.stream === undefined) return rejected(new TypeError("cancel: the reader has no stream (its lock was released)"));
      return readerCancel(r, reason);
    }
    read(view, options = undefined) {
      const r = recOf(this, "BR");
      if (r === undefined) return rejected(new TypeError("Illegal invocation: this is not a ReadableStreamBYOBReader"));
      const vp = viewParts(view);
      if (vp === null) return rejected(new TypeError("read: the argument must be an ArrayBuffer view"));
      if (options !== undefined && options !== null && typeof options !== "object") return rejected(new TypeError("read: options must be an object"));
      let min = options == null || options.min === undefined ? 1 : Number(options.min);
      if (min !== min || min === Infinity) return rejected(new TypeError("read: options.min must be a finite number"));
      min = Math.trunc(min);
      if (vp[2] === 0) return rejected(new TypeError("read: the view is empty"));
      if (abLength.call(vp[0]) === 0 || detached(vp[0])) return rejected(new TypeError("read: the view's buffer is detached or empty"));
      if (min <= 0) return rejected(new TypeError("read: options.min must be positive"));
      const len = vp[4] === DataView ? vp[2] : vp[2] / vp[3];
      if (min > len) return rejected(new RangeError("read: options.min is larger than the view"));
      if (r.stream === undefined) return rejected(new TypeError("read: the reader has no stream (its lock was released)"));
      const d = deferred();
      byobReaderRead(r, view, min, {
        chunk: (v) => d.res(iterResult(v, false)),
        close: (v) => d.res(iterResult(v, true)),
        error: (e) => d.rej(e),
      });
      return d.p;
    }
    releaseLock() {
      const r = brand(this, "BR", "ReadableStreamBYOBReader");
      if (r.stream === undefined) return;
      readerRelease(r);
      byobReaderErrorRequests(r, new TypeError("the reader's lock was released"));
    }
  }
  defineProperty(ReadableStreamBYOBReader.prototype, Symbol.toStringTag, { value: "ReadableStreamBYOBReader", configurable: true });

  // --- default controller ------------------------------------------------------------
  const newDefaultControllerRec = () => ({
    kind: "DC", pub: null, stream: null, queue: [], queueTotalSize: 0, started: false, closeRequested: false,
    pullAgain: false, pulling: false, size: null, hwm: 1, pull: null, cancel: null,
    cancelSteps: null, pullSteps: null, releaseSteps: noop,
  });
  const dcShouldPull = (c) => {
    const s = c.stream;
    if (!dcCanCloseOrEnqueue(c) || !c.started) return false;
    if (s.reader !== null && s.reader.kind === "DR" && numReadRequests(s) > 0) return true;
    return dcDesiredSize(c) > 0;
  };
  const dcPullIfNeeded = (c) => {
    if (!dcShouldPull(c)) return;
    if (c.pulling) { c.pullAgain = true; return; }
    c.pulling = true;
    upon(c.pull(), () => {
      c.pulling = false;
      if (c.pullAgain) { c.pullAgain = false; dcPullIfNeeded(c); }
    }, (e) => dcError(c, e));
  };
  const dcClearAlgorithms = (c) => { c.pull = null; c.cancel = null; c.size = null; };
  const dcClose = (c) => {
    if (!dcCanCloseOrEnqueue(c)) return;
    c.closeRequested = true;
    if (c.queue.length === 0) { dcClearAlgorithms(c); streamClose(c.stream); }
  };
  const dcEnqueue = (c, chunk) => {
    if (!dcCanCloseOrEnqueue(c)) return;
    const s = c.stream;
    if (s.reader !== null && s.reader.kind === "DR" && numReadRequests(s) > 0) {
      fulfillReadRequest(s, chunk, false);
    } else {
      let size;
      try { size = c.size(chunk); } catch (e) { dcError(c, e); throw e; }
      try { enqueueValueWithSize(c, chunk, size); } catch (e) { dcError(c, e); throw e; }
    }
    dcPullIfNeeded(c);
  };
  const dcError = (c, e) => {
    if (c.stream.state !== "readable") return;
    resetQueue(c);
    dcClearAlgorithms(c);
    streamError(c.stream, e);
  };
  const dcDesiredSize = (c) => {
    const st = c.stream.state;
    if (st === "errored") return null;
    if (st === "closed") return 0;
    return c.hwm - c.queueTotalSize;
  };
  const dcCanCloseOrEnqueue = (c) => !c.closeRequested && c.stream.state === "readable";
  const dcHasBackpressure = (c) => !dcShouldPull(c);

  const setUpDefaultController = (s, c, start, pull, cancel, hwm, size) => {
    c.pub = c.pub || Object.create(ReadableStreamDefaultController.prototype);
    if (c.pub[K] === undefined) defineProperty(c.pub, K, { value: c });
    c.stream = s;
    resetQueue(c);
    c.hwm = hwm;
    c.size = size;
    c.pull = pull;
    c.cancel = cancel;
    c.cancelSteps = (reason) => {
      resetQueue(c);
      const p = c.cancel(reason);
      dcClearAlgorithms(c);
      return p;
    };
    c.pullSteps = (req) => {
      if (c.queue.length > 0) {
        const chunk = dequeueValue(c);
        if (c.closeRequested && c.queue.length === 0) { dcClearAlgorithms(c); streamClose(s); } else dcPullIfNeeded(c);
        req.chunk(chunk);
      } else {
        s.reader.readRequests.push(req);
        dcPullIfNeeded(c);
      }
    };
    s.controller = c;
    const startResult = start();
    upon(resolved(startResult), () => {
      c.started = true;
      dcPullIfNeeded(c);
    }, (e) => dcError(c, e));
  };
  const setUpDefaultControllerFromSource = (s, src, hwm, size) => {
    const c = newDefaultControllerRec();
    c.pub = Object.create(ReadableStreamDefaultController.prototype);
    defineProperty(c.pub, K, { value: c });
    const start = method(src, "start", "underlyingSource"), pull = method(src, "pull", "underlyingSource"),
      cancel = method(src, "cancel", "underlyingSource");
    setUpDefaultController(s, c,
      () => (start === undefined ? undefined : call(start, src, [c.pub])),
      () => promiseCall(pull, src, c.pub),
      (reason) => promiseCall(cancel, src, reason),
      hwm, size);
  };

  class ReadableStreamDefaultController {
    constructor() { throw new TypeError("Illegal constructor"); }
    get desiredSize() { return dcDesiredSize(brand(this, "DC", "ReadableStreamDefaultController")); }
    close() {
      const c = brand(this, "DC", "ReadableStreamDefaultController");
      if (!dcCanCloseOrEnqueue(c)) throw new TypeError("close: the stream is already closing or not readable");
      dcClose(c);
    }
    enqueue(chunk) {
      const c = brand(this, "DC", "ReadableStreamDefaultController");
      if (!dcCanCloseOrEnqueue(c)) throw new TypeError("enqueue: the stream is closing or not readable");
      dcEnqueue(c, chunk);
    }
    error(e) { dcError(brand(this, "DC", "ReadableStreamDefaultController"), e); }
  }
  defineProperty(ReadableStreamDefaultController.prototype, Symbol.toStringTag, { value: "ReadableStreamDefaultController", configurable: true });

  // --- byte controller ------------------------------------------------------------------
  const newByteControllerRec = () => ({
    kind: "BC", pub: null, stream: null, queue: [], queueTotalSize: 0, started: false, closeRequested: false,
    pullAgain: false, pulling: false, hwm: 0, pull: null, cancel: null, autoAllocateChunkSize: undefined,
    byobRequest: null, pendingPullIntos: [], cancelSteps: null, pullSteps: null, releaseSteps: null,
  });
  const bcShouldPull = (c) => {
    const s = c.stream;
    if (s.state !== "readable" || c.closeRequested || !c.started) return false;
    if (hasDefaultReader(s) && numReadRequests(s) > 0) return true;
    if (hasBYOBReader(s) && s.reader.readIntoRequests.length > 0) return true;
    return bcDesiredSize(c) > 0;
  };
  const bcPullIfNeeded = (c) => {
    if (!bcShouldPull(c)) return;
    if (c.pulling) { c.pullAgain = true; return; }
    c.pulling = true;
    upon(c.pull(), () => {
      c.pulling = false;
      if (c.pullAgain) { c.pullAgain = false; bcPullIfNeeded(c); }
    }, (e) => bcError(c, e));
  };
  const bcClearAlgorithms = (c) => { c.pull = null; c.cancel = null; };
  const bcInvalidateBYOBRequest = (c) => {
    if (c.byobRequest === null) return;
    c.byobRequest.controller = undefined;
    c.byobRequest.view = null;
    c.byobRequest = null;
  };
  const bcClearPendingPullIntos = (c) => { bcInvalidateBYOBRequest(c); c.pendingPullIntos = []; };
  const bcDesiredSize = (c) => {
    const st = c.stream.state;
    if (st === "errored") return null;
    if (st === "closed") return 0;
    return c.hwm - c.queueTotalSize;
  };
  const bcError = (c, e) => {
    const s = c.stream;
    if (s.state !== "readable") return;
    bcClearPendingPullIntos(c);
    resetQueue(c);
    bcClearAlgorithms(c);
    streamError(s, e);
  };
  const bcClose = (c) => {
    const s = c.stream;
    if (c.closeRequested || s.state !== "readable") return;
    if (c.queueTotalSize > 0) { c.closeRequested = true; return; }
    if (c.pendingPullIntos.length > 0) {
      const first = c.pendingPullIntos[0];
      if (first.bytesFilled % first.elementSize !== 0) {
        const e = new TypeError("close: a BYOB read is partly filled with an incomplete element");
        bcError(c, e);
        throw e;
      }
    }
    bcClearAlgorithms(c);
    streamClose(s);
  };
  const bcEnqueueChunkToQueue = (c, buffer, byteOffset, byteLength) => {
    c.queue.push({ buffer, byteOffset, byteLength });
    c.queueTotalSize += byteLength;
  };
  const bcEnqueueClonedChunkToQueue = (c, buffer, byteOffset, byteLength) => {
    let clone;
    try { clone = buffer.slice(byteOffset, byteOffset + byteLength); } catch (e) { bcError(c, e); throw e; }
    bcEnqueueChunkToQueue(c, clone, 0, byteLength);
  };
  const bcEnqueueDetachedPullIntoToQueue = (c, d) => {
    if (d.bytesFilled > 0) bcEnqueueClonedChunkToQueue(c, d.buffer, d.byteOffset, d.bytesFilled);
    bcShiftPendingPullInto(c);
  };
  const bcShiftPendingPullInto = (c) => c.pendingPullIntos.shift();
  const convertPullIntoDescriptor = (d) => {
    const n = d.bytesFilled;
    const buf = transfer(d.buffer);
    return new d.viewConstructor(buf, d.byteOffset, n / d.elementSize);
  };
  const commitPullIntoDescriptor = (s, d) => {
    let done = false;
    if (s.state === "closed") done = true;
    const v = convertPullIntoDescriptor(d);
    if (d.readerType === "default") fulfillReadRequest(s, v, done);
    else {
      const req = s.reader.readIntoRequests.shift();
      if (done) req.close(v); else req.chunk(v);
    }
  };
  const bcFillPullIntoFromQueue = (c, d) => {
    const maxBytesToCopy = Math.min(c.queueTotalSize, d.byteLength - d.bytesFilled);
    const maxBytesFilled = d.bytesFilled + maxBytesToCopy;
    let totalBytesToCopyRemaining = maxBytesToCopy, ready = false;
    const remainderBytes = maxBytesFilled % d.elementSize;
    const maxAlignedBytes = maxBytesFilled - remainderBytes;
    if (maxAlignedBytes >= d.minimumFill) {
      totalBytesToCopyRemaining = maxAlignedBytes - d.bytesFilled;
      ready = true;
    }
    const q = c.queue;
    while (totalBytesToCopyRemaining > 0) {
      const head = q[0];
      const n = Math.min(totalBytesToCopyRemaining, head.byteLength);
      copyBytes(d.buffer, d.byteOffset + d.bytesFilled, head.buffer, head.byteOffset, n);
      if (head.byteLength === n) q.shift();
      else { head.byteOffset += n; head.byteLength -= n; }
      c.queueTotalSize -= n;
      d.bytesFilled += n;
      totalBytesToCopyRemaining -= n;
    }
    return ready;
  };
  const bcHandleQueueDrain = (c) => {
    if (c.queueTotalSize === 0 && c.closeRequested) { bcClearAlgorithms(c); streamClose(c.stream); } else bcPullIfNeeded(c);
  };
  const bcProcessPullIntosUsingQueue = (c) => {
    while (c.pendingPullIntos.length > 0) {
      if (c.queueTotalSize === 0) return;
      const d = c.pendingPullIntos[0];
      if (bcFillPullIntoFromQueue(c, d)) {
        bcShiftPendingPullInto(c);
        commitPullIntoDescriptor(c.stream, d);
      }
    }
  };
  const bcProcessReadRequestsUsingQueue = (c) => {
    const r = c.stream.reader;
    while (r.readRequests.length > 0) {
      if (c.queueTotalSize === 0) return;
      const req = r.readRequests.shift();
      bcFillReadRequestFromQueue(c, req);
    }
  };
  const bcFillReadRequestFromQueue = (c, req) => {
    const e = c.queue.shift();
    c.queueTotalSize -= e.byteLength;
    bcHandleQueueDrain(c);
    req.chunk(new U8(e.buffer, e.byteOffset, e.byteLength));
  };
  const bcEnqueue = (c, chunk) => {
    const s = c.stream;
    if (c.closeRequested || s.state !== "readable") return;
    const [buffer, byteOffset, byteLength] = viewParts(chunk);
    if (detached(buffer)) throw new TypeError("enqueue: the chunk's buffer is detached");
    const transferred = transfer(buffer);
    if (c.pendingPullIntos.length > 0) {
      const first = c.pendingPullIntos[0];
      if (detached(first.buffer)) throw new TypeError("enqueue: the pending BYOB read's buffer is detached");
      bcInvalidateBYOBRequest(c);
      first.buffer = transfer(first.buffer);
      if (first.readerType === "none") bcEnqueueDetachedPullIntoToQueue(c, first);
    }
    if (hasDefaultReader(s)) {
      bcProcessReadRequestsUsingQueue(c);
      if (numReadRequests(s) === 0) bcEnqueueChunkToQueue(c, transferred, byteOffset, byteLength);
      else {
        if (c.pendingPullIntos.length > 0) bcShiftPendingPullInto(c);
        fulfillReadRequest(s, new U8(transferred, byteOffset, byteLength), false);
      }
    } else if (hasBYOBReader(s)) {
      bcEnqueueChunkToQueue(c, transferred, byteOffset, byteLength);
      bcProcessPullIntosUsingQueue(c);
    } else {
      bcEnqueueChunkToQueue(c, transferred, byteOffset, byteLength);
    }
    bcPullIfNeeded(c);
  };
  const bcGetBYOBRequest = (c) => {
    if (c.byobRequest === null && c.pendingPullIntos.length > 0) {
      const d = c.pendingPullIntos[0];
      const view = new U8(d.buffer, d.byteOffset + d.bytesFilled, d.byteLength - d.bytesFilled);
      const req = Object.create(ReadableStreamBYOBRequest.prototype);
      c.byobRequest = attach(req, { kind: "BYOBREQ", pub: null, controller: c, view });
    }
    return c.byobRequest === null ? null : c.byobRequest.pub;
  };
  const byteControllerPullInto = (c, view, min, req) => {
    const s = c.stream;
    const [vbuf, voff, vlen, elementSize, ctor] = viewParts(view);
    const minimumFill = min * elementSize;
    let buffer;
    try { buffer = transfer(vbuf); } catch (e) { req.error(e); return; }
    const d = { buffer, bufferByteLength: abLength.call(buffer), byteOffset: voff, byteLength: vlen, bytesFilled: 0,
      minimumFill, elementSize, viewConstructor: ctor, readerType: "byob" };
    if (c.pendingPullIntos.length > 0) {
      c.pendingPullIntos.push(d);
      s.reader.readIntoRequests.push(req);
      return;
    }
    if (s.state === "closed") {
      req.close(new ctor(d.buffer, d.byteOffset, 0));
      return;
    }
    if (c.queueTotalSize > 0) {
      if (bcFillPullIntoFromQueue(c, d)) {
        const v = convertPullIntoDescriptor(d);
        bcHandleQueueDrain(c);
        req.chunk(v);
        return;
      }
      if (c.closeRequested) {
        const e = new TypeError("the stream closed with an incomplete element in the queue");
        bcError(c, e);
        req.error(e);
        return;
      }
    }
    c.pendingPullIntos.push(d);
    s.reader.readIntoRequests.push(req);
    bcPullIfNeeded(c);
  };
  const bcRespondInClosedState = (c, first) => {
    if (first.readerType === "none") bcShiftPendingPullInto(c);
    const s = c.stream;
    if (hasBYOBReader(s)) {
      while (s.reader.readIntoRequests.length > 0) commitPullIntoDescriptor(s, bcShiftPendingPullInto(c));
    }
  };
  const bcRespondInReadableState = (c, n, d) => {
    d.bytesFilled += n;
    if (d.readerType === "none") {
      bcEnqueueDetachedPullIntoToQueue(c, d);
      bcProcessPullIntosUsingQueue(c);
      return;
    }
    if (d.bytesFilled < d.minimumFill) return;
    bcShiftPendingPullInto(c);
    const remainder = d.bytesFilled % d.elementSize;
    if (remainder > 0) {
      const end = d.byteOffset + d.bytesFilled;
      bcEnqueueClonedChunkToQueue(c, d.buffer, end - remainder, remainder);
    }
    d.bytesFilled -= remainder;
    commitPullIntoDescriptor(c.stream, d);
    bcProcessPullIntosUsingQueue(c);
  };
  const bcRespondInternal = (c, n) => {
    const first = c.pendingPullIntos[0];
    bcInvalidateBYOBRequest(c);
    if (c.stream.state === "closed") bcRespondInClosedState(c, first);
    else bcRespondInReadableState(c, n, first);
    bcPullIfNeeded(c);
  };
  const bcRespond = (c, n) => {
    const first = c.pendingPullIntos[0];
    if (c.stream.state === "closed") {
      if (n !== 0) throw new TypeError("respond: bytesWritten must be 0 once the stream is closed");
    } else {
      if (n === 0) throw new TypeError("respond: bytesWritten must be positive while the stream is readable");
      if (first.bytesFilled + n > first.byteLength) throw new RangeError("respond: bytesWritten is larger than the view");
    }
    first.buffer = transfer(first.buffer);
    bcRespondInternal(c, n);
  };
  const bcRespondWithNewView = (c, view) => {
    const first = c.pendingPullIntos[0];
    const [vbuf, voff, vlen] = viewParts(view);
    if (c.stream.state === "closed") {
      if (vlen !== 0) throw new TypeError("respondWithNewView: the view must be empty once the stream is closed");
    } else if (vlen === 0) throw new TypeError("respondWithNewView: the view must not be empty while the stream is readable");
    if (first.byteOffset + first.bytesFilled !== voff) throw new RangeError("respondWithNewView: the view's offset does not match the request");
    if (first.bufferByteLength !== abLength.call(vbuf)) throw new RangeError("respondWithNewView: the view's buffer has a different length");
    if (first.bytesFilled + vlen > first.byteLength) throw new RangeError("respondWithNewView: the view is larger than the request");
    first.buffer = transfer(vbuf);
    bcRespondInternal(c, vlen);
  };

  const setUpByteController = (s, c, start, pull, cancel, hwm, autoAllocateChunkSize) => {
    if (c.pub === null) attach(Object.create(ReadableByteStreamController.prototype), c);
    c.stream = s;
    c.pullAgain = c.pulling = false;
    c.byobRequest = null;
    resetQueue(c);
    c.closeRequested = c.started = false;
    c.hwm = hwm;
    c.pull = pull;
    c.cancel = cancel;
    c.autoAllocateChunkSize = autoAllocateChunkSize;
    c.pendingPullIntos = [];
    c.cancelSteps = (reason) => {
      bcClearPendingPullIntos(c);
      resetQueue(c);
      const p = c.cancel(reason);
      bcClearAlgorithms(c);
      return p;
    };
    c.pullSteps = (req) => {
      if (c.queueTotalSize > 0) { bcFillReadRequestFromQueue(c, req); return; }
      const size = c.autoAllocateChunkSize;
      if (size !== undefined) {
        let buffer;
        try { buffer = new AB(size); } catch (e) { req.error(e); return; }
        c.pendingPullIntos.push({ buffer, bufferByteLength: size, byteOffset: 0, byteLength: size, bytesFilled: 0,
          minimumFill: 1, elementSize: 1, viewConstructor: U8, readerType: "default" });
      }
      s.reader.readRequests.push(req);
      bcPullIfNeeded(c);
    };
    c.releaseSteps = () => {
      if (c.pendingPullIntos.length > 0) {
        const first = c.pendingPullIntos[0];
        first.readerType = "none";
        c.pendingPullIntos = [first];
      }
    };
    s.controller = c;
    const startResult = start();
    upon(resolved(startResult), () => {
      c.started = true;
      bcPullIfNeeded(c);
    }, (e) => bcError(c, e));
  };
  const setUpByteControllerFromSource = (s, src, hwm) => {
    const c = newByteControllerRec();
    attach(Object.create(ReadableByteStreamController.prototype), c);
    const start = method(src, "start", "underlyingSource"), pull = method(src, "pull", "underlyingSource"),
      cancel = method(src, "cancel", "underlyingSource");
    let auto = src.autoAllocateChunkSize;
    if (auto !== undefined) {
      auto = Number(auto);
      if (!(auto > 0) || auto === Infinity) throw new TypeError("autoAllocateChunkSize must be a positive integer");
      auto = Math.trunc(auto);
      if (auto === 0) throw new TypeError("autoAllocateChunkSize must be a positive integer");
    }
    setUpByteController(s, c,
      () => (start === undefined ? undefined : call(start, src, [c.pub])),
      () => promiseCall(pull, src, c.pub),
      (reason) => promiseCall(cancel, src, reason),
      hwm, auto);
  };

  class ReadableByteStreamController {
    constructor() { throw new TypeError("Illegal constructor"); }
    get byobRequest() { return bcGetBYOBRequest(brand(this, "BC", "ReadableByteStreamController")); }
    get desiredSize() { return bcDesiredSize(brand(this, "BC", "ReadableByteStreamController")); }
    close() {
      const c = brand(this, "BC", "ReadableByteStreamController");
      if (c.closeRequested) throw new TypeError("close: the stream is already closing");
      if (c.stream.state !== "readable") throw new TypeError("close: the stream is not readable");
      bcClose(c);
    }
    enqueue(chunk) {
      const c = brand(this, "BC", "ReadableByteStreamController");
      const vp = viewParts(chunk);
      if (vp === null) throw new TypeError("enqueue: a byte stream's chunk must be an ArrayBuffer view");
      if (vp[2] === 0) throw new TypeError("enqueue: the chunk is empty");
      if (abLength.call(vp[0]) === 0) throw new TypeError("enqueue: the chunk's buffer is empty or detached");
      if (c.closeRequested) throw new TypeError("enqueue: the stream is closing");
      if (c.stream.state !== "readable") throw new TypeError("enqueue: the stream is not readable");
      bcEnqueue(c, chunk);
    }
    error(e) { bcError(brand(this, "BC", "ReadableByteStreamController"), e); }
  }
  defineProperty(ReadableByteStreamController.prototype, Symbol.toStringTag, { value: "ReadableByteStreamController", configurable: true });

  class ReadableStreamBYOBRequest {
    constructor() { throw new TypeError("Illegal constructor"); }
    get view() { return brand(this, "BYOBREQ", "ReadableStreamBYOBRequest").view; }
    respond(bytesWritten) {
      const r = brand(this, "BYOBREQ", "ReadableStreamBYOBRequest");
      let n = Number(bytesWritten);
      if (n !== n || n < 0 || n === Infinity) throw new TypeError("respond: bytesWritten must be a non-negative integer");
      n = Math.trunc(n);
      if (r.controller === undefined) throw new TypeError("respond: this request is no longer valid");
      if (detached(taBuffer.call(r.view)) || abLength.call(taBuffer.call(r.view)) === 0) throw new TypeError("respond: the view's buffer is detached");
      bcRespond(r.controller, n);
    }
    respondWithNewView(view) {
      const r = brand(this, "BYOBREQ", "ReadableStreamBYOBRequest");
      const vp = viewParts(view);
      if (vp === null) throw new TypeError("respondWithNewView: the argument must be an ArrayBuffer view");
      if (r.controller === undefined) throw new TypeError("respondWithNewView: this request is no longer valid");
      if (detached(vp[0])) throw new TypeError("respondWithNewView: the view's buffer is detached");
      bcRespondWithNewView(r.controller, view);
    }
  }
  defineProperty(ReadableStreamBYOBRequest.prototype, Symbol.toStringTag, { value: "ReadableStreamBYOBRequest", configurable: true });

  // --- tee --------------------------------------------------------------------------------
  const cloneChunk = (chunk) => {
    // Only used for byte chunks here: a fresh Uint8Array copy.
    const vp = viewParts(chunk);
    return new U8(vp[0].slice(vp[1], vp[1] + vp[2]));
  };
  const defaultTee = (s) => {
    const reader = newDefaultReader(s);
    let reading = false, readAgain = false, canceled1 = false, canceled2 = false, reason1, reason2, b1, b2;
    const cancelD = deferred();
    const pull = () => {
      if (reading) { readAgain = true; return resolved(undefined); }
      reading = true;
      defaultReaderRead(reader, {
        chunk: (chunk) => {
          queueMicrotask(() => {
            readAgain = false;
            if (!canceled1) dcEnqueue(b1.controller, chunk);
            if (!canceled2) dcEnqueue(b2.controller, chunk);
            reading = false;
            if (readAgain) pull();
          });
        },
        close: () => {
          reading = false;
          if (!canceled1) dcClose(b1.controller);
          if (!canceled2) dcClose(b2.controller);
          if (!canceled1 || !canceled2) settle(cancelD, true, undefined);
        },
        error: () => { reading = false; },
      });
      return resolved(undefined);
    };
    const cancel1 = (r) => {
      canceled1 = true; reason1 = r;
      if (canceled2) settle(cancelD, true, streamCancel(s, [reason1, reason2]));
      return cancelD.p;
    };
    const cancel2 = (r) => {
      canceled2 = true; reason2 = r;
      if (canceled1) settle(cancelD, true, streamCancel(s, [reason1, reason2]));
      return cancelD.p;
    };
    b1 = createReadableStream(noop, pull, cancel1);
    b2 = createReadableStream(noop, pull, cancel2);
    upon(reader.closed.p, undefined, (e) => {
      dcError(b1.controller, e);
      dcError(b2.controller, e);
      if (!canceled1 || !canceled2) settle(cancelD, true, undefined);
    });
    return [b1, b2];
  };
  const byteTee = (s) => {
    let reader = newDefaultReader(s);
    let reading = false, readAgainForBranch1 = false, readAgainForBranch2 = false, canceled1 = false, canceled2 = false;
    let reason1, reason2, b1, b2;
    const cancelD = deferred();
    const forwardReaderError = (thisReader) => {
      upon(thisReader.closed.p, undefined, (e) => {
        if (thisReader !== reader) return;
        bcError(b1.controller, e);
        bcError(b2.controller, e);
        if (!canceled1 || !canceled2) settle(cancelD, true, undefined);
      });
    };
    const pullWithDefaultReader = () => {
      if (reader.kind === "BR") {
        readerRelease(reader);
        byobReaderErrorRequests(reader, new TypeError("the reader's lock was released"));
        reader = newDefaultReader(s);
        forwardReaderError(reader);
      }
      defaultReaderRead(reader, {
        chunk: (chunk) => {
          queueMicrotask(() => {
            readAgainForBranch1 = readAgainForBranch2 = false;
            let chunk1 = chunk, chunk2 = chunk;
            if (!canceled1 && !canceled2) {
              try { chunk2 = cloneChunk(chunk); } catch (e) {
                bcError(b1.controller, e);
                bcError(b2.controller, e);
                settle(cancelD, true, streamCancel(s, e));
                return;
              }
            }
            if (!canceled1) bcEnqueue(b1.controller, chunk1);
            if (!canceled2) bcEnqueue(b2.controller, chunk2);
            reading = false;
            if (readAgainForBranch1) pull1();
            else if (readAgainForBranch2) pull2();
          });
        },
        close: () => {
          reading = false;
          if (!canceled1) bcClose(b1.controller);
          if (!canceled2) bcClose(b2.controller);
          if (b1.controller.pendingPullIntos.length > 0) bcRespond(b1.controller, 0);
          if (b2.controller.pendingPullIntos.length > 0) bcRespond(b2.controller, 0);
          if (!canceled1 || !canceled2) settle(cancelD, true, undefined);
        },
        error: () => { reading = false; },
      });
    };
    const pullWithBYOBReader = (view, forBranch2) => {
      if (reader.kind === "DR") {
        readerRelease(reader);
        defaultReaderErrorRequests(reader, new TypeError("the reader's lock was released"));
        reader = newBYOBReader(s);
        forwardReaderError(reader);
      }
      const byobBranch = forBranch2 ? b2 : b1, otherBranch = forBranch2 ? b1 : b2;
      byobReaderRead(reader, view, 1, {
        chunk: (chunk) => {
          queueMicrotask(() => {
            readAgainForBranch1 = readAgainForBranch2 = false;
            const byobCanceled = forBranch2 ? canceled2 : canceled1, otherCanceled = forBranch2 ? canceled1 : canceled2;
            if (!otherCanceled) {
              let clone;
              try { clone = cloneChunk(chunk); } catch (e) {
                bcError(byobBranch.controller, e);
                bcError(otherBranch.controller, e);
                settle(cancelD, true, streamCancel(s, e));
                return;
              }
              if (!byobCanceled) bcRespondWithNewView(byobBranch.controller, chunk);
              bcEnqueue(otherBranch.controller, clone);
            } else if (!byobCanceled) bcRespondWithNewView(byobBranch.controller, chunk);
            reading = false;
            if (readAgainForBranch1) pull1();
            else if (readAgainForBranch2) pull2();
          });
        },
        close: (chunk) => {
          reading = false;
          const byobCanceled = forBranch2 ? canceled2 : canceled1, otherCanceled = forBranch2 ? canceled1 : canceled2;
          if (!byobCanceled) bcClose(byobBranch.controller);
          if (!otherCanceled) bcClose(otherBranch.controller);
          if (chunk !== undefined) {
            if (!byobCanceled) bcRespondWithNewView(byobBranch.controller, chunk);
            if (!otherCanceled && otherBranch.controller.pendingPullIntos.length > 0) bcRespond(otherBranch.controller, 0);
          }
          if (!byobCanceled || !otherCanceled) settle(cancelD, true, undefined);
        },
        error: () => { reading = false; },
      });
    };
    const pull1 = () => {
      if (reading) { readAgainForBranch1 = true; return resolved(undefined); }
      reading = true;
      const req = bcGetBYOBRequest(b1.controller);
      if (req === null) pullWithDefaultReader(); else pullWithBYOBReader(req[K].view, false);
      return resolved(undefined);
    };
    const pull2 = () => {
      if (reading) { readAgainForBranch2 = true; return resolved(undefined); }
      reading = true;
      const req = bcGetBYOBRequest(b2.controller);
      if (req === null) pullWithDefaultReader(); else pullWithBYOBReader(req[K].view, true);
      return resolved(undefined);
    };
    const cancel1 = (r) => {
      canceled1 = true; reason1 = r;
      if (canceled2) settle(cancelD, true, streamCancel(s, [reason1, reason2]));
      return cancelD.p;
    };
    const cancel2 = (r) => {
      canceled2 = true; reason2 = r;
      if (canceled1) settle(cancelD, true, streamCancel(s, [reason1, reason2]));
      return cancelD.p;
    };
    b1 = createByteStream(noop, pull1, cancel1);
    b2 = createByteStream(noop, pull2, cancel2);
    forwardReaderError(reader);
    return [b1, b2];
  };

  // --- async iteration ---------------------------------------------------------------------
  const AsyncIteratorPrototype = {};
  const ReadableStreamAsyncIteratorPrototype = Object.create(AsyncIteratorPrototype);
  defineProperty(AsyncIteratorPrototype, ASYNC_ITERATOR, { value: function () { return this; }, writable: true, configurable: true });
  const iterNext = (it) => {
    const r = it.reader;
    if (r.stream === undefined) return rejected(new TypeError("next: the iterator's reader was released"));
    const d = deferred();
    defaultReaderRead(r, {
      chunk: (v) => d.res(iterResult(v, false)),
      close: () => { readerRelease(r); defaultReaderErrorRequests(r, new TypeError("released")); d.res(iterResult(undefined, true)); },
      error: (e) => { readerRelease(r); defaultReaderErrorRequests(r, new TypeError("released")); d.rej(e); },
    });
    return d.p;
  };
  const iterReturn = (it, value) => {
    const r = it.reader;
    if (r.stream === undefined) return resolved(undefined);
    if (!it.preventCancel) {
      const p = readerCancel(r, value);
      readerRelease(r);
      defaultReaderErrorRequests(r, new TypeError("released"));
      return p;
    }
    readerRelease(r);
    defaultReaderErrorRequests(r, new TypeError("released"));
    return resolved(undefined);
  };
  // The WebIDL async iterator: next() and return() queue behind the
  // ongoing promise, so calls made without awaiting resolve in order.
  Object.assign(ReadableStreamAsyncIteratorPrototype, {
    next() {
      const it = recOf(this, "ITER");
      if (it === undefined) return rejected(new TypeError("Illegal invocation: not a ReadableStream async iterator"));
      const step = () => {
        if (it.finished) return resolved(iterResult(undefined, true));
        return upon(iterNext(it), (res) => {
          it.ongoing = null;
          if (res.done) it.finished = true;
          return res;
        }, (e) => { it.ongoing = null; it.finished = true; throw e; });
      };
      it.ongoing = it.ongoing !== null ? upon(it.ongoing, step, step) : step();
      return it.ongoing;
    },
    return(value) {
      const it = recOf(this, "ITER");
      if (it === undefined) return rejected(new TypeError("Illegal invocation: not a ReadableStream async iterator"));
      const step = () => {
        if (it.finished) return iterResult(value, true);
        it.finished = true;
        return upon(iterReturn(it, value), () => iterResult(value, true));
      };
      it.ongoing = it.ongoing !== null ? upon(it.ongoing, step, step) : resolved(step());
      return it.ongoing;
    },
  });
  for (const k of ["next", "return"]) defineProperty(ReadableStreamAsyncIteratorPrototype, k, { enumerable: false });
  defineProperty(ReadableStreamAsyncIteratorPrototype, Symbol.toStringTag, { value: "ReadableStream AsyncIterator", configurable: true });
  const newAsyncIterator = (s, preventCancel) => {
    const reader = newDefaultReader(s);
    const pub = Object.create(ReadableStreamAsyncIteratorPrototype);
    attach(pub, { kind: "ITER", pub: null, reader, preventCancel, ongoing: null, finished: false });
    return pub;
  };

  // --- ReadableStream.from ------------------------------------------------------------------
  const fromIterable = (obj) => {
    if (obj === null || obj === undefined) throw new TypeError("ReadableStream.from: the argument must be iterable");
    let method = obj[ASYNC_ITERATOR], sync = false;
    if (method === undefined || method === null) { method = obj[Symbol.iterator]; sync = true; }
    if (method === undefined || method === null) throw new TypeError("ReadableStream.from: the argument is not iterable or async iterable");
    if (typeof method !== "function") throw new TypeError("ReadableStream.from: the iterator method is not a function");
    const iterator = call(method, obj, []);
    if (iterator === null || typeof iterator !== "object") throw new TypeError("ReadableStream.from: the iterator is not an object");
    const nextMethod = iterator.next;
    let s;
    const pull = () => {
      let result;
      try {
        result = call(nextMethod, iterator, []);
        if (sync) {
          if (result === null || typeof result !== "object") throw new TypeError("ReadableStream.from: next() returned a non-object");
          const done = !!result.done;
          result = upon(resolved(result.value), (value) => ({ value, done }));
        }
      } catch (e) { return rejected(e); }
      return upon(resolved(result), (res) => {
        if (res === null || typeof res !== "object") throw new TypeError("ReadableStream.from: next() did not give an object");
        if (res.done) dcClose(s.controller);
        else dcEnqueue(s.controller, res.value);
      });
    };
    const cancel = (reason) => {
      let ret;
      try {
        ret = iterator.return;
        if (ret === undefined || ret === null) return resolved(undefined);
        if (typeof ret !== "function") throw new TypeError("ReadableStream.from: return is not a function");
        ret = call(ret, iterator, [reason]);
      } catch (e) { return rejected(e); }
      return upon(resolved(ret), (res) => {
        if (res === null || typeof res !== "object") throw new TypeError("ReadableStream.from: return() did not give an object");
      });
    };
    s = createReadableStream(noop, pull, cancel, 0);
    return s;
  };

  // --- helpers for the bodies code ----------------------------------------------------------
  const readAll = (stream) => {
    const s = recOf(stream, "RS");
    if (s === undefined) return rejected(new TypeError("readAll: not a ReadableStream"));
    let r;
    try { r = newDefaultReader(s); } catch (e) { return rejected(e); }
    const chunks = [];
    let total = 0;
    const d = deferred();
    const step = () => {
      defaultReaderRead(r, {
        chunk: (v) => {
          const b = toBytes(v);
          if (b === null) {
            const e = new TypeError("a body stream's chunk must be an ArrayBuffer or a view (Uint8Array), not " +
              (v === null ? "null" : typeof v));
            settle(d, false, e);
            handled(readerCancel(r, e));
            return;
          }
          chunks.push(b);
          total += taLength.call(b);
          step();
        },
        close: () => {
          if (chunks.length === 1 && chunks[0] instanceof U8 && taLength.call(chunks[0]) === abLength.call(taBuffer.call(chunks[0]))) {
            settle(d, true, chunks[0]);
            return;
          }
          const out = new U8(total);
          let off = 0;
          for (const c of chunks) { out.set(c, off); off += taLength.call(c); }
          settle(d, true, out);
        },
        error: (e) => settle(d, false, e),
      });
    };
    step();
    return d.p;
  };

  const S = {
    K, call, recOf, brand, brandP, attach, upon, handled, deferred, settle, promiseCall, method, noop, resolved, rejected,
    hwmOf, sizeOf, enqueueValueWithSize, dequeueValue, resetQueue, toBytes, viewParts, domException,
    ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, ReadableStreamDefaultController,
    ReadableByteStreamController, ReadableStreamBYOBRequest, CountQueuingStrategy, ByteLengthQueuingStrategy,
    isReadableStream: (v) => recOf(v, "RS") !== undefined,
    readableRec: (v) => recOf(v, "RS"),
    readAll, createReadableStream, streamCancel, newDefaultReader, defaultReaderRead, readerRelease,
    defaultReaderErrorRequests, dcClose, dcEnqueue, dcError, dcDesiredSize, dcCanCloseOrEnqueue, dcHasBackpressure,
    // Set by 16-writable.js.
    writableRec: () => undefined, pipe: null, isAbortSignal: () => false,
  };
  return S;
}
})(globalThis, globalThis.__vault);
