package isolate

import "testing"

// TestTextDecoderBrand: TextDecoder's state is private to its instances,
// so its getters and decode throw a TypeError on anything else (as
// WebIDL's do), and work on an instance of a subclass.
func TestTextDecoderBrand(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"GettersOnPrototype", `const g = (k) => Object.getOwnPropertyDescriptor(TextDecoder.prototype, k).get;
			return ["encoding", "fatal", "ignoreBOM"].map((k) => threw(() => g(k).call(TextDecoder.prototype))).join()`, "TypeError,TypeError,TypeError"},
		{"MessageSaysIllegalInvocation", `try { TextDecoder.prototype.decode.call(new TextEncoder()) } catch (e) { return e.message }`, "Illegal invocation"},
		{"Subclass", `class D extends TextDecoder { constructor() { super("utf8", {fatal: true}) } }
			const d = new D(); return [d.encoding, d.fatal, d.ignoreBOM, d.decode(new Uint8Array([0x68, 0x69]))].join()`, "utf-8,true,false,hi"},
		{"StateIsPerInstance", `const a = new TextDecoder("utf-8", {fatal: true}), b = new TextDecoder("utf-8", {ignoreBOM: true});
			return [a.fatal, a.ignoreBOM, b.fatal, b.ignoreBOM].join()`, "true,false,false,true"},
	})
}

// TestTextEncoderConvertsArguments: encode and encodeInto take strings as
// they are and convert anything else as WebIDL's USVString does.
func TestTextEncoderConvertsArguments(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"Encode", `const e = new TextEncoder();
			return [e.encode("hé"), e.encode(12), e.encode({toString() { return "a" }}), e.encode(null), e.encode(), e.encode(undefined)].map((u) => u.join(".")).join("|")`,
			"104.195.169|49.50|97|110.117.108.108||"},
		{"EncodeInto", `const e = new TextEncoder(), u = new Uint8Array(4);
			const r = [e.encodeInto("hé", u), e.encodeInto(7, u.subarray(3)), e.encodeInto({toString() { return "zz" }}, u.subarray(0, 1))];
			return r.map((x) => x.read + "/" + x.written).join() + " " + u.join(".")`, "2/3,1/1,1/1 122.195.169.55"},
		{"EncodeSymbolThrows", `return threw(() => new TextEncoder().encode(Symbol()))`, "TypeError"},
	})
}
