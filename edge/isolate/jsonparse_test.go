package isolate

import (
	"testing"

	"github.com/dop251/goja"
)

// jsonTwins parses data with the fast parser and with goja's JSON.parse
// and serializes both (JSON.stringify, plus a type and key-order walk):
// they must agree, or both must fail.
func jsonTwins(t *testing.T, inst *instance, data []byte) (fast, slow string, fastErr, slowErr bool) {
	t.Helper()
	show, _ := goja.AssertFunction(inst.vm.Get("__show"))
	run := func(f func() goja.Value) (out string, failed bool) {
		defer func() {
			if r := recover(); r != nil {
				failed = true
			}
		}()
		v, err := show(goja.Undefined(), f())
		if err != nil {
			return err.Error(), true
		}
		return v.String(), false
	}
	fast, fastErr = run(func() goja.Value { return inst.parseJSON(data) })
	slow, slowErr = run(func() goja.Value {
		v, err := inst.jsonParse(goja.Undefined(), inst.vm.ToValue(toValidUTF8(data)))
		if err != nil {
			panic(err)
		}
		return v
	})
	return
}

// jsonInstance is an instance with __show: a walk that records every
// value's type, -0, and own keys in order.
func jsonInstance(t testing.TB) *instance {
	return preludeInstance(t, "var "+ModuleGlobal+` = {default: {fetch() {}}};
globalThis.__show = function show(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "[" + v.map(show).join(",") + "]";
  if (typeof v === "object") return "{" + Reflect.ownKeys(v).map((k) => JSON.stringify(k) + ":" + show(v[k])).join(",") + "}" + (Object.getPrototypeOf(v) === Object.prototype ? "" : "!proto");
  if (Object.is(v, -0)) return "-0";
  return typeof v + ":" + JSON.stringify(v);
};`)
}

var jsonCases = []string{
	`{"order":"a","items":[{"id":1,"name":"café","price":1.5}]}`,
	`[1,-0,0,-1,1e400,-1e400,1e-400,123456789012345678,0.1,1E+2,2e-3]`,
	`{"__proto__":{"x":1},"a":1,"a":2,"1":"one","0":"zero"}`,
	`"\ud83d\ude00 \u00e9 \n\t\"\\\/"`,
	`"\ud800"`, `"\udc00x"`, `"\ud800\u0041"`,
	` {"a" : [ true , false , null ] } `,
	`{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `-`, `+1`, `NaN`, `"\x41"`, "\"tab\there\"", `{"a"}`, ``, ` `,
	`"\u00zz"`, `[` + `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[` + `]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	"\"\xff\xfe\"", "{\"k\xc3\x28\":1}",
}

func TestParseJSONMatchesJSONParse(t *testing.T) {
	inst := jsonInstance(t)
	for _, c := range jsonCases {
		fast, slow, fastErr, slowErr := jsonTwins(t, inst, []byte(c))
		if fastErr != slowErr || (!fastErr && fast != slow) {
			t.Errorf("%q: fast %q (failed %v), JSON.parse %q (failed %v)", c, fast, fastErr, slow, slowErr)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	inst := jsonInstance(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, slow, fastErr, slowErr := jsonTwins(t, inst, data)
		if fastErr != slowErr || (!fastErr && fast != slow) {
			t.Fatalf("%q: fast %q (failed %v), JSON.parse %q (failed %v)", data, fast, fastErr, slow, slowErr)
		}
	})
}
