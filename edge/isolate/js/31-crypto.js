// crypto: getRandomValues, randomUUID, and subtle, which
// 31-crypto-subtle.js makes. Built on first use (see host.lazy in
// 05-dom.js).
(function (g, host) {
  "use strict";
  const domException = host.domException, load = host.load, encoding = host.encoding;
  const cryptoHooks = host.cryptoHooks, subtleGroup = host.subtle;

  host.lazy("crypto", () => {
    const { bytes, typedArrayTag: taTag, typedArrayLength: taLength } = load(encoding);
    const { randomFill, randomUUID } = cryptoHooks();
    const { subtle } = load(subtleGroup);
    const INTEGER = {
      __proto__: null, Int8Array: 1, Uint8Array: 1, Uint8ClampedArray: 1, Int16Array: 1, Uint16Array: 1,
      Int32Array: 1, Uint32Array: 1, BigInt64Array: 1, BigUint64Array: 1,
    };

    const crypto = Object.create({
      getRandomValues(array) {
        const tag = taTag.call(array);
        if (INTEGER[tag] !== 1) {
          if (ArrayBuffer.isView(array)) {
            throw domException("getRandomValues: the array must be an integer typed array", "TypeMismatchError");
          }
          throw new TypeError("getRandomValues: the argument must be an integer typed array");
        }
        if (taLength.call(array) > 65536) {
          throw domException("getRandomValues: the array is larger than 65536 bytes", "QuotaExceededError");
        }
        // bytes() of a typed array is a view over the same memory, so the
        // caller's array is filled in place.
        randomFill(bytes(array));
        return array;
      },
      randomUUID() { return randomUUID(); },
      get subtle() { return subtle; },
      get [Symbol.toStringTag]() { return "Crypto"; },
    });

    return { crypto };
  });
})(globalThis, globalThis.__vault);
