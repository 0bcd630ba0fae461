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
    const send = (b) => {
      if (signal && signal.aborted) throw signal.reason;
      const [promise, id] = host.fetch(method, url, flat, b, redirect);
      if (signal && typeof signal.addEventListener === "function") {
        signal.addEventListener("abort", () => host.abortFetch(id), { once: true });
      }
      return promise;
    };
    // A stream body (one the function makes, or a request body still
    // arriving) is read whole first: the egress client sends bytes.
    if (body !== null && typeof body === "object" && host.isStream(body)) return host.consume(body).then(send);
    return send(body);
  };
})(globalThis, globalThis.__vault);
