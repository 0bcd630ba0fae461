// DOMException, Event, EventTarget and performance: the small DOM pieces
// the other Web APIs build on (AbortSignal is an EventTarget; encoding,
// crypto and structuredClone throw DOMExceptions).
//
// Memory: every function object costs a goja runtime ~800 bytes, and most
// functions never touch most of these APIs. So the classes here and in
// 30..33 are built on first use: host.lazy puts one accessor per global
// name in place, and the first read builds the group.
(function (g, host) {
  "use strict";
  const defineProperty = Object.defineProperty, getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const define = (name, value) =>
    defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });

  // host.lazy(names, make) defines the globals named in the space-separated
  // names, whose values make() builds, as properties of one object, when
  // any of them is first read; assigning one first just replaces it. It
  // returns the group, and host.load(group) builds it if need be and
  // returns make's object: through it the other files reach the real
  // classes, whatever user code did to the globals. make must not read its
  // own group's globals.
  const load = (group) => {
    if (group.made === null) {
      group.made = group.make();
      for (const name of group.names.split(" ")) {
        const d = getOwnPropertyDescriptor(g, name);
        if (d !== undefined && d.get !== undefined && d.get === group[name]) define(name, group.made[name]);
      }
    }
    return group.made;
  };
  const accessor = (name, group) => function (value) {
    if (arguments.length > 0) define(name, value);
    else return load(group)[name];
  };
  host.load = load;
  host.lazy = (names, make) => {
    const group = { names, make, made: null };
    // One descriptor for every name: goja copies it, and a fresh literal
    // per name costs a third more.
    const desc = { get: undefined, set: undefined, configurable: true, enumerable: false };
    for (const name of names.split(" ")) {
      desc.get = desc.set = group[name] = accessor(name, group);
      defineProperty(g, name, desc);
    }
    return group;
  };

  const domGroup = "DOMException" in g ? { made: { DOMException: g.DOMException } } : host.lazy("DOMException", () => {
    // Legacy codes, for the names the runtime throws and the common others.
    const CODES = {
      __proto__: null,
      IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
      NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
      SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
      TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
      QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
    };
    const NAME = Symbol("name"), MESSAGE = Symbol("message");
    // name and message are prototype getters over slots, as in browsers;
    // the stack goja records still reads "Name: message".
    class DOMException extends Error {
      constructor(message, name) {
        super();
        this[MESSAGE] = message === undefined ? "" : String(message);
        this[NAME] = name === undefined ? "Error" : String(name);
      }
      get name() { return this[NAME]; }
      get message() { return this[MESSAGE]; }
      get code() { return CODES[this[NAME]] || 0; }
      get [Symbol.toStringTag]() { return "DOMException"; }
    }
    return { DOMException };
  });
  // domException is how the other files (and Go) make one.
  host.dom = domGroup;
  host.domException = (message, name) => new (load(domGroup).DOMException)(message, name);

  // now is the Go function itself (the monotonic clock), not a wrapper.
  define("performance", { timeOrigin: host.timeOrigin, now: host.now });

  host.events = host.lazy("Event EventTarget", () => {
    const EV = Symbol("event"), LISTENERS = Symbol("listeners");
    const now = host.now, log = host.log;

    class Event {
      constructor(type, init) {
        if (arguments.length === 0) throw new TypeError("Event: the type argument is required");
        init = init == null ? {} : init;
        this[EV] = {
          type: String(type), bubbles: !!init.bubbles, cancelable: !!init.cancelable,
          composed: !!init.composed, target: null, current: null, phase: 0,
          canceled: false, stop: false, time: now(),
        };
      }
      get type() { return this[EV].type; }
      get target() { return this[EV].target; }
      get srcElement() { return this[EV].target; }
      get currentTarget() { return this[EV].current; }
      get eventPhase() { return this[EV].phase; }
      get bubbles() { return this[EV].bubbles; }
      get cancelable() { return this[EV].cancelable; }
      get composed() { return this[EV].composed; }
      get defaultPrevented() { return this[EV].canceled; }
      get returnValue() { return !this[EV].canceled; }
      get timeStamp() { return this[EV].time; }
      get isTrusted() { return false; }
      preventDefault() { if (this[EV].cancelable) this[EV].canceled = true; }
      stopPropagation() {}
      stopImmediatePropagation() { this[EV].stop = true; }
      composedPath() { return this[EV].current ? [this[EV].current] : []; }
    }
    Event.NONE = 0; Event.CAPTURING_PHASE = 1; Event.AT_TARGET = 2; Event.BUBBLING_PHASE = 3;

    const flags = (options) => typeof options === "boolean"
      ? { capture: options, once: false, signal: undefined }
      : options == null ? { capture: false, once: false, signal: undefined }
        : { capture: !!options.capture, once: !!options.once, signal: options.signal };

    const report = (e) => {
      let msg;
      try { msg = e instanceof Error ? e.stack || String(e) : String(e); } catch (_) { msg = "(unprintable)"; }
      log("error", "Uncaught (in event listener) " + msg);
    };

    // A target holds no listener map until it gets a listener.
    class EventTarget {
      addEventListener(type, callback, options) {
        if (callback == null) return;
        if (typeof callback !== "function" && typeof callback !== "object") {
          throw new TypeError("addEventListener: the listener must be a function or an object");
        }
        const { capture, once, signal } = flags(options);
        if (signal != null && signal.aborted) return;
        type = String(type);
        const map = this[LISTENERS] || (this[LISTENERS] = new Map());
        let list = map.get(type);
        if (!list) map.set(type, (list = []));
        for (const l of list) if (l.callback === callback && l.capture === capture) return;
        list.push({ callback, capture, once, removed: false });
        if (signal != null) {
          signal.addEventListener("abort", () => this.removeEventListener(type, callback, capture), { once: true });
        }
      }
      removeEventListener(type, callback, options) {
        const list = this[LISTENERS] && this[LISTENERS].get(String(type));
        if (!list) return;
        const capture = flags(options).capture;
        const i = list.findIndex((l) => l.callback === callback && l.capture === capture);
        if (i >= 0) { list[i].removed = true; list.splice(i, 1); }
      }
      dispatchEvent(event) {
        const ev = event != null ? event[EV] : undefined;
        if (ev === undefined) throw new TypeError("dispatchEvent: the argument is not an Event");
        if (ev.phase !== 0) throw host.domException("The event is already being dispatched.", "InvalidStateError");
        ev.target = ev.current = this;
        ev.phase = 2;
        const list = this[LISTENERS] && this[LISTENERS].get(ev.type);
        if (list) {
          for (const l of list.slice()) {
            if (l.removed) continue;
            if (l.once) this.removeEventListener(ev.type, l.callback, l.capture);
            // A listener's exception is reported, not thrown to the dispatcher.
            try {
              if (typeof l.callback === "function") l.callback.call(this, event);
              else if (typeof l.callback.handleEvent === "function") l.callback.handleEvent(event);
            } catch (e) {
              report(e);
            }
            if (ev.stop) break;
          }
        }
        ev.current = null;
        ev.phase = 0;
        ev.stop = false;
        return !ev.canceled;
      }
    }
    return { Event, EventTarget };
  });
})(globalThis, globalThis.__vault);
