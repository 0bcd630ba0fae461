package isolate

import (
	"sync"
	"testing"

	"github.com/dop251/goja"
)

// TestIntlDecimalRounding: rounding works on the shortest decimal form of
// the double, half away from zero, carrying into a new digit.
func TestIntlDecimalRounding(t *testing.T) {
	cases := []struct {
		x         float64
		frac      int
		in, frac2 string
	}{
		{1.005, 2, "1", "01"},
		{2.5, 0, "3", ""},
		{0.0005, 3, "", "001"},
		{0.00049, 3, "", ""},
		{9.995, 2, "10", ""},
		{999.9996, 3, "1000", ""},
		{123456789, 0, "123456789", ""},
		{1e21, 0, "1000000000000000000000", ""},
	}
	for _, c := range cases {
		in, fr := decimalFromFloat(c.x).roundFraction(c.frac).intFrac()
		if in != c.in || fr != c.frac2 {
			t.Errorf("%v to %d digits: got %q.%q, want %q.%q", c.x, c.frac, in, fr, c.in, c.frac2)
		}
	}
	if in, _ := decimalFromFloat(123456).roundSignificant(2).intFrac(); in != "120000" {
		t.Errorf("123456 to 2 significant digits: got %q", in)
	}
}

// TestIntlIsLazy: an isolate that never touches Intl makes no Intl
// object and no hooks; the first use builds them, and formatters that
// toLocaleString makes without options are reused.
func TestIntlIsLazy(t *testing.T) {
	vm := webapiVM(t)
	got := webapiEval(t, vm, `
		const d = Object.getOwnPropertyDescriptor(globalThis, "Intl");
		const lazy = typeof d.get === "function";
		const a = (1234.5).toLocaleString("de-DE");
		const after = Object.getOwnPropertyDescriptor(globalThis, "Intl");
		return [lazy, a, typeof after.value, Intl === Intl].join(" ");`)
	if got != "true 1.234,5 object true" {
		t.Fatalf("got %q", got)
	}
}

// BenchmarkIntlNumberToLocaleString: 1000 (x).toLocaleString("en-US")
// calls per op in one isolate, the loop the issue asked to keep fast.
func BenchmarkIntlNumberToLocaleString(b *testing.B) {
	vm := webapiVM(b)
	fn, err := vm.RunString(`(function () { let s = 0; for (let i = 0; i < 1000; i++) s += (i * 1234.5678).toLocaleString("en-US").length; return s; })`)
	if err != nil {
		b.Fatal(err)
	}
	call, _ := goja.AssertFunction(fn)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := call(goja.Undefined()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIntlDateToLocaleString: 1000 toLocaleString("en-US",
// {timeZone: "America/New_York"}) calls per op (a new formatter each,
// since options are given).
func BenchmarkIntlDateToLocaleString(b *testing.B) {
	vm := webapiVM(b)
	fn, err := vm.RunString(`(function () { let s = 0; const d = new Date(0); for (let i = 0; i < 1000; i++) s += d.toLocaleString("en-US", {timeZone: "America/New_York"}).length; return s; })`)
	if err != nil {
		b.Fatal(err)
	}
	call, _ := goja.AssertFunction(fn)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := call(goja.Undefined()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestIntlConcurrentIsolates: isolates on different goroutines share the
// process-wide caches (locale data, zones, patterns) safely (run with
// -race) and each gets its own locale's output.
func TestIntlConcurrentIsolates(t *testing.T) {
	want := map[string]string{
		"en-US": "1,234.5 12/7/2026, 6:05:07 AM",
		"de-DE": "1.234,5 7.12.2026, 06:05:07",
		"ja-JP": "1,234.5 2026/12/7 6:05:07",
		"fr-FR": "1\u202f234,5 07/12/2026 06:05:07",
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(want))
	for i := 0; i < 4; i++ {
		for loc, w := range want {
			wg.Add(1)
			go func() {
				defer wg.Done()
				vm := webapiVM(t)
				got := webapiEval(t, vm, `const d = new Date(Date.UTC(2026, 11, 7, 6, 5, 7));
					return (1234.5).toLocaleString("`+loc+`") + " " + d.toLocaleString("`+loc+`", {timeZone: "UTC"});`)
				if got != w {
					errs <- loc + ": got " + got + ", want " + w
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
