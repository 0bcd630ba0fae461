package isolate

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// A built-in that allocates in one Go call is charged before it runs: over
// memory_mb it throws, the invocation fails with ErrMemory, and the memory
// is never allocated. Before, new Uint8Array(2 GiB).fill(1) took the node
// to 2.1 GB, and the watchdog only noticed after the fill.
func TestLargeAllocationsRefusedBeforeTheyHappen(t *testing.T) {
	const mib256 = "(256 * 2 ** 20)"
	tests := []struct{ name, expr string }{
		{"Uint8ArrayFill", "new Uint8Array" + mib256 + ".fill(1)"},
		{"ArrayBuffer", "new ArrayBuffer" + mib256},
		{"ArrayBufferValueOf", "new ArrayBuffer({valueOf(){ return " + mib256 + " }})"},
		{"Float64Array", "new Float64Array(32 * 2 ** 20)"},
		{"TypedArrayFrom", "Float64Array.from({length: 32 * 2 ** 20})"},
		{"Subclass", "new (class Big extends Uint8Array {})" + mib256},
		{"Reflect", "Reflect.construct(Uint8Array, [" + mib256 + "])"},
		{"Repeat", `"ab".repeat(128 * 2 ** 20)`},
		{"PadEnd", `"".padEnd(` + mib256 + `, "x")`},
		{"ArrayFill", "new Array(16 * 2 ** 20).fill(0)"},
		{"Caught", "(() => { try { return new Uint8Array" + mib256 + " } catch (e) { return 'caught' } })()"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, `return {default:{fetch(){ const x = `+tt.expr+`; return new Response(String(x.length)) }}}`,
				schemas.Limits{MemoryMB: 32})
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			resp, err := invoke(t, p, "GET", "")
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrMemory) {
				t.Fatalf("got %v, %v; want ErrMemory", resp, err)
			}
			if grew := int64(after.TotalAlloc - before.TotalAlloc); grew > 64<<20 {
				t.Fatalf("allocated %d MiB before failing", grew>>20)
			}
			if took > 10*time.Second {
				t.Fatalf("took %v", took)
			}
			t.Logf("%v", err)
		})
	}
}

// Within the limit the charged built-ins behave as before, and so do the
// constructors' identities: the Proxy stands for them everywhere.
func TestChargedBuiltinsKeepSemantics(t *testing.T) {
	checks := []string{
		`Uint8Array.prototype.constructor === Uint8Array`,
		`new Uint8Array(2) instanceof Uint8Array`,
		`Uint8Array.name === "Uint8Array" && Uint8Array.length === 3 && Uint8Array.BYTES_PER_ELEMENT === 1`,
		`typeof Uint8Array === "function" && typeof ArrayBuffer.isView === "function"`,
		`Uint8Array[Symbol.species] === Uint8Array && ArrayBuffer[Symbol.species] === ArrayBuffer`,
		`new Uint8Array(4).slice(1).constructor === Uint8Array`,
		`new Uint8Array([1, 2, 3]).map((x) => x * 2).join() === "2,4,6"`,
		`Uint8Array.from([1, 2]).length === 2 && Uint16Array.of(1, 2, 3).byteLength === 6`,
		`(() => { class X extends Uint8Array { hi() { return 1 } }; const x = new X(2); return x instanceof X && x.hi() === 1 && x.slice(0) instanceof X })()`,
		`new Uint8Array(new ArrayBuffer(8), 2, 3).length === 3 && new ArrayBuffer(5).byteLength === 5`,
		`new ArrayBuffer({valueOf() { return 7 }}).byteLength === 7`,
		`(() => { try { Uint8Array(2); return false } catch (e) { return e instanceof TypeError } })()`,
		`(() => { try { new ArrayBuffer(-1); return false } catch (e) { return e instanceof RangeError } })()`,
		`Object.getPrototypeOf(Int8Array) === Object.getPrototypeOf(Uint8Array)`,
		`"ab".repeat(3) === "ababab" && "a".padStart(3, "-") === "--a" && "a".padEnd(2) === "a "`,
		`String.prototype.repeat.name === "repeat" && String.prototype.repeat.length === 1`,
		`[1, 2, 3].fill(0, 1).join() === "1,0,0" && Array.prototype.fill.length === 1 && new Array(3).fill(7).join() === "7,7,7"`,
		// Charges are judged against the heap estimate, which counts garbage
		// until the GC sweeps it: churn within the limit always passes.
		`(() => { let n = 0; for (let i = 0; i < 32; i++) n += new Uint8Array(1 << 20).length; return n === 32 * (1 << 20) })()`,
	}
	src := `return {default:{fetch(){ const out = []; ` +
		`for (const [i, f] of [` + checkFuncs(checks) + `].entries()) if (!f()) out.push(i); return new Response(out.join()) }}}`
	p := compile(t, src, schemas.Limits{MemoryMB: 64})
	for range 2 {
		if got := body(t, p, "GET", ""); got != "" {
			for _, i := range strings.Split(got, ",") {
				t.Errorf("check %s is false", i)
			}
			t.Fatalf("checks: %v", checks)
		}
	}
}

func checkFuncs(checks []string) string {
	fs := make([]string, len(checks))
	for i, c := range checks {
		fs[i] = "() => " + c
	}
	return strings.Join(fs, ", ")
}
