// Where goja departs from ECMA-262 in ways real libraries reach, the
// prelude puts the standard's behaviour back; each fix names its gap.
(function (g) {
  "use strict";
  const apply = Reflect.apply, arrayFrom = Array.from, defineProperty = Object.defineProperty;

  // %TypedArray%.from("abc") throws "Value is not an object" in goja: a
  // string source is iterable (by code points) and must be read so.
  const TypedArray = Object.getPrototypeOf(Uint8Array);
  const typedFrom = TypedArray.from;
  const from = {
    from(source) { // length 1, as the standard's
      const args = arguments.length > 1 ? [source, arguments[1], arguments[2]] : [source];
      if (typeof source === "string") args[0] = arrayFrom(source);
      return apply(typedFrom, this, args);
    },
  }.from;
  defineProperty(TypedArray, "from", { value: from, writable: true, enumerable: false, configurable: true });
})(globalThis);
