// The WHATWG Streams Standard, byte streams: ReadableByteStreamController
// and ReadableStreamBYOBRequest, the pull-into descriptors behind BYOB
// reads and autoAllocateChunkSize. A part of the stream group of
// 15-streams.js (host.streamParts), built with it on first use. Chunks'
// and views' ArrayBuffers are transferred (detached) as the spec says,
// with the Go hook host.streamHooks().transfer (streams.go).
(function (g, host) {
  "use strict";
  (host.streamParts || (host.streamParts = [])).push((S) => bytes(S));

// bytes adds the byte-stream controller to S.
function bytes(S) {
  const { create, trunc, AB, U8, abLength, attach, brand, call, copyBytes, detached, fulfillReadRequest, hasBYOBReader,
    hasDefaultReader, numReadRequests, promiseCall, resetQueue, resolved, streamClose, streamError,
    taBuffer, transfer, upon, viewParts } = S;
  const defineProperty = Object.defineProperty;

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
      const req = create(ReadableStreamBYOBRequest.prototype);
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
    if (c.pub === null) attach(create(ReadableByteStreamController.prototype), c);
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
  const setUpByteControllerFromSource = (s, src, dict, hwm) => {
    const c = newByteControllerRec();
    attach(create(ReadableByteStreamController.prototype), c);
    const { start, pull, cancel } = dict, auto = dict.autoAllocateChunkSize;
    if (auto === 0) throw new TypeError("autoAllocateChunkSize must be positive");
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
      n = trunc(n);
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

  const createByteStream = (start, pull, cancel) => {
    const pub = create(S.ReadableStream.prototype);
    const s = attach(pub, S.newStreamRec());
    const c = newByteControllerRec();
    setUpByteController(s, c, start, pull, cancel, 0, undefined);
    return s;
  };

  Object.assign(S, {
    ReadableByteStreamController, ReadableStreamBYOBRequest, setUpByteControllerFromSource, byteControllerPullInto,
    createByteStream, bcClose, bcEnqueue, bcError, bcGetBYOBRequest, bcRespond, bcRespondWithNewView,
  });
}
})(globalThis, globalThis.__vault);
