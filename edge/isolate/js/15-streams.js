// The WHATWG Streams Standard, readable side: ReadableStream, its default
// controller, default and BYOB readers, and the two queuing strategies,
// with the helpers every stream file shares. Byte streams
// (15-streams-bytes.js), tee/iteration/from (15-streams-tee.js), the
// writable side and piping (16-writable.js) and TransformStream
// (17-transform.js) are parts added through host.streamParts, so the
// whole family is built as one group on the first read of any of its
// globals (see host.lazy in 05-dom.js): a function that never touches
// streams pays for the accessors only.
//
// Every public object keeps its spec slots in one internal record under
// the symbol K ({kind, pub, ...}); the abstract operations work on the
// records, and rec.pub is the object user code sees. A brand check is
// rec.pub === the receiver, so an object that merely inherits from a
// stream is not one.
//
// For the bodies code: host.isReadableStream(v) is the brand check (false
// until the group is built: no stream can exist before), and
// host.readAll(stream) reads a stream to its end (locking it) and
// resolves with one Uint8Array of its chunks, rejecting with a TypeError
// for a chunk that is not an ArrayBuffer or a view. host.load(host.streams)
// gives the classes themselves, whatever user code did to the globals.
(function (g, host) {
  "use strict";
  // The built-ins streams use while they run, taken before user code runs
  // (the classes themselves are built later, on first use), so replacing
  // a global cannot change how streams work.
  const P = Promise, promiseAll = Promise.all, U8 = Uint8Array, AB = ArrayBuffer, DV = DataView;
  const create = Object.create, freeze = Object.freeze, trunc = Math.trunc, call = Reflect.apply;
  // Parts from 15-streams-bytes.js and 15-streams-tee.js (which run
  // first) and from 16-writable.js and 17-transform.js.
  const parts = host.streamParts || (host.streamParts = []);

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
  // host.readNow(reader, DONE, EMPTY) is the response pump's read
  // (stream_out.go): the chunk a read() of the default reader would give
  // at once, without the promise, the read request and the result object
  // a read() makes, when the stream's default controller has one queued;
  // DONE when the stream is closed; EMPTY when neither (the pump then
  // calls read()). DONE and EMPTY are the pump's own objects, which user
  // code never sees. It takes read()'s own steps: the stream is
  // disturbed, the chunk dequeued, and the stream closed or pulled as
  // after a read.
  host.readNow = (reader, DONE, EMPTY) => (group.made === null ? EMPTY : group.made.readNow(reader, DONE, EMPTY));
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
  const then = P.prototype.then, resolved = (v) => P.resolve(v), rejected = (e) => P.reject(e);
  const all = (list) => call(promiseAll, P, [list]);
  const domException = host.domException;
  const K = Symbol("streams"), ASYNC_ITERATOR = Symbol.asyncIterator;
  const defineProperty = Object.defineProperty;
  const noop = () => {};
  const isView = AB.isView;
  const getter = (o, k) => Object.getOwnPropertyDescriptor(o, k).get;
  const TA = Object.getPrototypeOf(U8.prototype), DVp = DV.prototype;
  const taTag = getter(TA, Symbol.toStringTag), taBuffer = getter(TA, "buffer"), taOffset = getter(TA, "byteOffset"),
    taLength = getter(TA, "byteLength");
  const dvBuffer = getter(DVp, "buffer"), dvOffset = getter(DVp, "byteOffset"), dvLength = getter(DVp, "byteLength");
  const abLength = getter(AB.prototype, "byteLength");
  const { transfer, detached } = host.streamHooks();

  // --- promises -----------------------------------------------------------
  const upon = (p, f, r) => then.call(p, f, r);
  const handled = (p) => { then.call(p, undefined, noop); return p; };
  // deferred is a promise with its resolving functions. One executor
  // serves every deferred (goja makes a function object per closure, and
  // streams make several promises per chunk).
  let nextRes = null, nextRej = null;
  const executor = (res, rej) => { nextRes = res; nextRej = rej; };
  const deferred = () => {
    const p = new P(executor);
    return { p, res: nextRes, rej: nextRej, settled: false };
  };
  // microtask runs f in a promise job, as queueMicrotask does, whatever
  // user code did to the global.
  const resolvedUndefined = resolved(undefined);
  const microtask = (f) => { then.call(resolvedUndefined, f); };
  const settle = (d, ok, v) => {
    if (d.settled) return;
    d.settled = true;
    if (ok) d.res(v); else d.rej(v);
  };
  // promiseCall calls f and gives its result or throw as a promise.
  // User callbacks are called through Reflect.apply (call), never their
  // own call/apply properties.
  // A result of undefined (no callback, or one that returned nothing)
  // gives the one promise of undefined made above: these promises never
  // reach user code, and a new one cost goja ~20 allocations.
  const promiseApply = (f, self, args) => {
    if (f === undefined) return resolvedUndefined;
    try {
      const r = call(f, self, args);
      return r === undefined ? resolvedUndefined : resolved(r);
    } catch (e) { return rejected(e); }
  };
  const promiseCall = (f, self, ...args) => promiseApply(f, self, args);
  // dictionary reads an argument as WebIDL converts it to a dictionary:
  // undefined and null are empty, another non-object throws, and members
  // are read in the order given (the IDL's, alphabetical); a member named
  // in callbacks must be undefined or callable.
  // An absent dictionary is NO_MEMBERS, one frozen object without a
  // prototype (callers write only members that are present).
  const NO_MEMBERS = freeze(create(null));
  const dictionary = (o, what, members, callbacks) => {
    if (o === undefined || o === null) return NO_MEMBERS;
    if (typeof o !== "object" && typeof o !== "function") throw new TypeError(`${what} must be an object`);
    const d = {};
    for (let i = 0; i < members.length; i++) { // no array iterator, which user code could replace
      const name = members[i], v = o[name];
      if (v !== undefined && callbacks.indexOf(name) >= 0 && typeof v !== "function") {
        throw new TypeError(`${what}.${name} must be a function`);
      }
      d[name] = v;
    }
    return d;
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
  // setSlot gives o its record under K (non-writable, non-enumerable,
  // non-configurable) through one descriptor object kept for the purpose:
  // an object literal per call cost goja six allocations.
  const slot = create(null);
  const setSlot = (o, rec) => {
    slot.value = rec;
    defineProperty(o, K, slot);
    slot.value = undefined;
  };
  const attach = (pub, rec) => {
    rec.pub = pub;
    setSlot(pub, rec);
    return rec;
  };

  // --- queuing strategies ---------------------------------------------------
  // strategyDict converts a QueuingStrategy argument, which WebIDL does
  // before a constructor's own steps: highWaterMark (to a number), size.
  const STRATEGY_MEMBERS = ["highWaterMark", "size"], STRATEGY_CALLBACKS = ["size"];
  const strategyDict = (strategy, what) => {
    const d = dictionary(strategy, what, STRATEGY_MEMBERS, STRATEGY_CALLBACKS);
    if (d.highWaterMark !== undefined) d.highWaterMark = +d.highWaterMark;
    return d;
  };
  const extractHWM = (st, dflt) => {
    const h = st.highWaterMark;
    if (h === undefined) return dflt;
    if (h !== h || h < 0) throw new RangeError("highWaterMark must be a non-negative number");
    return h;
  };
  // sizeOne is the size of every chunk without a size function, one
  // function shared by all streams.
  const sizeOne = () => 1;
  const extractSize = (st) => {
    const size = st.size;
    return size === undefined ? sizeOne : (chunk) => call(size, undefined, [chunk]);
  };
  // enforceRange converts as WebIDL's [EnforceRange] unsigned long long.
  const enforceRange = (v, what) => {
    let n = +v;
    if (n !== n || n === Infinity || n === -Infinity) throw new TypeError(`${what} must be a finite number`);
    n = trunc(n);
    if (n < 0 || n > Number.MAX_SAFE_INTEGER) throw new TypeError(`${what} is out of range`);
    return n;
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
  // The queue is flat, value then size for each chunk ([v0, s0, v1, s1,
  // ...]): a {value, size} pair per chunk cost goja six allocations. It is
  // empty exactly when its length is 0; c.queue[0] is the first value.
  const enqueueValueWithSize = (c, value, size) => {
    size = Number(size);
    if (size !== size || size < 0 || size === Infinity) throw new RangeError("a chunk's size must be a finite, non-negative number");
    c.queue.push(value, size);
    c.queueTotalSize += size;
  };
  const dequeueValue = (c) => {
    const value = c.queue.shift();
    c.queueTotalSize -= c.queue.shift();
    if (c.queueTotalSize < 0) c.queueTotalSize = 0;
    return value;
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
    if (isView(v)) return [dvBuffer.call(v), dvOffset.call(v), dvLength.call(v), 1, DV];
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

  const SOURCE_MEMBERS = ["autoAllocateChunkSize", "cancel", "pull", "start", "type"], SOURCE_CALLBACKS = ["cancel", "pull", "start"];
  class ReadableStream {
    constructor(underlyingSource = undefined, strategy = undefined) {
      const st = strategyDict(strategy, "ReadableStream: strategy");
      const src = dictionary(underlyingSource, "ReadableStream: underlyingSource", SOURCE_MEMBERS, SOURCE_CALLBACKS);
      if (src.autoAllocateChunkSize !== undefined) src.autoAllocateChunkSize = enforceRange(src.autoAllocateChunkSize, "autoAllocateChunkSize");
      if (src.type !== undefined) {
        src.type = `${src.type}`;
        if (src.type !== "bytes") throw new TypeError(`ReadableStream: type must be "bytes" or undefined, not "${src.type}"`);
      }
      const s = attach(this, newStreamRec());
      if (src.type === "bytes") {
        if (st.size !== undefined) throw new RangeError("ReadableStream: a byte stream's strategy cannot have a size");
        S.setUpByteControllerFromSource(s, underlyingSource, src, extractHWM(st, 0));
      } else {
        const size = extractSize(st);
        setUpDefaultControllerFromSource(s, underlyingSource, src, extractHWM(st, 1), size);
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
      const pair = s.controller.kind === "BC" ? S.byteTee(s) : S.defaultTee(s, false);
      return [pair[0].pub, pair[1].pub];
    }
    values(options = undefined) {
      const s = brand(this, "RS", "ReadableStream");
      const preventCancel = options != null && !!options.preventCancel;
      return S.newAsyncIterator(s, preventCancel);
    }
    static from(asyncIterable) { return S.fromIterable(asyncIterable).pub; }
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
  const createReadableStream = (start, pull, cancel, hwm = 1, size = sizeOne) =>
    createWithAlgorithms(start, { pull, cancel, size, hwm });
  const createWithAlgorithms = (start, alg) => {
    const s = attach(create(ReadableStream.prototype), newStreamRec());
    setUpDefaultController(s, newDefaultControllerRec(alg), start);
    return s;
  };

  // bytesSourceStream is js/10-core.js's stream of a body over bytes the
  // isolate holds, src = {bytes, disturbed}, kept on the stream's record as
  // bytesSource: pulled only when read (highWaterMark 0), it enqueues the
  // bytes (unless empty) and closes. Its pull and cancel are functions
  // shared by every such stream, called on the controller's record.
  const bytesSourcePull = (c) => {
    const src = c.stream.bytesSource;
    src.disturbed = true;
    if (src.bytes.byteLength > 0) dcEnqueue(c, src.bytes);
    src.bytes = null;
    dcClose(c);
    return resolvedUndefined;
  };
  const bytesSourceCancel = (reason, c) => {
    const src = c.stream.bytesSource;
    src.disturbed = true;
    src.bytes = null;
    return resolvedUndefined;
  };
  const BYTES_SOURCE = { pull: bytesSourcePull, cancel: bytesSourceCancel, size: sizeOne, hwm: 0 };
  const bytesSourceStream = (src) => {
    const s = createWithAlgorithms(noop, BYTES_SOURCE);
    s.bytesSource = src;
    return s.pub;
  };

  // takeSourceBytes is 10-core.js's takeBytes for a stream of
  // bytesSourceStream's: the bytes it holds while nothing has read from,
  // locked or canceled it (else undefined), the stream then canceled as
  // by ReadableStreamCancel, without the promise cancel() would return,
  // which nobody sees (its then() cost goja ~30 allocations).
  const takeSourceBytes = (pub) => {
    const s = recOf(pub, "RS");
    const src = s === undefined ? undefined : s.bytesSource;
    if (src === undefined || src.disturbed || s.reader !== null || s.state !== "readable") return undefined;
    const b = src.bytes;
    s.disturbed = true;
    streamClose(s);
    s.controller.cancelSteps(undefined);
    return b;
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
    settleClosed(r.closed, true, undefined);
    if (r.kind === "DR" && r.readRequests.length > 0) {
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
    settleClosed(r.closed, false, e);
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
  // A reader's closed promise is made when first asked for (the closed
  // getter, tee, pipeTo): a reader that is only read from, as the
  // response pump's, makes none (a new Promise cost goja ~22
  // allocations). Until then r.closed keeps how it settled. Every
  // rejection of it is marked handled, as the spec's steps do each time.
  const newClosed = () => ({ p: null, res: null, rej: null, settled: false, ok: false, value: undefined });
  const settleClosed = (d, ok, v) => {
    if (d.settled) return;
    d.settled = true;
    if (d.p === null) { d.ok = ok; d.value = v; return; }
    if (ok) d.res(v); else { d.rej(v); handled(d.p); }
  };
  const closedPromise = (r) => {
    const d = r.closed;
    if (d.p === null) {
      d.p = new P(executor);
      d.res = nextRes;
      d.rej = nextRej;
      if (d.settled) {
        if (d.ok) d.res(d.value); else { d.rej(d.value); handled(d.p); }
      }
    }
    return d.p;
  };
  const readerInit = (r, s) => {
    r.stream = s;
    s.reader = r;
    r.closed = newClosed();
    if (s.state === "readable") return;
    if (s.state === "closed") settleClosed(r.closed, true, undefined);
    else settleClosed(r.closed, false, s.storedError);
  };
  const readerCancel = (r, reason) => streamCancel(r.stream, reason);
  const readerRelease = (r) => {
    const s = r.stream;
    const e = new TypeError("the reader's lock was released");
    if (s.state !== "readable") r.closed = newClosed();
    settleClosed(r.closed, false, e);
    s.controller.releaseSteps();
    s.reader = null;
    r.stream = undefined;
  };
  const newDefaultReader = (s, pub) => {
    if (s.reader !== null) throw new TypeError("the ReadableStream is locked to a reader");
    const r = attach(pub || create(ReadableStreamDefaultReader.prototype), { kind: "DR", pub: null, stream: undefined, closed: null, readRequests: [] });
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
  // A read request settles its promise through its own resolving
  // functions, in steps shared by every request and called on it (three
  // closures per read() cost goja ~30 allocations).
  function readChunk(v) { this.res(iterResult(v, false)); }
  function readClose(v) { this.res(iterResult(v, true)); }
  function readError(e) { this.rej(e); }
  const promiseReadRequest = () => {
    const p = new P(executor);
    return { p, res: nextRes, rej: nextRej, chunk: readChunk, close: readClose, error: readError };
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
      return closedPromise(r);
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
    const r = attach(pub || create(ReadableStreamBYOBReader.prototype), { kind: "BR", pub: null, stream: undefined, closed: null, readIntoRequests: [] });
    readerInit(r, s);
    return r;
  };
  const byobReaderRead = (r, view, min, req) => {
    const s = r.stream;
    s.disturbed = true;
    if (s.state === "errored") req.error(s.storedError);
    else S.byteControllerPullInto(s.controller, view, min, req);
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
      return closedPromise(r);
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
      min = trunc(min);
      if (vp[2] === 0) return rejected(new TypeError("read: the view is empty"));
      if (abLength.call(vp[0]) === 0 || detached(vp[0])) return rejected(new TypeError("read: the view's buffer is detached or empty"));
      if (min <= 0) return rejected(new TypeError("read: options.min must be positive"));
      const len = vp[4] === DV ? vp[2] : vp[2] / vp[3];
      if (min > len) return rejected(new RangeError("read: options.min is larger than the view"));
      if (r.stream === undefined) return rejected(new TypeError("read: the reader has no stream (its lock was released)"));
      const req = promiseReadRequest();
      byobReaderRead(r, view, min, req);
      return req.p;
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
  // A controller's steps and a source's algorithms are functions shared by
  // every default controller, so that setting up a stream makes no
  // closure (goja: ~10 allocations each) but the one pair the reactions to
  // a source's promises need.
  //
  // Its record has few own properties: goja keeps an object's properties
  // in a Go map, and a record of 22 cost ~3.7 µs and 15 allocations to
  // make, one of at most eight ~1 µs and 8. The kind, the steps and the
  // defaults are on a shared prototype (written, a default becomes the
  // record's own); the algorithms are one object, c.alg: {pull(c),
  // cancel(reason, c), size(chunk), hwm} and, for a source, its callbacks
  // (src, srcPull, srcCancel, args), shared by every body stream over held
  // bytes. Clearing the algorithms points c.alg at CLEARED.
  const DC = create(null);
  DC.kind = "DC"; DC.pub = null; DC.stream = null; DC.queueTotalSize = 0; DC.started = false;
  DC.closeRequested = false; DC.pullAgain = false; DC.pulling = false; DC.settled = null; DC.failed = null;
  DC.cancelSteps = dcCancelSteps; DC.pullSteps = dcPullSteps; DC.releaseSteps = noop;
  const CLEARED = { pull: null, cancel: null, size: null, hwm: 0, src: undefined, srcPull: undefined, srcCancel: undefined, args: undefined };
  const newDefaultControllerRec = (alg) => {
    const c = create(DC);
    c.queue = [];
    c.alg = alg;
    return c;
  };
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
    const p = c.alg.pull(c);
    // A pull that closed or errored its stream (a body stream's pull
    // enqueues its bytes and closes) and gave the one promise of
    // undefined, which cannot reject, needs no reaction: once the stream
    // cannot take chunks, dcShouldPull stays false, so what the reaction
    // does (pulling = false, a pull again if asked for) changes nothing
    // and runs no user code.
    if (p === resolvedUndefined && !dcCanCloseOrEnqueue(c)) return;
    dcUpon(c, p);
  };
  // dcSettled is what follows start's promise and then each pull's (no
  // pull starts before start has settled, and either failing errors the
  // stream: dcError).
  const dcSettled = (c) => {
    if (!c.started) {
      c.started = true;
      dcPullIfNeeded(c);
      return;
    }
    c.pulling = false;
    if (c.pullAgain) { c.pullAgain = false; dcPullIfNeeded(c); }
  };
  // dcUpon runs dcSettled(c) upon p's fulfillment, dcError(c, e) upon its
  // rejection. The one promise of undefined, which start and most pulls
  // settle with, needs no closure: it is fulfilled, so each then() on it
  // queues its job at once, and promise jobs run first in, first out; so
  // the controllers waiting on it wait in a queue of the same order, and
  // one shared handler takes the next. Any other promise gets the
  // controller's own pair of closures, made on first need.
  // The queue is an array with a head and a tail, read and written by
  // index, not through Array.prototype's push and shift, which user code
  // can replace: out of step with the jobs, it would start and settle the
  // wrong streams for the isolate's life. Once empty it is reused from
  // the start.
  const waiting = [];
  let waitHead = 0, waitTail = 0;
  const settledNext = () => {
    const c = waiting[waitHead];
    waiting[waitHead++] = undefined;
    if (waitHead === waitTail) waitHead = waitTail = 0;
    dcSettled(c);
  };
  const dcUpon = (c, p) => {
    if (p === resolvedUndefined) {
      then.call(p, settledNext);
      waiting[waitTail++] = c;
      return;
    }
    if (c.settled === null) dcSettlers(c);
    upon(p, c.settled, c.failed);
  };
  // (Apart from dcUpon: a function whose variables closures capture
  // allocates them on every call.)
  const dcSettlers = (c) => {
    c.settled = () => dcSettled(c);
    c.failed = (e) => dcError(c, e);
  };
  const dcClearAlgorithms = (c) => { c.alg = CLEARED; };
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
      try { size = c.alg.size(chunk); } catch (e) { dcError(c, e); throw e; }
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
    return c.alg.hwm - c.queueTotalSize;
  };
  // dcTake dequeues the chunk a read gets (the pull steps' first branch):
  // then the stream closes if that emptied a closing queue, or is pulled
  // if it should be.
  const dcTake = (c) => {
    const chunk = dequeueValue(c);
    if (c.closeRequested && c.queue.length === 0) { dcClearAlgorithms(c); streamClose(c.stream); } else dcPullIfNeeded(c);
    return chunk;
  };
  const dcCanCloseOrEnqueue = (c) => !c.closeRequested && c.stream.state === "readable";
  const dcHasBackpressure = (c) => !dcShouldPull(c);

  function dcCancelSteps(reason) {
    const c = this;
    if (c.queue.length > 0) resetQueue(c); else if (c.queueTotalSize !== 0) c.queueTotalSize = 0;
    const p = c.alg.cancel(reason, c);
    dcClearAlgorithms(c);
    return p;
  }
  function dcPullSteps(req) {
    const c = this;
    if (c.queue.length > 0) {
      req.chunk(dcTake(c));
    } else {
      c.stream.reader.readRequests.push(req);
      dcPullIfNeeded(c);
    }
  }
  // A source's pull and cancel algorithms call its callbacks with the
  // source object itself as this.
  const sourcePull = (c) => { const a = c.alg; return promiseApply(a.srcPull, a.src, a.args); };
  const sourceCancel = (reason, c) => { const a = c.alg; return promiseCall(a.srcCancel, a.src, reason); };
  // setUpDefaultController calls start: an algorithm, or, for a
  // controller with a source (c.alg.args set), the source's start
  // callback (or undefined), called with the source as this.
  // A controller made here without a public object (CreateReadableStream's)
  // keeps none: only a source's callbacks see one.
  const setUpDefaultController = (s, c, start) => {
    c.stream = s;
    s.controller = c;
    const a = c.alg;
    let startResult;
    if (a.args === undefined) startResult = start();
    else if (start !== undefined) startResult = call(start, a.src, a.args);
    // A start result that is not an object settles as the one promise of
    // undefined does (the reaction ignores the value): no new promise.
    const startObject = startResult !== null && (typeof startResult === "object" || typeof startResult === "function");
    dcUpon(c, startObject ? resolved(startResult) : resolvedUndefined);
  };
  const setUpDefaultControllerFromSource = (s, src, dict, hwm, size) => {
    const pub = create(ReadableStreamDefaultController.prototype);
    // args: one array for start's and every pull's Reflect.apply.
    const c = newDefaultControllerRec({ pull: sourcePull, cancel: sourceCancel, size, hwm,
      src, srcPull: dict.pull, srcCancel: dict.cancel, args: [pub] });
    c.pub = pub;
    setSlot(pub, c);
    setUpDefaultController(s, c, dict.start);
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

  // --- helpers for the bodies code ----------------------------------------------------------
  // readNow is host.readNow's work: read()'s steps for a default reader
  // whose stream is closed or whose default controller holds a chunk
  // (dcPullSteps without the read request).
  const readNow = (reader, DONE, EMPTY) => {
    const r = recOf(reader, "DR");
    if (r === undefined || r.stream === undefined || r.readRequests.length > 0) return EMPTY;
    const s = r.stream, c = s.controller;
    if (s.state === "closed") { s.disturbed = true; return DONE; }
    if (s.state !== "readable" || c.kind !== "DC" || c.queue.length === 0) return EMPTY;
    s.disturbed = true;
    return dcTake(c);
  };
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
          // Always a copy: the producer may still hold (and change) what
          // it enqueued.
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
    K, call, create, trunc, all, recOf, brand, attach, upon, handled, deferred, microtask, settle, promiseCall, noop, resolved, rejected,
    dictionary, strategyDict, extractHWM, extractSize, enqueueValueWithSize, dequeueValue, resetQueue, toBytes, viewParts, domException,
    ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, ReadableStreamDefaultController,
    CountQueuingStrategy, ByteLengthQueuingStrategy,
    isReadableStream: (v) => recOf(v, "RS") !== undefined,
    readableRec: (v) => recOf(v, "RS"),
    readAll, readNow, createReadableStream, bytesSourceStream, takeSourceBytes, streamCancel, newDefaultReader, defaultReaderRead, readerRelease,
    defaultReaderErrorRequests, dcClose, dcEnqueue, dcError, dcDesiredSize, dcCanCloseOrEnqueue, dcHasBackpressure,
    // For 15-streams-bytes.js and 15-streams-tee.js.
    ASYNC_ITERATOR, U8, AB, abLength, taBuffer, transfer, detached, copyBytes, iterResult, newStreamRec, streamClose,
    streamError, fulfillReadRequest, numReadRequests, hasDefaultReader, hasBYOBReader, newBYOBReader, byobReaderRead,
    byobReaderErrorRequests, readerCancel, closedPromise,
    // Set by 16-writable.js.
    writableRec: () => undefined, pipe: null, isAbortSignal: () => false,
  };
  return S;
}
})(globalThis, globalThis.__vault);
