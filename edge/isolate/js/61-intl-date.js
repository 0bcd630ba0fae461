// Intl.DateTimeFormat and Date.prototype.toLocaleString,
// toLocaleDateString and toLocaleTimeString. The Go side (intl_date.go)
// resolves options and the CLDR pattern and formats; this file holds the
// class. Time zones are IANA names (Go's embedded database); the default
// zone is UTC, as on Workers.
(function (g, host) {
  "use strict";
  const defineProperty = Object.defineProperty, HANDLE = host.intlHandle, slot = host.intlSlot;
  const BOUND = Symbol("bound format");
  let DTF = null;

  host.intlMakers.push((Intl, h) => {
    class DateTimeFormat {
      constructor(locales, options) {
        defineProperty(this, HANDLE, { value: { kind: "DateTimeFormat", h: h.dateTimeFormat(locales, options, "any", "date") } });
      }
      get format() {
        const df = slot(this, "DateTimeFormat");
        if (this[BOUND] === undefined) {
          defineProperty(this, BOUND, { value: (date) => h.formatDate(df, date === undefined ? undefined : Number(date)) });
        }
        return this[BOUND];
      }
      formatToParts(date) {
        return h.formatDateToParts(slot(this, "DateTimeFormat"), date === undefined ? undefined : Number(date));
      }
      resolvedOptions() { return h.resolvedDate(slot(this, "DateTimeFormat")); }
    }
    Intl.DateTimeFormat = DTF = host.intlCallable(host.intlClass(DateTimeFormat, "DateTimeFormat"));
    // The toLocale*String formatters: made by the hook directly, with the
    // required/defaults pair ECMA-402 gives each method.
    DTF.make = (locales, options, required, defaults) => {
      const df = h.dateTimeFormat(locales, options, required, defaults);
      return (t) => h.formatDate(df, t);
    };
  });

  const intl = () => { if (DTF === null) host.intl(); return DTF; };
  const formats = {
    toLocaleString: host.intlCached((l, o) => intl().make(l, o, "any", "all")),
    toLocaleDateString: host.intlCached((l, o) => intl().make(l, o, "date", "date")),
    toLocaleTimeString: host.intlCached((l, o) => intl().make(l, o, "time", "time")),
  };
  const timeValue = Date.prototype.getTime;
  for (const name of Object.keys(formats)) {
    const make = formats[name];
    host.intlMethod(Date.prototype, name, {
      [name]() {
        const t = timeValue.call(this);
        if (t !== t) return "Invalid Date";
        return make(arguments[0], arguments[1])(t);
      },
    }[name]);
  }
})(globalThis, globalThis.__vault);
