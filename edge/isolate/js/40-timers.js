// Timers, queueMicrotask and the hooks the event loop in loop.go uses.
// Timers belong to the invocation that set them: they run while its
// response or its waitUntil promises are pending, and are dropped after.
(function (g, host) {
  "use strict";
  const check = (cb, what) => {
    if (typeof cb !== "function") throw new TypeError(what + ": the callback must be a function (strings are not evaluated)");
    return cb;
  };
  const delay = (ms) => {
    ms = Number(ms);
    return ms > 0 ? ms : 0;
  };
  g.setTimeout = (cb, ms, ...args) => host.setTimer(check(cb, "setTimeout"), delay(ms), false, args);
  g.setInterval = (cb, ms, ...args) => host.setTimer(check(cb, "setInterval"), delay(ms), true, args);
  g.clearTimeout = (id) => { if (id !== undefined && id !== null) host.clearTimer(Number(id)); };
  g.clearInterval = g.clearTimeout;
  g.queueMicrotask = (cb) => {
    check(cb, "queueMicrotask");
    Promise.resolve().then(() => cb());
  };
  host.allSettled = (list) => Promise.allSettled(list);
})(globalThis, globalThis.__vault);
