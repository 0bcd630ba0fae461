package isolate

import "testing"

func TestGojaFixes(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"TypedArrayFromStringWithMap", `return Uint8Array.from("abc", (c) => c.charCodeAt(0)).join()`, "97,98,99"},
		{"TypedArrayFromStringByCodePoints", `return Uint32Array.from("a😀", (c) => c.codePointAt(0)).join()`, "97,128512"},
		{"TypedArrayFromStringNoMap", `return Uint8Array.from("12").join()`, "1,2"},
		{"TypedArrayFromOthersUnchanged", `return [Uint8Array.from(new Set([1, 2])).join(), Uint8Array.from({length: 2, 0: 5, 1: 6}).join(), Float64Array.from([1.5], function (x) { return x * this.k }, {k: 2}).join()].join("|")`, "1,2|5,6|3"},
		{"TypedArrayFromShape", `const f = Uint8Array.from; return [f.name, f.length, f === Float32Array.from, Object.keys(Object.getPrototypeOf(Uint8Array)).length, threw(() => new f([]))].join("|")`, "from|1|true|0|TypeError"},
		{"TypedArrayFromSubclass", `class B extends Uint8Array {} const b = B.from("7"); return (b instanceof B) + "|" + b[0]`, "true|7"},
	})
}
