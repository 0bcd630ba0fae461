// AbortController and AbortSignal, with AbortSignal.abort, .timeout and
// .any. timeout needs setTimeout, which a later file adds: it is looked up
// when timeout is called. Built on first use (see host.lazy in 05-dom.js).
(function (g, host) {
  "use strict";
  const domException = host.domException, load = host.load, events = host.events;

  host.abort = host.lazy("AbortController AbortSignal", () => {
    const { Event, EventTarget } = load(events);
    const dispatch = EventTarget.prototype.dispatchEvent;
    const KEY = Symbol("construct"), ABORTED = Symbol("aborted"), REASON = Symbol("reason");
    const SOURCES = Symbol("sources"), DEPENDENTS = Symbol("dependents"), HANDLER = Symbol("onabort");
    const SIGNAL = Symbol("signal");

    const abortError = () => domException("signal is aborted without reason", "AbortError");
    const isSignal = (s) => s != null && typeof s[ABORTED] === "boolean";

    class AbortSignal extends EventTarget {
      constructor(key) {
        if (key !== KEY) throw new TypeError("Illegal constructor");
        super();
        this[ABORTED] = false;
        this[REASON] = undefined;
      }
      get aborted() { return this[ABORTED] === true; }
      get reason() { return this[REASON]; }
      throwIfAborted() {
        if (this[ABORTED]) throw this[REASON];
      }
      get onabort() { return this[HANDLER] ? this[HANDLER].fn : null; }
      set onabort(fn) {
        let h = this[HANDLER];
        if (!h) {
          // The handler keeps the place in the listener order of its first
          // assignment, as event handler attributes do.
          h = this[HANDLER] = { fn: null };
          this.addEventListener("abort", (e) => { if (h.fn !== null) h.fn.call(this, e); });
        }
        h.fn = typeof fn === "function" ? fn : null;
      }
      get [Symbol.toStringTag]() { return "AbortSignal"; }

      static abort(reason) {
        const s = new AbortSignal(KEY);
        s[ABORTED] = true;
        s[REASON] = reason === undefined ? abortError() : reason;
        return s;
      }

      static timeout(ms) {
        let n = +ms; // throws for a BigInt or a Symbol, as WebIDL does
        if (!Number.isFinite(n)) throw new TypeError("AbortSignal.timeout: ms must be a finite number");
        n = Math.trunc(n);
        if (n < 0 || n > Number.MAX_SAFE_INTEGER) throw new TypeError("AbortSignal.timeout: ms is out of range");
        const setTimeout = g.setTimeout;
        if (typeof setTimeout !== "function") throw new TypeError("AbortSignal.timeout: timers are not available");
        const s = new AbortSignal(KEY);
        setTimeout.call(g, () => signalAbort(s, domException("signal timed out", "TimeoutError")), n);
        return s;
      }

      // A signal from any() follows the sources of the signals it is given,
      // never other any() signals, so chains of any() stay one level deep.
      static any(signals) {
        const list = [];
        for (const s of signals) {
          if (!isSignal(s)) throw new TypeError("AbortSignal.any: every item must be an AbortSignal");
          list.push(s);
        }
        const r = new AbortSignal(KEY);
        for (const s of list) {
          if (s[ABORTED]) {
            r[ABORTED] = true;
            r[REASON] = s[REASON];
            return r;
          }
        }
        const sources = [];
        for (const s of list) {
          for (const src of s[SOURCES] || [s]) {
            if (sources.indexOf(src) >= 0) continue;
            sources.push(src);
            (src[DEPENDENTS] || (src[DEPENDENTS] = [])).push(r);
          }
        }
        r[SOURCES] = sources;
        return r;
      }
    }

    const fire = (s) => dispatch.call(s, new Event("abort"));

    // unlink drops an aborted any() signal from its sources, which would
    // otherwise keep it alive as long as they live.
    const unlink = (d) => {
      for (const src of d[SOURCES] || []) {
        const deps = src[DEPENDENTS];
        const i = deps ? deps.indexOf(d) : -1;
        if (i >= 0) deps.splice(i, 1);
      }
      d[SOURCES] = null;
    };

    // signalAbort sets the reason on the signal and on its dependents before
    // any abort listener runs, so every listener sees them all aborted.
    const signalAbort = (s, reason) => {
      if (s[ABORTED]) return;
      s[ABORTED] = true;
      s[REASON] = reason === undefined ? abortError() : reason;
      const deps = [];
      for (const d of s[DEPENDENTS] || []) {
        if (d[ABORTED]) continue;
        d[ABORTED] = true;
        d[REASON] = s[REASON];
        deps.push(d);
      }
      s[DEPENDENTS] = null;
      fire(s);
      for (const d of deps) {
        unlink(d);
        fire(d);
      }
    };

    class AbortController {
      constructor() { this[SIGNAL] = new AbortSignal(KEY); }
      get signal() { return this[SIGNAL]; }
      abort(reason) {
        if (!isSignal(this[SIGNAL])) throw new TypeError("Illegal invocation");
        signalAbort(this[SIGNAL], reason);
      }
      get [Symbol.toStringTag]() { return "AbortController"; }
    }

    return { AbortController, AbortSignal };
  });
})(globalThis, globalThis.__vault);
