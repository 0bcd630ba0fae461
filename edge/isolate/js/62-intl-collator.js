// Intl.Collator, Intl.RelativeTimeFormat and String.prototype.localeCompare.
// Comparison is golang.org/x/text/collate's (intl_collator.go); relative
// times come from CLDR's dateFields (intl_relative.go). Built with the
// rest of Intl on first use (60-intl.js).
(function (g, host) {
  "use strict";
  host.intlMakers.push((Intl, h, lib) => {
    const defineProperty = Object.defineProperty, HANDLE = lib.HANDLE, slot = lib.slot;
    const BOUND = Symbol("bound compare");
    class Collator {
      constructor(locales, options) {
        defineProperty(this, HANDLE, { value: { kind: "Collator", h: h.collator(locales, options) } });
      }
      get compare() {
        const co = slot(this, "Collator");
        if (this[BOUND] === undefined) defineProperty(this, BOUND, { value: (x, y) => h.compare(co, `${x}`, `${y}`) });
        return this[BOUND];
      }
      resolvedOptions() { return h.resolvedCollator(slot(this, "Collator")); }
    }
    Intl.Collator = lib.callable(lib.intlClass(Collator, "Collator"));
    lib.compare = lib.cached((l, o) => {
      const co = h.collator(l, o);
      return (x, y) => h.compare(co, x, y);
    });

    class RelativeTimeFormat {
      constructor(locales, options) {
        if (new.target === undefined) throw new TypeError("Constructor Intl.RelativeTimeFormat requires 'new'");
        defineProperty(this, HANDLE, { value: { kind: "RelativeTimeFormat", h: h.relativeTimeFormat(locales, options) } });
      }
      format(value, unit) { return h.formatRelative(slot(this, "RelativeTimeFormat"), Number(value), `${unit}`); }
      formatToParts(value, unit) { return h.formatRelativeToParts(slot(this, "RelativeTimeFormat"), Number(value), `${unit}`); }
      resolvedOptions() { return h.resolvedRelative(slot(this, "RelativeTimeFormat")); }
    }
    Intl.RelativeTimeFormat = lib.intlClass(RelativeTimeFormat, "RelativeTimeFormat");
  });

  host.intlMethod(String.prototype, "localeCompare", function localeCompare(that, locales, options) {
    if (this === undefined || this === null) throw new TypeError("String.prototype.localeCompare called on null or undefined");
    return host.intlLib().compare(locales, options)(`${this}`, `${that}`);
  }, 1);
})(globalThis, globalThis.__vault);
