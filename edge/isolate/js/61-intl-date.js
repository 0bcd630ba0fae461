// Intl.DateTimeFormat and Date.prototype.toLocaleString,
// toLocaleDateString and toLocaleTimeString. The Go side (intl_date.go)
// resolves options and the CLDR pattern and formats; this file holds the
// class, built with the rest of Intl on first use (60-intl.js). Time
// zones are IANA names (Go's embedded database); the default zone is UTC,
// as on Workers.
(function (g, host) {
  "use strict";
  host.intlMakers.push((Intl, h, lib) => {
    const defineProperty = Object.defineProperty, HANDLE = lib.HANDLE, slot = lib.slot;
    const BOUND = Symbol("bound format");
    const time = (date) => (date === undefined ? undefined : Number(date));
    class DateTimeFormat {
      constructor(locales, options) {
        defineProperty(this, HANDLE, { value: { kind: "DateTimeFormat", h: h.dateTimeFormat(locales, options, "any", "date") } });
      }
      get format() {
        const df = slot(this, "DateTimeFormat");
        if (this[BOUND] === undefined) defineProperty(this, BOUND, { value: (date) => h.formatDate(df, time(date)) });
        return this[BOUND];
      }
      formatToParts(date) { return h.formatDateToParts(slot(this, "DateTimeFormat"), time(date)); }
      resolvedOptions() { return h.resolvedDate(slot(this, "DateTimeFormat")); }
    }
    Intl.DateTimeFormat = lib.callable(lib.intlClass(DateTimeFormat, "DateTimeFormat"));
    // The toLocale*String formatters, with the required/defaults pair
    // ECMA-402 gives each method.
    const make = (required, defaults) => lib.cached((l, o) => {
      const df = h.dateTimeFormat(l, o, required, defaults);
      return (t) => h.formatDate(df, t);
    });
    lib.date = {
      toLocaleString: make("any", "all"),
      toLocaleDateString: make("date", "date"),
      toLocaleTimeString: make("time", "time"),
    };
  });

  const timeValue = Date.prototype.getTime;
  const methods = {
    toLocaleString(locales, options) {
      const t = timeValue.call(this);
      return t !== t ? "Invalid Date" : host.intlLib().date.toLocaleString(locales, options)(t);
    },
    toLocaleDateString(locales, options) {
      const t = timeValue.call(this);
      return t !== t ? "Invalid Date" : host.intlLib().date.toLocaleDateString(locales, options)(t);
    },
    toLocaleTimeString(locales, options) {
      const t = timeValue.call(this);
      return t !== t ? "Invalid Date" : host.intlLib().date.toLocaleTimeString(locales, options)(t);
    },
  };
  for (const name of ["toLocaleString", "toLocaleDateString", "toLocaleTimeString"]) host.intlMethod(Date.prototype, name, methods[name], 0);
})(globalThis, globalThis.__vault);
