// The WHATWG Streams Standard's TransformStream and its default
// controller: a writable side whose chunks the transformer turns into
// chunks of the readable side, with backpressure from the readable side
// holding back writes. Joins the stream group of 15-streams.js.
(function (g, host) {
  "use strict";
  host.streamParts.push((S) => transform(S));

// transform adds TransformStream to S.
function transform(S) {
  const { create, call, brand, attach, upon, deferred, settle, promiseCall, noop, resolved, rejected } = S;
  const defineProperty = Object.defineProperty;

  class TransformStream {
    constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
      const ws = S.strategyDict(writableStrategy, "TransformStream: writableStrategy");
      const rs = S.strategyDict(readableStrategy, "TransformStream: readableStrategy");
      const dict = S.dictionary(transformer, "TransformStream: transformer",
        ["cancel", "flush", "readableType", "start", "transform", "writableType"], ["cancel", "flush", "start", "transform"]);
      if (dict.readableType !== undefined) throw new RangeError("TransformStream: readableType must be undefined");
      if (dict.writableType !== undefined) throw new RangeError("TransformStream: writableType must be undefined");
      const readableHWM = S.extractHWM(rs, 0), readableSize = S.extractSize(rs);
      const writableHWM = S.extractHWM(ws, 1), writableSize = S.extractSize(ws);
      const t = attach(this, newTransformRec());
      const startD = deferred();
      initialize(t, startD.p, writableHWM, writableSize, readableHWM, readableSize);
      setUpControllerFromTransformer(t, transformer, dict);
      const start = dict.start;
      settle(startD, true, start === undefined ? undefined : call(start, transformer, [t.controller.pub]));
    }
    get readable() { return brand(this, "TS", "TransformStream").readable.pub; }
    get writable() { return brand(this, "TS", "TransformStream").writable.pub; }
  }
  defineProperty(TransformStream.prototype, Symbol.toStringTag, { value: "TransformStream", configurable: true });

  const newTransformRec = () => ({
    kind: "TS", pub: null, readable: null, writable: null, backpressure: undefined, backpressureChange: null, controller: null,
  });

  const initialize = (t, startPromise, writableHWM, writableSize, readableHWM, readableSize) => {
    const start = () => startPromise;
    t.writable = S.createWritableStream(start,
      (chunk) => sinkWrite(t, chunk),
      () => sinkClose(t),
      (reason) => sinkAbort(t, reason),
      writableHWM, writableSize);
    t.readable = S.createReadableStream(start,
      () => sourcePull(t),
      (reason) => sourceCancel(t, reason),
      readableHWM, readableSize);
    t.backpressure = undefined;
    t.backpressureChange = null;
    setBackpressure(t, true);
    t.controller = null;
  };
  const rc = (t) => t.readable.controller;
  const tsError = (t, e) => {
    S.dcError(rc(t), e);
    errorWritableAndUnblockWrite(t, e);
  };
  const errorWritableAndUnblockWrite = (t, e) => {
    clearAlgorithms(t.controller);
    S.ws.wcErrorIfNeeded(t.writable.controller, e);
    unblockWrite(t);
  };
  const unblockWrite = (t) => { if (t.backpressure) setBackpressure(t, false); };
  const setBackpressure = (t, backpressure) => {
    if (t.backpressureChange !== null) settle(t.backpressureChange, true, undefined);
    t.backpressureChange = deferred();
    t.backpressure = backpressure;
  };

  // --- controller ------------------------------------------------------------------
  const newControllerRec = () => ({ kind: "TC", pub: null, stream: null, transform: null, flush: null, cancel: null, finishPromise: null });
  const setUpController = (t, c, transformAlg, flushAlg, cancelAlg) => {
    c.stream = t;
    t.controller = c;
    c.transform = transformAlg;
    c.flush = flushAlg;
    c.cancel = cancelAlg;
    c.finishPromise = null;
  };
  const setUpControllerFromTransformer = (t, transformer, dict) => {
    const c = attach(create(TransformStreamDefaultController.prototype), newControllerRec());
    const { transform: tr, flush, cancel } = dict;
    setUpController(t, c,
      tr === undefined
        ? (chunk) => { try { enqueue(c, chunk); return resolved(undefined); } catch (e) { return rejected(e); } }
        : (chunk) => promiseCall(tr, transformer, chunk, c.pub),
      (() => promiseCall(flush, transformer, c.pub)),
      ((reason) => promiseCall(cancel, transformer, reason)));
  };
  const clearAlgorithms = (c) => { c.transform = null; c.flush = null; c.cancel = null; };
  const enqueue = (c, chunk) => {
    const t = c.stream, r = rc(t);
    if (!S.dcCanCloseOrEnqueue(r)) throw new TypeError("enqueue: the readable side is closed or errored");
    try { S.dcEnqueue(r, chunk); } catch (e) {
      errorWritableAndUnblockWrite(t, e);
      throw t.readable.storedError;
    }
    const backpressure = S.dcHasBackpressure(r);
    if (backpressure !== t.backpressure) setBackpressure(t, true);
  };
  const tcError = (c, e) => tsError(c.stream, e);
  const performTransform = (c, chunk) => upon(c.transform(chunk), undefined, (r) => { tsError(c.stream, r); throw r; });
  const terminate = (c) => {
    const t = c.stream;
    S.dcClose(rc(t));
    errorWritableAndUnblockWrite(t, new TypeError("the TransformStream was terminated"));
  };

  class TransformStreamDefaultController {
    constructor() { throw new TypeError("Illegal constructor"); }
    get desiredSize() { return S.dcDesiredSize(rc(brand(this, "TC", "TransformStreamDefaultController").stream)); }
    enqueue(chunk) { enqueue(brand(this, "TC", "TransformStreamDefaultController"), chunk); }
    error(reason) { tcError(brand(this, "TC", "TransformStreamDefaultController"), reason); }
    terminate() { terminate(brand(this, "TC", "TransformStreamDefaultController")); }
  }
  defineProperty(TransformStreamDefaultController.prototype, Symbol.toStringTag, { value: "TransformStreamDefaultController", configurable: true });

  // --- the sides' algorithms -------------------------------------------------------------
  const sinkWrite = (t, chunk) => {
    const c = t.controller;
    if (t.backpressure) {
      return upon(t.backpressureChange.p, () => {
        const w = t.writable;
        if (w.state === "erroring") throw w.storedError;
        return performTransform(c, chunk);
      });
    }
    return performTransform(c, chunk);
  };
  const sinkAbort = (t, reason) => {
    const c = t.controller;
    if (c.finishPromise !== null) return c.finishPromise.p;
    const r = t.readable;
    c.finishPromise = deferred();
    const cancelPromise = c.cancel(reason);
    clearAlgorithms(c);
    upon(cancelPromise, () => {
      if (r.state === "errored") settle(c.finishPromise, false, r.storedError);
      else { S.dcError(r.controller, reason); settle(c.finishPromise, true, undefined); }
    }, (e) => {
      S.dcError(r.controller, e);
      settle(c.finishPromise, false, e);
    });
    return c.finishPromise.p;
  };
  const sinkClose = (t) => {
    const c = t.controller;
    if (c.finishPromise !== null) return c.finishPromise.p;
    const r = t.readable;
    c.finishPromise = deferred();
    const flushPromise = c.flush();
    clearAlgorithms(c);
    upon(flushPromise, () => {
      if (r.state === "errored") settle(c.finishPromise, false, r.storedError);
      else { S.dcClose(r.controller); settle(c.finishPromise, true, undefined); }
    }, (e) => {
      S.dcError(r.controller, e);
      settle(c.finishPromise, false, e);
    });
    return c.finishPromise.p;
  };
  const sourcePull = (t) => {
    setBackpressure(t, false);
    return t.backpressureChange.p;
  };
  const sourceCancel = (t, reason) => {
    const c = t.controller;
    if (c.finishPromise !== null) return c.finishPromise.p;
    const w = t.writable;
    c.finishPromise = deferred();
    const cancelPromise = c.cancel(reason);
    clearAlgorithms(c);
    upon(cancelPromise, () => {
      if (w.state === "errored") settle(c.finishPromise, false, w.storedError);
      else {
        S.ws.wcErrorIfNeeded(w.controller, reason);
        unblockWrite(t);
        settle(c.finishPromise, true, undefined);
      }
    }, (e) => {
      S.ws.wcErrorIfNeeded(w.controller, e);
      unblockWrite(t);
      settle(c.finishPromise, false, e);
    });
    return c.finishPromise.p;
  };

  // createTransform makes a TransformStream from JS algorithms, for the
  // text and compression streams; cancelAlg runs when either side is
  // canceled or aborted.
  const createTransform = (transformAlg, flushAlg, cancelAlg = noop) => {
    const t = attach(create(TransformStream.prototype), newTransformRec());
    const startD = deferred();
    initialize(t, startD.p, 1, () => 1, 0, () => 1);
    const c = attach(create(TransformStreamDefaultController.prototype), newControllerRec());
    setUpController(t, c, (chunk) => {
      try { transformAlg(c, chunk); return resolved(undefined); } catch (e) { return rejected(e); }
    }, () => {
      try { flushAlg(c); return resolved(undefined); } catch (e) { return rejected(e); }
    }, () => {
      try { cancelAlg(); return resolved(undefined); } catch (e) { return rejected(e); }
    });
    settle(startD, true, undefined);
    return t;
  };

  S.TransformStream = TransformStream;
  S.TransformStreamDefaultController = TransformStreamDefaultController;
  S.createTransform = createTransform;
  S.transformEnqueue = enqueue;
}
})(globalThis, globalThis.__vault);
