// The WHATWG Streams Standard, writable side: WritableStream, its default
// writer and controller (whose signal aborts when the stream is aborted),
// and ReadableStream.prototype.pipeTo's algorithm. It joins the stream
// group of 15-streams.js through host.streamParts, so it is built with
// the rest on first use.
(function (g, host) {
  "use strict";
  host.streamParts.push((S) => writable(S, g, host));

// writable adds the writable classes and the pipe algorithm to S.
function writable(S, g, host) {
  const { create, all, call, recOf, brand, attach, upon, handled, deferred, settle, promiseCall, resolved, rejected } = S;
  const defineProperty = Object.defineProperty;

  // AbortController and AbortSignal come from 32-abort.js, which runs
  // after this file; by the time streams are first used the prelude has
  // run, and the global is still its lazy accessor (or the class it put in
  // its place), unless user code replaced it before touching streams.
  const abortClass = (name) => {
    if (host.abort !== undefined) return host.load(host.abort)[name];
    const d = Object.getOwnPropertyDescriptor(g, name);
    return d === undefined ? undefined : d.get !== undefined ? d.get.call(g) : d.value;
  };
  const AbortController = abortClass("AbortController"), AbortSignal = abortClass("AbortSignal");
  const abortAborted = Object.getOwnPropertyDescriptor(AbortSignal.prototype, "aborted").get;
  const abortReason = Object.getOwnPropertyDescriptor(AbortSignal.prototype, "reason").get;
  const controllerAbort = AbortController.prototype.abort;
  const addListener = Object.getPrototypeOf(AbortSignal.prototype).addEventListener;
  const removeListener = Object.getPrototypeOf(AbortSignal.prototype).removeEventListener;
  S.isAbortSignal = (v) => v instanceof AbortSignal;

  // --- WritableStream ---------------------------------------------------------
  const newWritableRec = () => ({
    kind: "WS", pub: null, state: "writable", storedError: undefined, writer: null, controller: null,
    inFlightWriteRequest: null, closeRequest: null, inFlightCloseRequest: null, pendingAbortRequest: null,
    writeRequests: [], backpressure: false,
  });
  const CLOSE_SENTINEL = {};

  class WritableStream {
    constructor(underlyingSink = undefined, strategy = undefined) {
      const st = S.strategyDict(strategy, "WritableStream: strategy");
      const sink = S.dictionary(underlyingSink, "WritableStream: underlyingSink",
        ["abort", "close", "start", "type", "write"], ["abort", "close", "start", "write"]);
      if (sink.type !== undefined) throw new RangeError("WritableStream: type must be undefined");
      const w = attach(this, newWritableRec());
      const size = S.extractSize(st);
      setUpControllerFromSink(w, underlyingSink, sink, S.extractHWM(st, 1), size);
    }
    get locked() { return brand(this, "WS", "WritableStream").writer !== null; }
    abort(reason) {
      const w = recOf(this, "WS");
      if (w === undefined) return rejected(new TypeError("Illegal invocation: this is not a WritableStream"));
      if (w.writer !== null) return rejected(new TypeError("WritableStream.abort: the stream is locked to a writer"));
      return wsAbort(w, reason);
    }
    close() {
      const w = recOf(this, "WS");
      if (w === undefined) return rejected(new TypeError("Illegal invocation: this is not a WritableStream"));
      if (w.writer !== null) return rejected(new TypeError("WritableStream.close: the stream is locked to a writer"));
      if (closeQueuedOrInFlight(w)) return rejected(new TypeError("WritableStream.close: the stream is already closing"));
      return wsClose(w);
    }
    getWriter() { return newWriter(brand(this, "WS", "WritableStream")).pub; }
  }
  defineProperty(WritableStream.prototype, Symbol.toStringTag, { value: "WritableStream", configurable: true });

  const createWritableStream = (start, write, close, abort, hwm = 1, size = () => 1) => {
    const w = attach(create(WritableStream.prototype), newWritableRec());
    setUpController(w, newControllerRec(), start, write, close, abort, hwm, size);
    return w;
  };

  const wsAbort = (w, reason) => {
    if (w.state === "closed" || w.state === "errored") return resolved(undefined);
    controllerAbort.call(w.controller.abortController, reason);
    const state = w.state;
    if (state === "closed" || state === "errored") return resolved(undefined);
    if (w.pendingAbortRequest !== null) return w.pendingAbortRequest.d.p;
    let wasAlreadyErroring = false;
    if (state === "erroring") { wasAlreadyErroring = true; reason = undefined; }
    const d = deferred();
    w.pendingAbortRequest = { d, reason, wasAlreadyErroring };
    if (!wasAlreadyErroring) startErroring(w, reason);
    return d.p;
  };
  const wsClose = (w) => {
    const state = w.state;
    if (state === "closed" || state === "errored") return rejected(new TypeError("close: the stream is closed or errored"));
    const d = deferred();
    w.closeRequest = d;
    const writer = w.writer;
    if (writer !== null && w.backpressure && state === "writable") settle(writer.ready, true, undefined);
    wcClose(w.controller);
    return d.p;
  };
  const addWriteRequest = (w) => {
    const d = deferred();
    w.writeRequests.push(d);
    return d.p;
  };
  const dealWithRejection = (w, e) => {
    if (w.state === "writable") { startErroring(w, e); return; }
    finishErroring(w);
  };
  const startErroring = (w, reason) => {
    const c = w.controller;
    w.state = "erroring";
    w.storedError = reason;
    const writer = w.writer;
    if (writer !== null) writerEnsureReadyRejected(writer, reason);
    if (!hasOperationMarkedInFlight(w) && c.started) finishErroring(w);
  };
  const finishErroring = (w) => {
    w.state = "errored";
    w.controller.errorSteps();
    const e = w.storedError;
    const reqs = w.writeRequests;
    w.writeRequests = [];
    for (const d of reqs) settle(d, false, e);
    const abortRequest = w.pendingAbortRequest;
    if (abortRequest === null) { rejectCloseAndClosedPromiseIfNeeded(w); return; }
    w.pendingAbortRequest = null;
    if (abortRequest.wasAlreadyErroring) {
      settle(abortRequest.d, false, e);
      rejectCloseAndClosedPromiseIfNeeded(w);
      return;
    }
    upon(w.controller.abortSteps(abortRequest.reason), () => {
      settle(abortRequest.d, true, undefined);
      rejectCloseAndClosedPromiseIfNeeded(w);
    }, (reason) => {
      settle(abortRequest.d, false, reason);
      rejectCloseAndClosedPromiseIfNeeded(w);
    });
  };
  const finishInFlightWrite = (w) => { settle(w.inFlightWriteRequest, true, undefined); w.inFlightWriteRequest = null; };
  const finishInFlightWriteWithError = (w, e) => {
    settle(w.inFlightWriteRequest, false, e);
    w.inFlightWriteRequest = null;
    dealWithRejection(w, e);
  };
  const finishInFlightClose = (w) => {
    settle(w.inFlightCloseRequest, true, undefined);
    w.inFlightCloseRequest = null;
    if (w.state === "erroring") {
      w.storedError = undefined;
      if (w.pendingAbortRequest !== null) {
        settle(w.pendingAbortRequest.d, true, undefined);
        w.pendingAbortRequest = null;
      }
    }
    w.state = "closed";
    const writer = w.writer;
    if (writer !== null) settle(writer.closed, true, undefined);
  };
  const finishInFlightCloseWithError = (w, e) => {
    settle(w.inFlightCloseRequest, false, e);
    w.inFlightCloseRequest = null;
    if (w.pendingAbortRequest !== null) {
      settle(w.pendingAbortRequest.d, false, e);
      w.pendingAbortRequest = null;
    }
    dealWithRejection(w, e);
  };
  const closeQueuedOrInFlight = (w) => w.closeRequest !== null || w.inFlightCloseRequest !== null;
  const hasOperationMarkedInFlight = (w) => w.inFlightWriteRequest !== null || w.inFlightCloseRequest !== null;
  const markCloseRequestInFlight = (w) => { w.inFlightCloseRequest = w.closeRequest; w.closeRequest = null; };
  const markFirstWriteRequestInFlight = (w) => { w.inFlightWriteRequest = w.writeRequests.shift(); };
  const rejectCloseAndClosedPromiseIfNeeded = (w) => {
    if (w.closeRequest !== null) {
      settle(w.closeRequest, false, w.storedError);
      w.closeRequest = null;
    }
    const writer = w.writer;
    if (writer !== null) {
      settle(writer.closed, false, w.storedError);
      handled(writer.closed.p);
    }
  };
  const updateBackpressure = (w, backpressure) => {
    const writer = w.writer;
    if (writer !== null && backpressure !== w.backpressure) {
      if (backpressure) writer.ready = deferred();
      else settle(writer.ready, true, undefined);
    }
    w.backpressure = backpressure;
  };

  // --- writer -------------------------------------------------------------------------
  const rejectedDeferred = (e) => {
    const d = deferred();
    settle(d, false, e);
    handled(d.p);
    return d;
  };
  const resolvedDeferred = () => {
    const d = deferred();
    settle(d, true, undefined);
    return d;
  };
  const newWriter = (w, pub) => {
    if (w.writer !== null) throw new TypeError("the WritableStream is locked to a writer");
    const writer = attach(pub || create(WritableStreamDefaultWriter.prototype), { kind: "WW", pub: null, stream: w, ready: null, closed: null });
    w.writer = writer;
    const state = w.state;
    if (state === "writable") {
      writer.ready = !closeQueuedOrInFlight(w) && w.backpressure ? deferred() : resolvedDeferred();
      writer.closed = deferred();
    } else if (state === "erroring") {
      writer.ready = rejectedDeferred(w.storedError);
      writer.closed = deferred();
    } else if (state === "closed") {
      writer.ready = resolvedDeferred();
      writer.closed = resolvedDeferred();
    } else {
      writer.ready = rejectedDeferred(w.storedError);
      writer.closed = rejectedDeferred(w.storedError);
    }
    return writer;
  };
  const writerEnsureReadyRejected = (writer, e) => {
    if (writer.ready.settled) writer.ready = rejectedDeferred(e);
    else { settle(writer.ready, false, e); handled(writer.ready.p); }
  };
  const writerEnsureClosedRejected = (writer, e) => {
    if (writer.closed.settled) writer.closed = rejectedDeferred(e);
    else { settle(writer.closed, false, e); handled(writer.closed.p); }
  };
  const writerCloseWithErrorPropagation = (writer) => {
    const w = writer.stream;
    const state = w.state;
    if (closeQueuedOrInFlight(w) || state === "closed") return resolved(undefined);
    if (state === "errored") return rejected(w.storedError);
    return wsClose(w);
  };
  const writerDesiredSize = (writer) => {
    const w = writer.stream, state = w.state;
    if (state === "errored" || state === "erroring") return null;
    if (state === "closed") return 0;
    return w.controller.hwm - w.controller.queueTotalSize;
  };
  const writerRelease = (writer) => {
    const w = writer.stream;
    const e = new TypeError("the writer's lock was released");
    writerEnsureReadyRejected(writer, e);
    writerEnsureClosedRejected(writer, e);
    w.writer = null;
    writer.stream = undefined;
  };
  const writerWrite = (writer, chunk) => {
    const w = writer.stream;
    const c = w.controller;
    const size = wcGetChunkSize(c, chunk);
    if (w !== writer.stream) return rejected(new TypeError("write: the writer's lock was released"));
    const state = w.state;
    if (state === "errored") return rejected(w.storedError);
    if (closeQueuedOrInFlight(w) || state === "closed") return rejected(new TypeError("write: the stream is closing or closed"));
    if (state === "erroring") return rejected(w.storedError);
    const p = addWriteRequest(w);
    wcWrite(c, chunk, size);
    return p;
  };

  class WritableStreamDefaultWriter {
    constructor(stream) {
      const w = recOf(stream, "WS");
      if (w === undefined) throw new TypeError("WritableStreamDefaultWriter: the argument must be a WritableStream");
      newWriter(w, this);
    }
    get closed() {
      const r = recOf(this, "WW");
      if (r === undefined) return rejected(new TypeError("Illegal invocation: this is not a WritableStreamDefaultWriter"));
      return r.closed.p;
    }
    get desiredSize() {
      const r = brand(this, "WW", "WritableStreamDefaultWriter");
      if (r.stream === undefined) throw new TypeError("desiredSize: the writer's lock was released");
      return writerDesiredSize(r);
    }
    get ready() {
      const r = recOf(this, "WW");
      if (r === undefined) return rejected(new TypeError("Illegal invocation: this is not a WritableStreamDefaultWriter"));
      return r.ready.p;
    }
    abort(reason) {
      const r = recOf(this, "WW");
      if (r === undefined) return rejected(new TypeError("Illegal invocation: this is not a WritableStreamDefaultWriter"));
      if (r.stream === undefined) return rejected(new TypeError("abort: the writer's lock was released"));
      return wsAbort(r.stream, reason);
    }
    close() {
      const r = recOf(this, "WW");
      if (r === undefined) return rejected(new TypeError("Illegal invocation: this is not a WritableStreamDefaultWriter"));
      const w = r.stream;
      if (w === undefined) return rejected(new TypeError("close: the writer's lock was released"));
      if (closeQueuedOrInFlight(w)) return rejected(new TypeError("close: the stream is already closing"));
      return wsClose(w);
    }
    releaseLock() {
      const r = brand(this, "WW", "WritableStreamDefaultWriter");
      if (r.stream === undefined) return;
      writerRelease(r);
    }
    write(chunk) {
      const r = recOf(this, "WW");
      if (r === undefined) return rejected(new TypeError("Illegal invocation: this is not a WritableStreamDefaultWriter"));
      if (r.stream === undefined) return rejected(new TypeError("write: the writer's lock was released"));
      return writerWrite(r, chunk);
    }
  }
  defineProperty(WritableStreamDefaultWriter.prototype, Symbol.toStringTag, { value: "WritableStreamDefaultWriter", configurable: true });

  // --- controller ------------------------------------------------------------------------
  const newControllerRec = () => ({
    kind: "WC", pub: null, stream: null, queue: [], queueTotalSize: 0, started: false, hwm: 1, size: null,
    write: null, close: null, abort: null, abortController: null, abortSteps: null, errorSteps: null,
  });
  const setUpController = (w, c, start, write, close, abort, hwm, size) => {
    if (c.pub === null) attach(create(WritableStreamDefaultController.prototype), c);
    c.stream = w;
    w.controller = c;
    S.resetQueue(c);
    c.abortController = new AbortController();
    c.started = false;
    c.size = size;
    c.hwm = hwm;
    c.write = write;
    c.close = close;
    c.abort = abort;
    c.abortSteps = (reason) => {
      const p = c.abort(reason);
      wcClearAlgorithms(c);
      return p;
    };
    c.errorSteps = () => S.resetQueue(c);
    updateBackpressure(w, wcGetBackpressure(c));
    const startResult = start();
    upon(resolved(startResult), () => {
      c.started = true;
      wcAdvanceQueueIfNeeded(c);
    }, (r) => {
      c.started = true;
      dealWithRejection(w, r);
    });
  };
  const setUpControllerFromSink = (w, sink, dict, hwm, size) => {
    const c = newControllerRec();
    attach(create(WritableStreamDefaultController.prototype), c);
    const { start, write, close, abort } = dict;
    setUpController(w, c,
      () => (start === undefined ? undefined : call(start, sink, [c.pub])),
      (chunk) => promiseCall(write, sink, chunk, c.pub),
      () => promiseCall(close, sink),
      (reason) => promiseCall(abort, sink, reason),
      hwm, size);
  };
  const wcClearAlgorithms = (c) => { c.write = null; c.close = null; c.abort = null; c.size = null; };
  const wcClose = (c) => {
    S.enqueueValueWithSize(c, CLOSE_SENTINEL, 0);
    wcAdvanceQueueIfNeeded(c);
  };
  const wcGetChunkSize = (c, chunk) => {
    if (c.size === null) return 1;
    try { return c.size(chunk); } catch (e) { wcErrorIfNeeded(c, e); return 1; }
  };
  const wcGetDesiredSize = (c) => c.hwm - c.queueTotalSize;
  const wcWrite = (c, chunk, size) => {
    try { S.enqueueValueWithSize(c, chunk, size); } catch (e) { wcErrorIfNeeded(c, e); return; }
    const w = c.stream;
    if (!closeQueuedOrInFlight(w) && w.state === "writable") updateBackpressure(w, wcGetBackpressure(c));
    wcAdvanceQueueIfNeeded(c);
  };
  const wcAdvanceQueueIfNeeded = (c) => {
    const w = c.stream;
    if (!c.started || w.inFlightWriteRequest !== null) return;
    const state = w.state;
    if (state === "erroring") { finishErroring(w); return; }
    if (c.queue.length === 0) return;
    const value = c.queue[0];
    if (value === CLOSE_SENTINEL) wcProcessClose(c); else wcProcessWrite(c, value);
  };
  const wcErrorIfNeeded = (c, e) => { if (c.stream.state === "writable") wcError(c, e); };
  const wcProcessClose = (c) => {
    const w = c.stream;
    markCloseRequestInFlight(w);
    S.dequeueValue(c);
    const p = c.close();
    wcClearAlgorithms(c);
    upon(p, () => finishInFlightClose(w), (e) => finishInFlightCloseWithError(w, e));
  };
  const wcProcessWrite = (c, chunk) => {
    const w = c.stream;
    markFirstWriteRequestInFlight(w);
    upon(c.write(chunk), () => {
      finishInFlightWrite(w);
      const state = w.state;
      S.dequeueValue(c);
      if (!closeQueuedOrInFlight(w) && state === "writable") updateBackpressure(w, wcGetBackpressure(c));
      wcAdvanceQueueIfNeeded(c);
    }, (reason) => {
      if (w.state === "writable") wcClearAlgorithms(c);
      finishInFlightWriteWithError(w, reason);
    });
  };
  const wcGetBackpressure = (c) => wcGetDesiredSize(c) <= 0;
  const wcError = (c, e) => {
    const w = c.stream;
    wcClearAlgorithms(c);
    startErroring(w, e);
  };

  class WritableStreamDefaultController {
    constructor() { throw new TypeError("Illegal constructor"); }
    get signal() { return brand(this, "WC", "WritableStreamDefaultController").abortController.signal; }
    error(e) {
      const c = brand(this, "WC", "WritableStreamDefaultController");
      if (c.stream.state !== "writable") return;
      wcError(c, e);
    }
  }
  defineProperty(WritableStreamDefaultController.prototype, Symbol.toStringTag, { value: "WritableStreamDefaultController", configurable: true });

  // --- pipeTo -------------------------------------------------------------------------------
  // pipe reads with a default reader and writes with a writer, one chunk
  // at a time once the writer is ready, so backpressure reaches the source.
  const pipe = (s, dest, preventClose, preventAbort, preventCancel, signal) => {
    const reader = S.newDefaultReader(s);
    const writer = newWriter(dest);
    s.disturbed = true;
    let shuttingDown = false, currentWrite = resolved(undefined);
    const d = deferred();
    let abortAlgorithm = null;

    const finalize = (isError, error) => {
      writerRelease(writer);
      S.readerRelease(reader);
      S.defaultReaderErrorRequests(reader, new TypeError("the pipe ended"));
      if (signal !== undefined && abortAlgorithm !== null) removeListener.call(signal, "abort", abortAlgorithm);
      settle(d, !isError, error);
    };
    // waitForWritesToFinish settles once the last write made has settled,
    // however it went (a failed one is dealt with by the state checks).
    const waitForWritesToFinish = () => {
      const old = currentWrite;
      const next = () => (old !== currentWrite ? waitForWritesToFinish() : undefined);
      return upon(old, next, next);
    };
    const shutdownWithAction = (action, originalIsError, originalError) => {
      if (shuttingDown) return;
      shuttingDown = true;
      const doIt = () => {
        upon(action(), () => finalize(originalIsError, originalError), (e) => finalize(true, e));
      };
      if (dest.state === "writable" && !closeQueuedOrInFlight(dest)) upon(waitForWritesToFinish(), doIt);
      else doIt();
    };
    const shutdown = (isError, error) => {
      if (shuttingDown) return;
      shuttingDown = true;
      if (dest.state === "writable" && !closeQueuedOrInFlight(dest)) upon(waitForWritesToFinish(), () => finalize(isError, error));
      else finalize(isError, error);
    };

    if (signal !== undefined) {
      abortAlgorithm = () => {
        const error = abortReason.call(signal);
        const actions = [];
        if (!preventAbort) actions.push(() => (dest.state === "writable" ? wsAbort(dest, error) : resolved(undefined)));
        if (!preventCancel) actions.push(() => (s.state === "readable" ? S.streamCancel(s, error) : resolved(undefined)));
        shutdownWithAction(() => all(actions.map((a) => a())), true, error);
      };
      if (abortAborted.call(signal)) { abortAlgorithm(); return d.p; }
      addListener.call(signal, "abort", abortAlgorithm);
    }

    // The checks the spec runs whenever a state changes, in its order:
    // errors forward first, then closing, then a closed destination.
    const checkStates = () => {
      if (shuttingDown) return true;
      if (s.state === "errored") {
        const e = s.storedError;
        if (!preventAbort) shutdownWithAction(() => wsAbort(dest, e), true, e);
        else shutdown(true, e);
        return true;
      }
      if (dest.state === "errored" || dest.state === "erroring") {
        const e = dest.storedError;
        if (!preventCancel) shutdownWithAction(() => S.streamCancel(s, e), true, e);
        else shutdown(true, e);
        return true;
      }
      if (s.state === "closed") {
        if (!preventClose) shutdownWithAction(() => writerCloseWithErrorPropagation(writer));
        else shutdown();
        return true;
      }
      if (closeQueuedOrInFlight(dest) || dest.state === "closed") {
        const e = new TypeError("the destination closed before the pipe finished");
        if (!preventCancel) shutdownWithAction(() => S.streamCancel(s, e), true, e);
        else shutdown(true, e);
        return true;
      }
      return false;
    };

    upon(S.closedPromise(reader), () => checkStates(), () => checkStates());
    upon(writer.closed.p, () => checkStates(), () => checkStates());

    const step = () => {
      if (checkStates()) return;
      upon(writer.ready.p, () => {
        if (checkStates()) return;
        S.defaultReaderRead(reader, {
          chunk: (chunk) => {
            currentWrite = handled(writerWrite(writer, chunk));
            step();
          },
          close: () => checkStates(),
          error: () => checkStates(),
        });
      }, () => checkStates());
    };
    step();
    return d.p;
  };

  S.pipe = pipe;
  S.writableRec = (v) => recOf(v, "WS");
  S.createWritableStream = createWritableStream;
  S.WritableStream = WritableStream;
  S.WritableStreamDefaultWriter = WritableStreamDefaultWriter;
  S.WritableStreamDefaultController = WritableStreamDefaultController;
  S.ws = { wcErrorIfNeeded, wcError, wsAbort, wsClose, closeQueuedOrInFlight, updateBackpressure, startErroring,
    finishErroring, dealWithRejection, writerWrite, newWriter, writerRelease };
}
})(globalThis, globalThis.__vault);
