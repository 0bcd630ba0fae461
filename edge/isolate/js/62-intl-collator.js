// Intl.Collator, Intl.RelativeTimeFormat and String.prototype.localeCompare.
// Comparison is golang.org/x/text/collate's (intl_collator.go); relative
// times come from CLDR's dateFields (intl_relative.go).
(function (g, host) {
  "use strict";
  const defineProperty = Object.defineProperty, HANDLE = host.intlHandle, slot = host.intlSlot;
  const BOUND = Symbol("bound compare");
  let Collator = null;

  host.intlMakers.push((Intl, h) => {
    class CollatorClass {
      constructor(locales, options) {
        defineProperty(this, HANDLE, { value: { kind: "Collator", h: h.collator(locales, options) } });
      }
      get compare() {
        const co = slot(this, "Collator");
        if (this[BOUND] === undefined) {
          defineProperty(this, BOUND, { value: (x, y) => h.compare(co, `${x}`, `${y}`) });
        }
        return this[BOUND];
      }
      resolvedOptions() { return h.resolvedCollator(slot(this, "Collator")); }
    }
    defineProperty(CollatorClass, "name", { value: "Collator" });
    Intl.Collator = Collator = host.intlCallable(host.intlClass(CollatorClass, "Collator"));

    class RelativeTimeFormat {
      constructor(locales, options) {
        if (new.target === undefined) throw new TypeError("Constructor Intl.RelativeTimeFormat requires 'new'");
        defineProperty(this, HANDLE, { value: { kind: "RelativeTimeFormat", h: h.relativeTimeFormat(locales, options) } });
      }
      format(value, unit) {
        return h.formatRelative(slot(this, "RelativeTimeFormat"), Number(value), `${unit}`);
      }
      formatToParts(value, unit) {
        return h.formatRelativeToParts(slot(this, "RelativeTimeFormat"), Number(value), `${unit}`);
      }
      resolvedOptions() { return h.resolvedRelative(slot(this, "RelativeTimeFormat")); }
    }
    Intl.RelativeTimeFormat = host.intlClass(RelativeTimeFormat, "RelativeTimeFormat");
  });

  const compareFor = host.intlCached((l, o) => {
    if (Collator === null) host.intl();
    return new Collator(l, o).compare;
  });
  host.intlMethod(String.prototype, "localeCompare", function localeCompare(that) {
    if (this === undefined || this === null) throw new TypeError("String.prototype.localeCompare called on null or undefined");
    return compareFor(arguments[1], arguments[2])(`${this}`, `${that}`);
  });
})(globalThis, globalThis.__vault);
