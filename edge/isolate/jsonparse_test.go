package isolate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// jsonShowJS defines __show: a walk that records every value's type, -0,
// and own keys in order.
const jsonShowJS = `globalThis.__show = function show(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "[" + v.map(show).join(",") + "]";
  if (typeof v === "object") return "{" + Reflect.ownKeys(v).map((k) => JSON.stringify(k) + ":" + show(v[k])).join(",") + "}" + (Object.getPrototypeOf(v) === Object.prototype ? "" : "!proto");
  if (Object.is(v, -0)) return "-0";
  return typeof v + ":" + JSON.stringify(v);
};`

// jsonTwins parses data with our parser (body.json's entry) and with
// goja's own JSON.parse in a bare runtime, and shows both with __show:
// they must agree, or both must fail.
func jsonTwins(t *testing.T, inst *instance, bare *goja.Runtime, data []byte) (ours, gojas string, oursErr, gojaErr bool) {
	t.Helper()
	run := func(vm *goja.Runtime, f func() goja.Value) (out string, failed bool) {
		defer func() {
			if r := recover(); r != nil {
				out, failed = fmt.Sprint(r), true
			}
		}()
		show, _ := goja.AssertFunction(vm.Get("__show"))
		v, err := show(goja.Undefined(), f())
		if err != nil {
			return err.Error(), true
		}
		return v.String(), false
	}
	ours, oursErr = run(inst.vm, func() goja.Value { return inst.parseJSON(data) })
	gojas, gojaErr = run(bare, func() goja.Value {
		parse, _ := goja.AssertFunction(bare.Get("JSON").ToObject(bare).Get("parse"))
		v, err := parse(goja.Undefined(), bare.ToValue(toValidUTF8(data)))
		if err != nil {
			panic(err)
		}
		return v
	})
	return
}

// jsonInstance is an instance with __show, and a bare goja runtime with
// the same.
func jsonInstance(t testing.TB) (*instance, *goja.Runtime) {
	bare := goja.New()
	if _, err := bare.RunString(jsonShowJS); err != nil {
		t.Fatal(err)
	}
	return preludeInstance(t, "var "+ModuleGlobal+" = {default: {fetch() {}}};"+jsonShowJS), bare
}

var jsonCases = []string{
	`{"order":"a","items":[{"id":1,"name":"café","price":1.5}]}`,
	`[1,-0,0,-1,1e-400,123456789012345678,0.1,1E+2,2e-3]`,
	`{"__proto__":{"x":1},"a":1,"a":2,"1":"one","0":"zero"}`,
	`"\ud83d\ude00 \u00e9 \n\t\"\\\/"`,
	` {"a" : [ true , false , null ] } `,
	`{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `-`, `+1`, `NaN`, `"\x41"`, "\"tab\there\"", `{"a"}`, ``, ` `,
	`"\u00zz"`, `[` + `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[` + `]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	"\"\xff\xfe\"", "{\"k\xc3\x28\":1}",
}

// parsesAgree reports whether our JSON.parse and goja's agree, where goja is
// right: it refuses numbers beyond float64 (1e400 is Infinity), turns
// escaped lone surrogates into U+FFFD and has no depth bound (ours throws
// a RangeError). parseCases checks those against V8.
func parsesAgree(ours, gojas string, oursErr, gojaErr bool) bool {
	switch {
	case gojaErr && strings.Contains(gojas, "cannot unmarshal number"):
		return true
	case !gojaErr && strings.Contains(gojas, "\uFFFD") && strings.Contains(ours, `\ud`):
		return true
	case oursErr && strings.HasPrefix(ours, "RangeError: JSON nests deeper"):
		return true
	}
	return oursErr == gojaErr && (oursErr || ours == gojas)
}

func shortText(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

func TestParseJSONMatchesJSONParse(t *testing.T) {
	inst, bare := jsonInstance(t)
	for _, c := range jsonCases {
		ours, gojas, oursErr, gojaErr := jsonTwins(t, inst, bare, []byte(c))
		if !parsesAgree(ours, gojas, oursErr, gojaErr) {
			t.Errorf("%q: ours %q (failed %v), goja's JSON.parse %q (failed %v)", c, ours, oursErr, gojas, gojaErr)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	inst, bare := jsonInstance(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ours, gojas, oursErr, gojaErr := jsonTwins(t, inst, bare, data)
		if !parsesAgree(ours, gojas, oursErr, gojaErr) {
			t.Fatalf("%q: ours %q (failed %v), goja's JSON.parse %q (failed %v)", shortText(string(data)), shortText(ours), oursErr, shortText(gojas), gojaErr)
		}
	})
}

// TestParseNumbers: the parser's own arithmetic for short decimals gives
// the float64 strconv.ParseFloat gives (-0 included), and an integral
// value below 2^53 is an integer value (goja's kind for them).
func TestParseNumbers(t *testing.T) {
	inst, _ := jsonInstance(t)
	rnd := rand.New(rand.NewPCG(3, 4))
	lits := []string{"0", "-0", "-0.0", "0.0", "1.0", "-1.5", "0.1", "0.30000000000000004", "123456789012345", "1234567890123456",
		"9007199254740993", "0.0000000000000000000001", "0.00000000000000000000001", "1.7976931348623157e308", "1e400", "-1e-400",
		"4.35", "99.99", "100.5e-1", "5e-324", "123456.789012345", "1234567.89012345678"}
	for range 100000 {
		var b strings.Builder
		if rnd.IntN(2) == 0 {
			b.WriteByte('-')
		}
		b.WriteString(strconv.FormatUint(rnd.Uint64N(1e18)>>rnd.IntN(60), 10))
		if rnd.IntN(4) > 0 {
			b.WriteByte('.')
			b.WriteString(strings.Repeat("0", rnd.IntN(8)))
			b.WriteString(strconv.FormatUint(rnd.Uint64N(1e17)>>rnd.IntN(57), 10))
		}
		lits = append(lits, b.String())
	}
	for _, lit := range lits {
		want, _ := strconv.ParseFloat(lit, 64)
		v := inst.parseJSON([]byte(lit))
		got := v.ToFloat()
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("%s: got %v, want %v", lit, got, want)
		}
		_, isInt := v.Export().(int64)
		if want == math.Trunc(want) && math.Abs(want) < 1<<53 && !(want == 0 && math.Signbit(want)) && !isInt {
			t.Errorf("%s: not an integer value", lit)
		}
	}
}
