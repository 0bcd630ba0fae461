package isolate

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// formVM is a runtime that has run the prelude files Blob, File and
// FormData need, and keeps the host object as the global __vault, so
// tests reach host.encodeBody and host.parseForm. 10-core.js is left out:
// until the body code stops defining its own FormData, it would replace
// this one.
func formVM(tb testing.TB) *goja.Runtime {
	tb.Helper()
	p, err := Compile(Config{Function: "t", Version: 1, Code: []byte("var " + ModuleGlobal + " = {default: {fetch() {}}};"), Logger: discardLogger()})
	if err != nil {
		tb.Fatal(err)
	}
	vm := goja.New()
	inst := &instance{vm: vm, prog: p}
	inst.loop.init()
	inst.watch.init(inst)
	host := vm.NewObject()
	inst.installHost(host)
	if err := vm.GlobalObject().Set("__vault", host); err != nil {
		tb.Fatal(err)
	}
	for _, name := range []string{"05-dom.js", "06-navigator.js", "07-form.js", "20-url.js", "30-encoding.js"} {
		src, err := fs.ReadFile(preludeFiles, "js/"+name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := vm.RunScript(name, string(src)); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
	}
	return vm
}

func formRun(t *testing.T, cases []webapiCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := webapiEval(t, formVM(t), c.body)
			if got != c.want && !(strings.HasSuffix(c.want, "*") && strings.HasPrefix(got, strings.TrimSuffix(c.want, "*"))) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestBlob(t *testing.T) {
	formRun(t, []webapiCase{
		{"SizeOfMixedParts", `return new Blob(["a", "é", new Uint8Array([1, 2]), new Uint16Array([0x4241]).buffer, new Blob(["xyz"])]).size`, "10"},
		{"ViewOffsetsRespected", `const u = new Uint8Array([1, 2, 3, 4]); return new Blob([u.subarray(1, 3)]).arrayBuffer().then(hex)`, "resolves 0203"},
		{"LoneSurrogateIsReplacementChar", `return new Blob(["\uD800"]).arrayBuffer().then(hex)`, "resolves efbfbd"},
		{"TypeLowerCased", `return new Blob([], {type: "Text/HTML;Charset=UTF-8"}).type`, "text/html;charset=utf-8"},
		{"TypeOutsidePrintableASCIIDropped", `return JSON.stringify(new Blob([], {type: "text/\u00e9"}).type)`, `""`},
		{"TextDropsBOMAndReplacesInvalid", `return new Blob(["\uFEFFhi", new Uint8Array([0xff, 0x41])]).text().then(codes)`, "resolves 68 69 fffd 41"},
		{"EndingsNative", `return new Blob(["a\r\nb\rc\n"], {endings: "native"}).arrayBuffer().then(hex)`, "resolves 610a620a630a"},
		{"EndingsTransparent", `return new Blob(["a\r\nb\rc"]).size`, "6"},
		{"EndingsNativeLeavesBuffers", `return new Blob([new Uint8Array([13, 10])], {endings: "native"}).size`, "2"},
		{"BadEndings", `return threw(() => new Blob([], {endings: "crlf"}))`, "TypeError"},
		{"PartsMustBeASequence", `return threw(() => new Blob("abc"))`, "TypeError"},
		{"NoParts", `const b = new Blob(); return b.size + "|" + b.type + "|"`, "0||"},
		{"SliceNegative", `return new Blob(["hello world"]).slice(-5).text()`, "resolves world"},
		{"SliceBothEndsAndType", `const s = new Blob(["hello world"], {type: "a/b"}).slice(1, -6, "TEXT/Plain"); return s.type + ":" + s.size`, "text/plain:4"},
		{"SliceContent", `return new Blob(["hello world"]).slice(1, -6).text()`, "resolves ello"},
		{"SliceTypeDefaultsEmpty", `return JSON.stringify(new Blob(["x"], {type: "a/b"}).slice().type)`, `""`},
		{"SliceEndBeforeStartIsEmpty", `return new Blob(["hello"]).slice(4, 2).size`, "0"},
		{"SliceClamped", `return new Blob(["hello"]).slice(-100, 100).size`, "5"},
		{"SliceOfFileIsBlob", `return Object.prototype.toString.call(new File(["abc"], "f").slice(1))`, "[object Blob]"},
		{"ImmutableAfterSourceChanges", `const u = new Uint8Array([1, 2, 3]); const b = new Blob([u]); u[0] = 9; return b.arrayBuffer().then(hex)`, "resolves 010203"},
		{"ArrayBufferIsACopy", `const b = new Blob(["abc"]); return b.arrayBuffer().then((ab) => { new Uint8Array(ab)[0] = 0x7a; return b.text(); })`, "resolves abc"},
		{"BytesIsUint8Array", `return new Blob(["ab"]).bytes().then((u) => u.constructor.name + ":" + hex(u))`, "resolves Uint8Array:6162"},
		{"SizeGetterOnPrototype", `return threw(() => Blob.prototype.size)`, "TypeError"},
		{"TextOnNonBlobRejects", `return Blob.prototype.text.call({})`, "rejects TypeError: Illegal invocation: not a Blob"},
		{"ToStringTag", `return Object.prototype.toString.call(new Blob())`, "[object Blob]"},
		{"MembersEnumerable", `const k = []; for (const n in new Blob()) k.push(n); return k.sort().join(",")`, "arrayBuffer,bytes,size,slice,stream,text,type"},
		{"NeedsNew", `return threw(() => Blob())`, "TypeError"},
		{"StreamNeedsReadableStream", `if (typeof ReadableStream === "function") return "skip"; return threw(() => new Blob(["x"]).stream())`, "TypeError"},
	})
}

func TestFile(t *testing.T) {
	formRun(t, []webapiCase{
		{"Properties", `const f = new File(["x", "yz"], "a\uD800.txt", {type: "Text/Plain", lastModified: 42});
			return [f.name, f.type, f.size, f.lastModified, f instanceof Blob, f instanceof File].join(",")`, "a\uFFFD.txt,text/plain,3,42,true,true"},
		{"LastModifiedDefaultsToNow", `const t = Date.now(); const m = new File([], "f").lastModified; return m >= t && m <= Date.now()`, "true"},
		{"LastModifiedNaNIsZero", `return new File([], "f", {lastModified: NaN}).lastModified`, "0"},
		{"NeedsName", `return threw(() => new File(["x"]))`, "TypeError"},
		{"EndingsNative", `return new File(["a\r\n"], "f", {endings: "native"}).size`, "2"},
		{"ToStringTag", `return Object.prototype.toString.call(new File([], "f"))`, "[object File]"},
		{"NameOnBlobThrows", `return threw(() => Object.getOwnPropertyDescriptor(File.prototype, "name").get.call(new Blob()))`, "TypeError"},
	})
}

func TestFormData(t *testing.T) {
	formRun(t, []webapiCase{
		{"BlobBecomesFileNamedBlob", `const f = new FormData(); f.append("a", new Blob(["x"], {type: "text/x"}));
			const v = f.get("a"); return [v instanceof File, v.name, v.type, v.size].join(",")`, "true,blob,text/x,1"},
		{"FilenameGivesNewFile", `const f = new FormData(); const file = new File(["x"], "orig", {lastModified: 7});
			f.append("a", file, "renamed"); const v = f.get("a"); return [v !== file, v.name, v.lastModified].join(",")`, "true,renamed,7"},
		{"FileKeptAsIs", `const f = new FormData(); const file = new File(["x"], "orig"); f.append("a", file); return f.get("a") === file`, "true"},
		{"StringWithFilenameThrows", `return threw(() => new FormData().append("a", "b", "c"))`, "TypeError"},
		{"ValuesAreStrings", `const f = new FormData(); f.append("n", 12); f.append("o", {toString() { return "x" }}); return typeof f.get("n") + f.get("n") + f.get("o")`, "string12x"},
		{"NamesAreUSVStrings", `const f = new FormData(); f.append("\uD800", "\uDC00v"); return codes([...f.keys()][0] + f.get("\uFFFD"))`, "fffd fffd 76"},
		{"GetAllHasDelete", `const f = new FormData(); f.append("a", "1"); f.append("b", "2"); f.append("a", "3");
			const all = f.getAll("a").join(); f.delete("a"); return [all, f.has("a"), f.has("b"), f.get("a"), f.getAll("a").length].join("|")`, "1,3|false|true||0"},
		{"SetReplacesFirstRemovesRest", `const f = new FormData(); f.append("a", "1"); f.append("b", "2"); f.append("a", "3"); f.set("a", "x");
			return JSON.stringify([...f])`, `[["a","x"],["b","2"]]`},
		{"SetAppendsWhenAbsent", `const f = new FormData(); f.append("b", "2"); f.set("a", "1"); return [...f.keys()].join()`, "b,a"},
		{"SetWithBlob", `const f = new FormData(); f.set("a", new Blob(["q"]), "n.bin"); return f.get("a").name`, "n.bin"},
		{"IterationAndForEach", `const f = new FormData(); f.append("a", "1"); f.append("b", "2"); const seen = [];
			const self = {};
			f.forEach(function (v, k, o) { seen.push(k + "=" + v + (o === f) + (this === self)); }, self);
			return [...f.values()].join() + "|" + seen.join() + "|" + (f[Symbol.iterator] === f.entries)`, "1,2|a=1truetrue,b=2truetrue|true"},
		{"IterationIsLive", `const f = new FormData(); f.append("a", "1"); const k = []; for (const [n] of f) { k.push(n); if (k.length === 1) f.append("b", "2"); } return k.join()`, "a,b"},
		{"ArgumentCounts", `const f = new FormData(); return [threw(() => f.append("a")), threw(() => f.get()), threw(() => f.set("a"))].join()`, "TypeError,TypeError,TypeError"},
		{"FormElementRefused", `return threw(() => new FormData({}))`, "TypeError"},
		{"ToStringTag", `return Object.prototype.toString.call(new FormData())`, "[object FormData]"},
		{"WebIDLLengths", `const P = FormData.prototype, B = Blob.prototype;
			return [Blob.length, File.length, FormData.length, P.append.length, P.set.length, P.get.length, P.forEach.length, B.slice.length, B.text.length].join()`, "0,2,0,2,2,1,1,0,0"},
		{"IllegalInvocation", `return threw(() => FormData.prototype.get.call({}, "a"))`, "TypeError"},
	})
}

func TestNavigator(t *testing.T) {
	formRun(t, []webapiCase{
		{"UserAgent", `return navigator.userAgent`, "Vault/*"},
		{"HardwareConcurrency", `return navigator.hardwareConcurrency`, "1"},
		{"ToStringTag", `return Object.prototype.toString.call(navigator)`, "[object Navigator]"},
		{"NotConstructible", `return threw(() => new Navigator())`, "TypeError"},
		{"ReadOnly", `return threw(function () { "use strict"; navigator.userAgent = "x"; })`, "TypeError"},
	})
}

// TestFormHooks checks the two hooks the body code calls.
func TestFormHooks(t *testing.T) {
	formRun(t, []webapiCase{
		{"EncodeBlob", `const [b, ct] = __vault.encodeBody(new Blob(["hi"], {type: "Text/Plain"})); return b.constructor.name + ":" + hex(b) + ":" + ct`, "Uint8Array:6869:text/plain"},
		{"EncodeBlobWithoutType", `return __vault.encodeBody(new Blob(["hi"]))[1]`, "null"},
		{"EncodedBlobBytesAreACopy", `const blob = new Blob(["hi"]); __vault.encodeBody(blob)[0][0] = 0x7a; return blob.text()`, "resolves hi"},
		{"OthersUndefined", `new Blob(); return [__vault.encodeBody("x"), __vault.encodeBody(null), __vault.encodeBody(new URLSearchParams("a=1")), __vault.encodeBody({})].join("|")`, "|||"},
		{"EncodeFormData", `const f = new FormData(); f.append("a\n\"b", "line1\nline2\r"); f.append("up", new File([new Uint8Array([0, 255])], "x\".bin"));
			f.append("t", new Blob(["q"]));
			const [b, ct] = __vault.encodeBody(f); const boundary = ct.slice("multipart/form-data; boundary=".length);
			const want = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"a%0D%0A%22b\"\r\n\r\nline1\r\nline2\r\n\r\n" +
				"--" + boundary + "\r\nContent-Disposition: form-data; name=\"up\"; filename=\"x%22.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\u0000\u00ff\r\n" +
				"--" + boundary + "\r\nContent-Disposition: form-data; name=\"t\"; filename=\"blob\"\r\nContent-Type: application/octet-stream\r\n\r\nq\r\n" +
				"--" + boundary + "--\r\n";
			const got = Array.from(b, (c) => String.fromCharCode(c)).join("");
			return ct.startsWith("multipart/form-data; boundary=") && boundary.length > 20 && got === want ? "ok" : JSON.stringify([ct, got])`, "ok"},
		{"FreshBoundaryEachTime", `const f = new FormData(); return __vault.encodeBody(f)[1] !== __vault.encodeBody(f)[1]`, "true"},
		{"RoundTrip", `const f = new FormData(); f.append("name\"x", "välue"); f.append("file", new File([new Uint8Array([1, 2, 3])], "a b\u00e9.bin", {type: "application/x-thing"}));
			const [b, ct] = __vault.encodeBody(f); const g = __vault.parseForm(ct, b);
			const file = g.get("file");
			return [g.get("name\"x"), file instanceof File, file.name, file.type, file.size, g.constructor === FormData].join("|")`, "välue|true|a bé.bin|application/x-thing|3|true"},
		{"ParseFileBytes", `const f = new FormData(); f.append("f", new File([new Uint8Array([0, 13, 10, 45, 45])], "z"));
			const [b, ct] = __vault.encodeBody(f); return __vault.parseForm(ct, b).get("f").arrayBuffer().then(hex)`, "resolves 000d0a2d2d"},
		{"ParseURLEncoded", `const g = __vault.parseForm("Application/X-WWW-Form-Urlencoded;charset=UTF-8", new TextEncoder().encode("a=1&b=x+y%21&a=%E2%82%AC"));
			return JSON.stringify([...g])`, `[["a","1"],["b","x y!"],["a","€"]]`},
		{"ParseURLEncodedEmpty", `return [...__vault.parseForm("application/x-www-form-urlencoded", null)].length`, "0"},
		{"ParseUnsupportedType", `return threw(() => __vault.parseForm("text/plain", new Uint8Array(0)))`, "TypeError"},
		{"ParseNoType", `return threw(() => __vault.parseForm(null, new Uint8Array(0)))`, "TypeError"},
		{"ParseMalformed", `try { __vault.parseForm("multipart/form-data; boundary=zz", new TextEncoder().encode("--zz\r\nContent-Disposition: form-data; name=a\r\n\r\nno end")); } catch (e) { return e.name + ": " + e.message }`,
			`TypeError: multipart/form-data: part "a" has no closing boundary delimiter`},
		{"ParseNoBoundary", `try { __vault.parseForm("multipart/form-data", new Uint8Array(0)); } catch (e) { return e.name + ": " + e.message }`,
			"TypeError: multipart/form-data: Content-Type has no boundary"},
		{"ParsedFileTypeDefaultsToTextPlain", `const body = "--b\r\nContent-Disposition: form-data; name=f; filename=\"x\"\r\n\r\nabc\r\n--b--";
			return __vault.parseForm("multipart/form-data; boundary=b", new TextEncoder().encode(body)).get("f").type`, "text/plain"},
	})
}

// TestFormInFullPrelude checks what the full prelude gives functions:
// Blob, File and navigator come from 07-form.js and 06-navigator.js.
func TestFormInFullPrelude(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"Blob", `return new Blob(["ab"], {type: "X/Y"}).type`, "x/y"},
		{"File", `return new File(["ab"], "n").name`, "n"},
		{"UserAgent", `return navigator.userAgent.startsWith("Vault/")`, "true"},
	})
}

// TestBlobStream reads a Blob through the ReadableStream of
// js/15-streams.js: chunks of at most 64 KiB, in order, and through a
// BYOB reader, as a byte stream allows.
func TestBlobStream(t *testing.T) {
	vm := webapiVM(t)
	if webapiEval(t, vm, `return typeof ReadableStream`) != "function" {
		t.Skip("no ReadableStream in the prelude yet")
	}
	got := webapiEval(t, vm, `const big = new Uint8Array(70000).fill(7);
		const r = new Blob([big, "z"]).stream().getReader(); const sizes = [];
		const next = () => r.read().then(({done, value}) => {
			if (done) return sizes.join();
			sizes.push(value.constructor.name + value.length + ":" + value[value.length - 1]);
			return next();
		});
		return next()`)
	if want := "resolves Uint8Array65536:7,Uint8Array4465:122"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	got = webapiEval(t, vm, `const r = new Blob(["abcdef"]).stream().getReader({mode: "byob"});
		return r.read(new Uint8Array(4)).then(({value}) => dec(value) + "|" + value.byteLength)`)
	if want := "resolves abcd|4"; got != want {
		t.Fatalf("BYOB read: got %q, want %q", got, want)
	}
}
