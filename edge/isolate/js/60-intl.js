// Intl (ECMA-402) and the toLocaleString family. The classes here hold a
// Go handle made by the hooks in intl_hooks.go, which resolve locales and
// do all formatting from CLDR data; Intl is built on first use (host.lazy),
// and the number formats that toLocaleString makes are kept per locale
// and options-less call, so a loop of (x).toLocaleString("en-US") makes
// one formatter.
//
// Later files (61-intl-*.js) add constructors by pushing a maker onto
// host.intlMakers before any function code runs.
(function (g, host) {
  "use strict";
  const intlHooks = host.intlHooks;
  const defineProperty = Object.defineProperty;
  let hooks = null;
  host.intlCall = () => hooks || (hooks = intlHooks());
  const HANDLE = Symbol("intl handle");
  host.intlHandle = HANDLE;
  host.intlMakers = [];

  // method defines a non-enumerable method, as built-ins are.
  const method = (o, name, fn) => defineProperty(o, name, { value: fn, writable: true, configurable: true, enumerable: false });
  host.intlMethod = method;
  // slot reads an Intl object's handle, or throws the TypeError the spec
  // asks for a wrong receiver.
  host.intlSlot = (o, kind) => {
    const h = o !== null && typeof o === "object" ? o[HANDLE] : undefined;
    if (h === undefined || h.kind !== kind) throw new TypeError(`Method Intl.${kind}.prototype method called on incompatible receiver ${String(o)}`);
    return h.h;
  };
  // intlClass finishes a constructor: toStringTag, supportedLocalesOf,
  // non-enumerable methods.
  host.intlClass = (C, kind) => {
    defineProperty(C.prototype, Symbol.toStringTag, { value: `Intl.${kind}`, configurable: true });
    method(C, "supportedLocalesOf", function supportedLocalesOf(locales, options) {
      return host.intlCall().supportedLocales(locales, options);
    });
    for (const k of Object.getOwnPropertyNames(C.prototype)) {
      const d = Object.getOwnPropertyDescriptor(C.prototype, k);
      if (k !== "constructor") { d.enumerable = false; defineProperty(C.prototype, k, d); }
    }
    return C;
  };
  const slot = host.intlSlot;

  const intlGroup = host.lazy("Intl", () => {
    const h = host.intlCall();
    const Intl = {};
    defineProperty(Intl, Symbol.toStringTag, { value: "Intl", configurable: true });
    method(Intl, "getCanonicalLocales", function getCanonicalLocales(locales) {
      return h.canonicalLocales(locales);
    });

    // NumberFormat: the format getter gives a function bound to this
    // formatter, made once (ECMA-402 §15.3.3).
    const BOUND = Symbol("bound format");
    class NumberFormat {
      constructor(locales, options) {
        defineProperty(this, HANDLE, { value: { kind: "NumberFormat", h: h.numberFormat(locales, options) } });
      }
      get format() {
        const nf = slot(this, "NumberFormat");
        if (this[BOUND] === undefined) {
          const fmt = (x) => h.formatNumber(nf, typeof x === "bigint" ? x : typeof x === "string" ? x : Number(x));
          defineProperty(this, BOUND, { value: fmt });
        }
        return this[BOUND];
      }
      formatToParts(x) {
        return h.formatNumberToParts(slot(this, "NumberFormat"), typeof x === "bigint" || typeof x === "string" ? x : Number(x));
      }
      resolvedOptions() { return h.resolvedNumber(slot(this, "NumberFormat")); }
    }
    Intl.NumberFormat = callable(host.intlClass(NumberFormat, "NumberFormat"));

    class PluralRules {
      constructor(locales, options) {
        if (new.target === undefined) throw new TypeError("Constructor Intl.PluralRules requires 'new'");
        defineProperty(this, HANDLE, { value: { kind: "PluralRules", h: h.pluralRules(locales, options) } });
      }
      select(n) { return h.selectPlural(slot(this, "PluralRules"), Number(n)); }
      resolvedOptions() { return h.resolvedPlural(slot(this, "PluralRules")); }
    }
    Intl.PluralRules = host.intlClass(PluralRules, "PluralRules");

    for (const make of host.intlMakers) make(Intl, h);
    for (const k of Object.keys(Intl)) method(Intl, k, Intl[k]);
    return { Intl };
  });
  host.intl = () => host.load(intlGroup).Intl;

  // callable lets the legacy constructors (NumberFormat, DateTimeFormat,
  // Collator) be called without new, as ECMA-402 allows.
  function callable(C) {
    const F = function (locales, options) {
      return new C(locales, options);
    };
    defineProperty(F, "name", { value: C.name });
    defineProperty(F, "length", { value: 0 });
    F.prototype = C.prototype;
    defineProperty(C.prototype, "constructor", { value: F, writable: true, configurable: true });
    method(F, "supportedLocalesOf", C.supportedLocalesOf);
    return F;
  }
  host.intlCallable = callable;

  // cached keeps one formatter per locales argument for calls without
  // options, so toLocaleString in a loop formats without re-resolving.
  host.intlCached = (ctor) => {
    const cache = new Map();
    return (locales, options) => {
      if (options !== undefined || (locales !== undefined && typeof locales !== "string")) return ctor(locales, options);
      let f = cache.get(locales);
      if (f === undefined) {
        if (cache.size > 64) cache.clear();
        f = ctor(locales, undefined);
        cache.set(locales, f);
      }
      return f;
    };
  };
  const numberFormat = host.intlCached((l, o) => new (host.intl().NumberFormat)(l, o).format);

  const thisNumber = (x) => {
    if (typeof x === "number") return x;
    if (x instanceof Number) return Number.prototype.valueOf.call(x);
    throw new TypeError("Number.prototype.toLocaleString requires that 'this' be a Number");
  };
  method(Number.prototype, "toLocaleString", function toLocaleString() {
    return numberFormat(arguments[0], arguments[1])(thisNumber(this));
  });
  if (typeof BigInt === "function") {
    method(BigInt.prototype, "toLocaleString", function toLocaleString() {
      return numberFormat(arguments[0], arguments[1])(BigInt.prototype.valueOf.call(this));
    });
  }
  // Array.prototype.toLocaleString passes locales and options on to each
  // element (ECMA-402 §19.5.1), joined with the list separator ",". As
  // join does, an array met again inside itself is "" (no endless cycle),
  // and nesting is bounded so that deep arrays end in a catchable
  // RangeError before goja's uncatchable call-stack limit (bounds.go).
  const visiting = [];
  const MAX_NESTING = 500;
  method(Array.prototype, "toLocaleString", function toLocaleString() {
    const o = Object(this), n = Math.min(Number(o.length) || 0, Number.MAX_SAFE_INTEGER);
    if (visiting.indexOf(o) >= 0) return "";
    if (visiting.length >= MAX_NESTING) throw new RangeError("Array.prototype.toLocaleString: arrays nested too deeply");
    visiting.push(o);
    try {
      let out = "";
      for (let i = 0; i < n; i++) {
        if (i > 0) out += ",";
        const e = o[i];
        if (e !== undefined && e !== null) out += String(e.toLocaleString(arguments[0], arguments[1]));
      }
      return out;
    } finally {
      visiting.pop();
    }
  });
})(globalThis, globalThis.__vault);
