// Intl (ECMA-402) and the toLocaleString family. The classes hold a Go
// handle made by the hooks in intl_hooks.go, which resolve locales and do
// all formatting from CLDR data.
//
// Start-up cost: every function object costs an isolate ~1 KB, and most
// functions never use Intl. So at start only the built-in methods are made
// (Number, BigInt and Array toLocaleString here; Date's and localeCompare
// in 61/62); Intl itself, the classes, the helpers and the formatter
// caches are built on first use by the host.lazy group below. The files
// 61-intl-*.js add their classes by pushing a maker onto host.intlMakers,
// called with (Intl, hooks, lib) when the group is built.
(function (g, host) {
  "use strict";
  const defineProperty = Object.defineProperty;
  const makers = (host.intlMakers = []);

  const group = host.lazy("Intl", () => {
    const h = host.intlHooks();
    const HANDLE = Symbol("intl handle");
    // method defines a non-enumerable method, as built-ins are.
    const method = (o, name, fn) => defineProperty(o, name, { value: fn, writable: true, configurable: true, enumerable: false });
    const lib = {
      HANDLE,
      method,
      // slot reads an Intl object's handle, or throws the TypeError the
      // spec asks for a wrong receiver.
      slot(o, kind) {
        const s = o !== null && typeof o === "object" ? o[HANDLE] : undefined;
        if (s === undefined || s.kind !== kind) throw new TypeError(`Method Intl.${kind}.prototype method called on incompatible receiver ${String(o)}`);
        return s.h;
      },
      // intlClass finishes a constructor: toStringTag, supportedLocalesOf,
      // non-enumerable methods.
      intlClass(C, kind) {
        defineProperty(C.prototype, Symbol.toStringTag, { value: `Intl.${kind}`, configurable: true });
        method(C, "supportedLocalesOf", function supportedLocalesOf(locales, options) {
          return h.supportedLocales(locales, options);
        });
        for (const k of Object.getOwnPropertyNames(C.prototype)) {
          const d = Object.getOwnPropertyDescriptor(C.prototype, k);
          if (k !== "constructor") { d.enumerable = false; defineProperty(C.prototype, k, d); }
        }
        return C;
      },
      // callable lets the legacy constructors (NumberFormat,
      // DateTimeFormat, Collator) be called without new, as ECMA-402 allows.
      callable(C) {
        const F = function (locales, options) {
          return new C(locales, options);
        };
        defineProperty(F, "name", { value: C.name });
        defineProperty(F, "length", { value: 0 });
        F.prototype = C.prototype;
        defineProperty(C.prototype, "constructor", { value: F, writable: true, configurable: true });
        method(F, "supportedLocalesOf", C.supportedLocalesOf);
        return F;
      },
      // cached keeps one formatter per locales string for calls without
      // options, so toLocaleString in a loop formats without re-resolving.
      cached(make) {
        const cache = new Map();
        return (locales, options) => {
          if (options !== undefined || (locales !== undefined && typeof locales !== "string")) return make(locales, options);
          let f = cache.get(locales);
          if (f === undefined) {
            if (cache.size > 64) cache.clear();
            f = make(locales, undefined);
            cache.set(locales, f);
          }
          return f;
        };
      },
    };
    const slot = lib.slot;

    const Intl = {};
    defineProperty(Intl, Symbol.toStringTag, { value: "Intl", configurable: true });
    method(Intl, "getCanonicalLocales", function getCanonicalLocales(locales) {
      return h.canonicalLocales(locales);
    });

    // NumberFormat: the format getter gives a function bound to this
    // formatter, made once (ECMA-402 §15.3.3).
    const BOUND = Symbol("bound format");
    const num = (x) => (typeof x === "bigint" || typeof x === "string" ? x : Number(x));
    class NumberFormat {
      constructor(locales, options) {
        defineProperty(this, HANDLE, { value: { kind: "NumberFormat", h: h.numberFormat(locales, options) } });
      }
      get format() {
        const nf = slot(this, "NumberFormat");
        if (this[BOUND] === undefined) defineProperty(this, BOUND, { value: (x) => h.formatNumber(nf, num(x)) });
        return this[BOUND];
      }
      formatToParts(x) { return h.formatNumberToParts(slot(this, "NumberFormat"), num(x)); }
      resolvedOptions() { return h.resolvedNumber(slot(this, "NumberFormat")); }
    }
    Intl.NumberFormat = lib.callable(lib.intlClass(NumberFormat, "NumberFormat"));
    lib.numberFormat = lib.cached((l, o) => {
      const nf = h.numberFormat(l, o);
      return (x) => h.formatNumber(nf, x);
    });

    class PluralRules {
      constructor(locales, options) {
        if (new.target === undefined) throw new TypeError("Constructor Intl.PluralRules requires 'new'");
        defineProperty(this, HANDLE, { value: { kind: "PluralRules", h: h.pluralRules(locales, options) } });
      }
      select(n) { return h.selectPlural(slot(this, "PluralRules"), Number(n)); }
      resolvedOptions() { return h.resolvedPlural(slot(this, "PluralRules")); }
    }
    Intl.PluralRules = lib.intlClass(PluralRules, "PluralRules");

    for (const make of makers) make(Intl, h, lib);
    for (const k of Object.keys(Intl)) method(Intl, k, Intl[k]);
    return { Intl, lib };
  });
  // host.intlLib gives the helpers and formatter caches, building Intl if
  // need be, whatever function code did to the Intl global.
  host.intlLib = () => host.load(group).lib;

  const method = (o, name, fn, length) => {
    defineProperty(fn, "length", { value: length });
    defineProperty(o, name, { value: fn, writable: true, configurable: true, enumerable: false });
  };
  host.intlMethod = method;
  // The methods take named parameters (cheaper than arguments) and get
  // the spec's length after.
  method(Number.prototype, "toLocaleString", function toLocaleString(locales, options) {
    let x = this;
    if (typeof x !== "number") {
      if (!(x instanceof Number)) throw new TypeError("Number.prototype.toLocaleString requires that 'this' be a Number");
      x = Number.prototype.valueOf.call(x);
    }
    return host.intlLib().numberFormat(locales, options)(x);
  }, 0);
  if (typeof BigInt === "function") {
    method(BigInt.prototype, "toLocaleString", function toLocaleString(locales, options) {
      return host.intlLib().numberFormat(locales, options)(BigInt.prototype.valueOf.call(this));
    }, 0);
  }
  // Array.prototype.toLocaleString passes locales and options on to each
  // element (ECMA-402 §19.5.1), joined with the list separator ",". As
  // join does, an array met again inside itself is "" (no endless cycle),
  // and nesting is bounded so that deep arrays end in a catchable
  // RangeError before goja's uncatchable call-stack limit (bounds.go).
  const visiting = [];
  method(Array.prototype, "toLocaleString", function toLocaleString(locales, options) {
    const o = Object(this), n = Math.min(Number(o.length) || 0, Number.MAX_SAFE_INTEGER);
    if (visiting.indexOf(o) >= 0) return "";
    if (visiting.length >= 500) throw new RangeError("Array.prototype.toLocaleString: arrays nested too deeply");
    visiting.push(o);
    try {
      let out = "";
      for (let i = 0; i < n; i++) {
        if (i > 0) out += ",";
        const e = o[i];
        if (e !== undefined && e !== null) out += String(e.toLocaleString(locales, options));
      }
      return out;
    } finally {
      visiting.pop();
    }
  }, 0);
})(globalThis, globalThis.__vault);
