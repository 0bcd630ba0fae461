// The WHATWG Streams Standard, the readable side's composite operations:
// tee (default and byte streams), async iteration (values(),
// [Symbol.asyncIterator], next/return objects, as goja has no async
// generators) and ReadableStream.from. A part of the stream group of
// 15-streams.js (host.streamParts), applied after 15-streams-bytes.js.
(function (g, host) {
  "use strict";
  (host.streamParts || (host.streamParts = [])).push((S) => composites(S));

// composites adds tee, iteration and from to S.
function composites(S) {
  const { create, ASYNC_ITERATOR, K, U8, attach, microtask, byobReaderErrorRequests, byobReaderRead, call, createByteStream,
    createReadableStream, dcClose, dcEnqueue, dcError, defaultReaderErrorRequests, defaultReaderRead, deferred,
    iterResult, newBYOBReader, newDefaultReader, noop, readerCancel, readerRelease, recOf, rejected, resolved,
    settle, streamCancel, upon, viewParts, closedPromise, bcClose, bcEnqueue, bcError, bcGetBYOBRequest, bcRespond,
    bcRespondWithNewView } = S;
  const defineProperty = Object.defineProperty;

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
          microtask(() => {
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
    upon(closedPromise(reader), undefined, (e) => {
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
      upon(closedPromise(thisReader), undefined, (e) => {
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
          microtask(() => {
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
          microtask(() => {
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
  const ReadableStreamAsyncIteratorPrototype = create(AsyncIteratorPrototype);
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
    const pub = create(ReadableStreamAsyncIteratorPrototype);
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

  Object.assign(S, { defaultTee, byteTee, newAsyncIterator, fromIterable });
}
})(globalThis, globalThis.__vault);
