// navigator: what workerd has of it, userAgent and hardwareConcurrency.
// The user agent is "Vault/<module version>" (blob.go), as Deno's is
// "Deno/<version>"; a function runs on one thread, so concurrency is 1,
// as on workerd. Built on first use (see host.lazy in 05-dom.js).
(function (g, host) {
  "use strict";
  const ua = host.userAgent;
  host.lazy("navigator Navigator", () => {
    const KEY = Symbol("navigator");
    class Navigator {
      constructor(key) {
        if (key !== KEY) throw new TypeError("Illegal constructor");
      }
      get userAgent() { return ua; }
      get hardwareConcurrency() { return 1; }
      get [Symbol.toStringTag]() { return "Navigator"; }
    }
    for (const name of ["userAgent", "hardwareConcurrency"]) {
      Object.defineProperty(Navigator.prototype, name, { enumerable: true });
    }
    return { navigator: new Navigator(KEY), Navigator };
  });
})(globalThis, globalThis.__vault);
