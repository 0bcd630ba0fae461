// structuredClone: the HTML structured clone of a value within this
// isolate. Cycles and shared references are kept; transfer is not
// supported (nothing here can detach an ArrayBuffer). Built on first use
// (see host.lazy in 05-dom.js).
(function (g, host) {
  "use strict";
  const domException = host.domException, load = host.load, dom = host.dom;

  host.lazy("structuredClone", () => {
    const { DOMException } = load(dom);
    const getter = (o, k) => Object.getOwnPropertyDescriptor(o, k).get;
    const TA = Object.getPrototypeOf(Uint8Array.prototype);
    const taTag = getter(TA, Symbol.toStringTag), taBuffer = getter(TA, "buffer"), taOffset = getter(TA, "byteOffset"), taLength = getter(TA, "length");
    const DV = DataView.prototype;
    const dvBuffer = getter(DV, "buffer"), dvOffset = getter(DV, "byteOffset"), dvLength = getter(DV, "byteLength");
    const abSlice = ArrayBuffer.prototype.slice, dateTime = Date.prototype.getTime;
    const reSource = getter(RegExp.prototype, "source"), reFlags = getter(RegExp.prototype, "flags");
    const mapForEach = Map.prototype.forEach, mapSet = Map.prototype.set;
    const setForEach = Set.prototype.forEach, setAdd = Set.prototype.add;
    const keys = Object.keys, isArray = Array.isArray, defineProperty = Object.defineProperty;
    const TYPED = {
      __proto__: null, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
      Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
    };
    const ERRORS = { __proto__: null, Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
    // Objects with internal state a clone cannot carry: these built-ins and
    // the runtime's own classes. A class still behind its lazy accessor
    // has no instances yet, so reading the globals is left until a clone
    // meets an ordinary object, and builds nothing.
    const UNCLONEABLE = [Promise, WeakMap, WeakSet, Symbol];
    const PLATFORM = ["EventTarget", "Event", "AbortController", "TextEncoder", "TextDecoder", "Headers",
      "Request", "Response", "URL", "URLSearchParams", "ReadableStream", "WritableStream", "TransformStream"];
    const uncloneable = () => {
      const list = UNCLONEABLE.slice();
      for (const name of PLATFORM) {
        const d = Object.getOwnPropertyDescriptor(g, name);
        if (d !== undefined && typeof d.value === "function") list.push(d.value);
      }
      return list;
    };
    const boolValue = Boolean.prototype.valueOf, numValue = Number.prototype.valueOf;
    const strValue = String.prototype.valueOf, bigValue = BigInt.prototype.valueOf;

    const fail = (what) => domException(`${what} could not be cloned.`, "DataCloneError");
    const dataProp = (o, k, value) => defineProperty(o, k, { value, writable: true, enumerable: true, configurable: true });
    const hidden = (o, k, value) => defineProperty(o, k, { value, writable: true, enumerable: false, configurable: true });

    const OBJECT = 0, MAP = 1, SET = 2;

    // copy returns the clone of v, made in full for leaves and as an empty
    // shell for containers, whose contents are queued on work: the walk is
    // iterative, so a deep structure cannot exhaust the stack.
    const copy = (v, memo, work) => {
      switch (typeof v) {
        case "undefined": case "boolean": case "number": case "string": case "bigint":
          return v;
        case "symbol":
          throw fail(String(v));
        case "function":
          throw fail(`function ${v.name || "anonymous"}`);
      }
      if (v === null) return null;
      let out = memo.get(v);
      if (out !== undefined) return out;

      if (isArray(v)) {
        out = new Array(v.length);
        work.push(OBJECT, v, out);
      } else if (taTag.call(v) !== undefined) {
        const buf = copy(taBuffer.call(v), memo, work);
        out = new TYPED[taTag.call(v)](buf, taOffset.call(v), taLength.call(v));
      } else if (ArrayBuffer.isView(v)) {
        out = new DataView(copy(dvBuffer.call(v), memo, work), dvOffset.call(v), dvLength.call(v));
      } else if (v instanceof ArrayBuffer) {
        out = abSlice.call(v, 0);
      } else if (v instanceof Date) {
        out = new Date(dateTime.call(v));
      } else if (v instanceof RegExp) {
        out = new RegExp(reSource.call(v), reFlags.call(v));
      } else if (v instanceof Map) {
        out = new Map();
        work.push(MAP, v, out);
      } else if (v instanceof Set) {
        out = new Set();
        work.push(SET, v, out);
      } else if (v instanceof DOMException) {
        out = new DOMException(v.message, v.name);
      } else if (v instanceof Error) {
        out = cloneError(v);
      } else if (v instanceof Boolean) {
        out = Object(boolValue.call(v));
      } else if (v instanceof Number) {
        out = Object(numValue.call(v));
      } else if (v instanceof String) {
        out = Object(strValue.call(v));
      } else if (v instanceof BigInt) {
        out = Object(bigValue.call(v));
      } else {
        checkCloneable(v, memo);
        out = {};
        work.push(OBJECT, v, out);
      }
      memo.set(v, out);
      return out;
    };

    const cloneError = (v) => {
      const name = v.name, Ctor = ERRORS[name] || Error;
      const out = new Ctor();
      const msg = Object.getOwnPropertyDescriptor(v, "message");
      if (msg !== undefined && "value" in msg) hidden(out, "message", String(msg.value));
      if (typeof v.stack === "string") hidden(out, "stack", v.stack);
      return out;
    };

    // checkCloneable keeps the list of classes for one clone in memo, under
    // a key no value can be.
    const checkCloneable = (v, memo) => {
      let list = memo.get(memo);
      if (list === undefined) memo.set(memo, (list = uncloneable()));
      for (const C of list) {
        if (v instanceof C) throw fail(`${C.name} object`);
      }
    };

    const fill = (kind, src, out, memo, work) => {
      if (kind === MAP) {
        const pairs = [];
        mapForEach.call(src, (val, key) => { pairs.push(key, val); });
        for (let i = 0; i < pairs.length; i += 2) {
          mapSet.call(out, copy(pairs[i], memo, work), copy(pairs[i + 1], memo, work));
        }
      } else if (kind === SET) {
        const items = [];
        setForEach.call(src, (val) => { items.push(val); });
        for (const item of items) setAdd.call(out, copy(item, memo, work));
      } else {
        for (const k of keys(src)) {
          const val = copy(src[k], memo, work);
          if (k === "__proto__") dataProp(out, k, val); else out[k] = val;
        }
      }
    };

    const fns = {
      structuredClone(value, options) {
        if (arguments.length === 0) throw new TypeError("structuredClone: 1 argument required");
        if (options != null && options.transfer !== undefined) {
          for (const _ of options.transfer) throw domException("structuredClone: transfer is not supported", "DataCloneError");
        }
        const memo = new Map(), work = [];
        const out = copy(value, memo, work);
        while (work.length > 0) {
          const dst = work.pop(), src = work.pop(), kind = work.pop();
          fill(kind, src, dst, memo, work);
        }
        return out;
      },
    };
    return fns;
  });
})(globalThis, globalThis.__vault);
