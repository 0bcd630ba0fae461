// fetch(): builds a Request, hands it to Go (fetch.go, through the egress
// allow-list and limits), and resolves with a Response.
(function (g, host) {
  "use strict";
  g.fetch = function fetch(input, init) {
    let parts;
    try {
      const req = input instanceof g.Request && init === undefined ? input : new g.Request(input, init);
      parts = host.requestParts(req);
    } catch (e) {
      return Promise.reject(e);
    }
    const [method, url, flat, body, redirect, reqSignal] = parts;
    const signal = init && init.signal !== undefined ? init.signal : reqSignal;
    if (signal && signal.aborted) return Promise.reject(signal.reason);
    const [promise, id] = host.fetch(method, url, flat, body, redirect);
    if (signal && typeof signal.addEventListener === "function") {
      signal.addEventListener("abort", () => host.abortFetch(id), { once: true });
    }
    return promise;
  };
})(globalThis, globalThis.__vault);
