package isolate

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// urlRuntime is a fresh runtime with the whole prelude run, as a
// function's module sees it.
func urlRuntime(tb testing.TB) *goja.Runtime { return preludeInstance(tb, "").vm }

// urlEval runs src and gives its value as a string, or the exception's
// "TypeName: message" prefixed with "throws ".
func urlEval(tb testing.TB, vm *goja.Runtime, src string) string {
	tb.Helper()
	v, err := vm.RunString(src)
	if err != nil {
		if ex, ok := err.(*goja.Exception); ok {
			o := ex.Value().ToObject(vm)
			return "throws " + o.Get("name").String()
		}
		tb.Fatalf("%s: %v", src, err)
	}
	return v.String()
}

func TestURLParse(t *testing.T) {
	// Each want is href, origin, protocol, username, password, host,
	// hostname, port, pathname, search, hash, joined by spaces ("-" for
	// the empty string); "throws TypeError" for a failure.
	tests := []struct {
		name, input, base, want string
	}{
		{"Absolute", "https://user:pw@Example.COM:8443/a/./b/../c?x=1#frag", "",
			"https://user:pw@example.com:8443/a/c?x=1#frag https://example.com:8443 https: user pw example.com:8443 example.com 8443 /a/c ?x=1 #frag"},
		{"DefaultPortDropped", "http://example.com:80/", "",
			"http://example.com/ http://example.com http: - - example.com example.com - / - -"},
		{"Relative", "../d?q#h", "http://h/a/b/c",
			"http://h/a/d?q#h http://h http: - - h h - /a/d ?q #h"},
		{"RelativeSchemeOnly", "//other/x", "https://h/a",
			"https://other/x https://other https: - - other other - /x - -"},
		{"IDNA", "http://Bücher.example/", "",
			"http://xn--bcher-kva.example/ http://xn--bcher-kva.example http: - - xn--bcher-kva.example xn--bcher-kva.example - / - -"},
		{"IPv4Hex", "http://0x7f.1/", "",
			"http://127.0.0.1/ http://127.0.0.1 http: - - 127.0.0.1 127.0.0.1 - / - -"},
		{"IPv6", "http://[::1]:8080/", "",
			"http://[::1]:8080/ http://[::1]:8080 http: - - [::1]:8080 [::1] 8080 / - -"},
		{"PercentEncoding", "http://h/a b?c d#e f", "",
			"http://h/a%20b?c%20d#e%20f http://h http: - - h h - /a%20b ?c%20d #e%20f"},
		{"OpaquePath", "mailto:someone@example.com", "",
			"mailto:someone@example.com null mailto: - - - - - someone@example.com - -"},
		{"File", "file:///C:/x/../y", "",
			"file:///C:/y null file: - - - - - /C:/y - -"},
		{"BlobOrigin", "blob:https://a.example:444/uuid", "",
			"blob:https://a.example:444/uuid https://a.example:444 blob: - - - - - https://a.example:444/uuid - -"},
		{"LoneSurrogate", "(set below)", "",
			"http://h/%EF%BF%BD http://h http: - - h h - /%EF%BF%BD - -"},
		{"IPv6Compressed", "http://[1:0:0:2:0:0:0:3]/", "",
			"http://[1:0:0:2::3]/ http://[1:0:0:2::3] http: - - [1:0:0:2::3] [1:0:0:2::3] - / - -"},
		{"IPv4InIPv6", "http://[::127.0.0.1]/", "",
			"http://[::7f00:1]/ http://[::7f00:1] http: - - [::7f00:1] [::7f00:1] - / - -"},
		{"OpaqueHost", "foo://Ex%41mple:1/p", "",
			"foo://Ex%41mple:1/p null foo: - - Ex%41mple:1 Ex%41mple 1 /p - -"},
		{"PathLooksLikeHost", "web+demo:/.//not-a-host/", "",
			"web+demo:/.//not-a-host/ null web+demo: - - - - - //not-a-host/ - -"},
		{"FileDriveLetter", "..", "file:///C:/",
			"file:///C:/ null file: - - - - - /C:/ - -"},
		{"FileLocalhost", "file://localhost/x", "",
			"file:///x null file: - - - - - /x - -"},
		{"Backslashes", "http:\\\\h\\a", "",
			"http://h/a http://h http: - - h h - /a - -"},
		{"TabsAndNewlines", " ht\ttp://h/\na\r ", "",
			"http://h/a http://h http: - - h h - /a - -"},
		{"EmptyQueryAndHash", "http://h/?#", "",
			"http://h/?# http://h http: - - h h - / - -"},
		{"ErrNoBase", "/relative", "", "throws TypeError"},
		{"ErrIPv4Part", "http://1.2.3.256/", "", "throws TypeError"},
		{"ErrIPv4Parts", "http://1.2.3.4.5/", "", "throws TypeError"},
		{"ErrIPv6", "http://[1::2::3]/", "", "throws TypeError"},
		{"ErrForbiddenCodePoint", "http://a<b/", "", "throws TypeError"},
		{"ErrBadPort", "http://h:99999/", "", "throws TypeError"},
		{"ErrBadHost", "http://a b/", "", "throws TypeError"},
		{"ErrEmptyBase", "x", "\x00", "throws TypeError"},
	}
	vm := urlRuntime(t)
	_, err := vm.RunString(`function urlParts(input, base) {
		const u = base === undefined ? new URL(input) : new URL(input, base);
		return [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port,
			u.pathname, u.search, u.hash].map((s) => s === "" ? "-" : s).join(" ");
	}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := "undefined"
			if tt.base == "\x00" {
				base = `""`
			} else if tt.base != "" {
				base = urlQuote(tt.base)
			}
			input := urlQuote(tt.input)
			if tt.name == "LoneSurrogate" {
				input = `"http://h/\uD800"` // JSON cannot carry it through Go
			}
			got := urlEval(t, vm, "urlParts("+input+", "+base+")")
			if got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			canParse := urlEval(t, vm, "URL.canParse("+input+", "+base+")")
			parsed := urlEval(t, vm, "String(URL.parse("+input+", "+base+"))")
			if fail := strings.HasPrefix(tt.want, "throws"); canParse != map[bool]string{true: "false", false: "true"}[fail] ||
				(fail && parsed != "null") || (!fail && parsed != strings.Fields(tt.want)[0]) {
				t.Fatalf("canParse %s, parse %s, for want %s", canParse, parsed, tt.want)
			}
		})
	}
}

func urlQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestURLBehaviour runs JS snippets against the URL and URLSearchParams
// classes: setters, the searchParams link, and the form encoding.
func TestURLBehaviour(t *testing.T) {
	tests := []struct{ name, js, want string }{
		// Setters.
		{"SetProtocol", `u = new URL("http://h:443/p"); u.protocol = "https"; u.href`, "https://h/p"},
		{"SetProtocolSpecialToOther", `u = new URL("http://h/p"); u.protocol = "foo"; u.href`, "http://h/p"},
		{"SetUsernamePassword", `u = new URL("http://h/"); u.username = "a b"; u.password = "p@ss"; u.href`, "http://a%20b:p%40ss@h/"},
		{"SetUsernameIgnoredOnFile", `u = new URL("file:///x"); u.username = "a"; u.href`, "file:///x"},
		{"SetHost", `u = new URL("http://h/p"); u.host = "Example.com:81"; u.href`, "http://example.com:81/p"},
		{"SetHostname", `u = new URL("http://h:81/p"); u.hostname = "x.y"; u.host`, "x.y:81"},
		{"SetPort", `u = new URL("http://h/"); u.port = "8080"; u.port + " " + u.href`, "8080 http://h:8080/"},
		{"SetPortDefault", `u = new URL("https://h:8443/"); u.port = "443"; u.href`, "https://h/"},
		{"SetPortClear", `u = new URL("https://h:8443/"); u.port = ""; u.href`, "https://h/"},
		{"SetPortInvalidIgnored", `u = new URL("https://h:8443/"); u.port = "x"; u.href`, "https://h:8443/"},
		{"SetPathname", `u = new URL("http://h/a?q#f"); u.pathname = "b c/../d"; u.href`, "http://h/d?q#f"},
		{"SetPathnameOpaqueIgnored", `u = new URL("mailto:x"); u.pathname = "y"; u.href`, "mailto:x"},
		{"SetSearch", `u = new URL("http://h/p#f"); u.search = "a=1 2"; u.href`, "http://h/p?a=1%202#f"},
		{"SetSearchEmpty", `u = new URL("http://h/p?a#f"); u.search = ""; u.href`, "http://h/p#f"},
		{"SetHash", `u = new URL("http://h/p"); u.hash = "#x y"; u.href`, "http://h/p#x%20y"},
		{"SetHashEmpty", `u = new URL("http://h/p#x"); u.hash = ""; u.href`, "http://h/p"},
		{"SetHref", `u = new URL("http://h/p"); u.href = "https://o/q"; u.host + u.pathname`, "o/q"},
		{"ErrSetHref", `u = new URL("http://h/p"); u.href = "nope"`, "throws TypeError"},
		{"OriginReadOnly", `u = new URL("http://h/"); u.origin = "x"; u.origin`, "http://h"},
		{"ToJSON", `JSON.stringify({u: new URL("http://h/a b")})`, `{"u":"http://h/a%20b"}`},
		{"StringTag", `Object.prototype.toString.call(new URL("http://h/"))`, "[object URL]"},
		{"ErrNoArgument", `new URL()`, "throws TypeError"},
		{"ErrIllegalInvocation", `Object.getOwnPropertyDescriptor(URL.prototype, "href").get.call({})`, "throws TypeError"},
		{"EnumerableFields", `Object.keys(URL.prototype).includes("pathname")`, "true"},
		{"Accessors", `d = Object.getOwnPropertyDescriptor(URL.prototype, "search"); [d.get.name, d.set.name, d.set.length, d.enumerable, d.configurable, URL.length, URL.name].join()`, "get search,set search,1,true,true,1,URL"},
		{"NoSetterForOrigin", `Object.getOwnPropertyDescriptor(URL.prototype, "origin").set === undefined`, "true"},
		{"ResolvedAgainstBase", `new URL("../c?x#y", "http://h/a/b/").href`, "http://h/a/c?x#y"},
		{"CanonicalInput", `u = new URL("https://a.example:8443/p/q?x=1#f"); [u.origin, u.host, u.port, u.pathname, u.search, u.hash].join()`, "https://a.example:8443,a.example:8443,8443,/p/q,?x=1,#f"},
		{"Normalized", `new URL("HTTP://A.example:80/./a/../b?c d").href`, "http://a.example/b?c%20d"},
		{"Subclass", `class M extends URL { get p() { return this.pathname } }; m = new M("http://h/a"); [m.p, m instanceof URL, m instanceof M].join()`, "/a,true,true"},
		{"StaticParse", `[URL.parse("http://h/x").pathname, URL.parse("nope") === null, URL.parse("a", "http://h/b/").href].join()`, "/x,true,http://h/b/a"},
		{"StaticCanParse", `[URL.canParse("a", "http://h/"), URL.canParse("a"), URL.canParse("http://h/")].join()`, "true,false,true"},
		{"OwnProperties", `u = new URL("http://h/"); u.foo = 1; Object.keys(u).join() + " " + u.foo + " " + JSON.stringify(u)`, `foo 1 "http://h/"`},
		{"ErrSymbolInput", `new URL(Symbol("s"))`, "throws TypeError"},
		{"ErrOtherThis", `URL.call({}, "http://h/")`, "throws TypeError"},
		{"ErrInvalidMessage", `try { new URL("nope") } catch (e) { e.message }`, `Invalid URL: "nope"`},

		// searchParams kept in sync both ways.
		{"SearchParamsRead", `new URL("http://h/?a=1&b=x+y&a=2").searchParams.getAll("a").join()`, "1,2"},
		{"SearchParamsSameObject", `u = new URL("http://h/"); u.searchParams === u.searchParams`, "true"},
		{"SearchParamsWriteThrough", `u = new URL("http://h/p#f"); u.searchParams.append("q", "a b&c"); u.href`, "http://h/p?q=a+b%26c#f"},
		{"SearchParamsEmptiedDropsQuery", `u = new URL("http://h/p?a=1"); u.searchParams.delete("a"); u.href`, "http://h/p"},
		{"SearchFollowedByParams", `u = new URL("http://h/?a=1"); p = u.searchParams; u.search = "?b=2"; p.get("a") + " " + p.get("b")`, "null 2"},
		{"HrefFollowedByParams", `u = new URL("http://h/?a=1"); p = u.searchParams; u.href = "http://h/?c=3"; p.toString()`, "c=3"},
		{"SearchKeepsEncodingUntilParamsChange", `u = new URL("http://h/?a=b%20c"); u.searchParams.get("a") + "|" + u.search`, "b c|?a=b%20c"},
		{"OpaquePathTrailingSpaceStripped", `u = new URL("data:space ?a=1"); u.searchParams.delete("a"); u.href`, "data:space"},

		// URLSearchParams.
		{"ParamsFromString", `new URLSearchParams("?a=1&&b=%zz&c=%E2%82%AC+%2B&d").toString()`, "a=1&b=%25zz&c=%E2%82%AC+%2B&d="},
		{"ParamsDecodesPlusAsSpace", `new URLSearchParams("q=a+b%2Bc").get("q")`, "a b+c"},
		{"ParamsInvalidUTF8", `new URLSearchParams("x=%E2%82&y=%FF%41").toString()`, "x=%EF%BF%BD&y=%EF%BF%BDA"},
		{"ParamsFromPairs", `new URLSearchParams([["a", "1"], ["b", 2], new Set(["c", "3"])]).toString()`, "a=1&b=2&c=3"},
		{"ParamsFromRecord", `new URLSearchParams({a: "1", "b c": "x/y"}).toString()`, "a=1&b+c=x%2Fy"},
		{"ParamsFromParams", `p = new URLSearchParams("a=1"); q = new URLSearchParams(p); q.append("b", "2"); p + "|" + q`, "a=1|a=1&b=2"},
		{"ParamsFromNull", `new URLSearchParams(null).toString()`, "null="},
		{"ErrParamsPairOfThree", `new URLSearchParams([["a", "b", "c"]])`, "throws TypeError"},
		{"ErrParamsPairNotSequence", `new URLSearchParams([1])`, "throws TypeError"},
		{"ErrParamsAppendOneArgument", `new URLSearchParams().append("a")`, "throws TypeError"},
		{"ParamsSpaceAsPlus", `p = new URLSearchParams(); p.set("k y", "a b~!'()*-._"); p.toString()`, "k+y=a+b%7E%21%27%28%29*-._"},
		{"ParamsLoneSurrogate", `p = new URLSearchParams(); p.append("\uD800", "x"); p.toString() + " " + p.has("\uFFFD")`, "%EF%BF%BD=x true"},
		{"ParamsDeleteWithValue", `p = new URLSearchParams("a=1&a=2&b=1&a=1"); p.delete("a", "1"); p.toString()`, "a=2&b=1"},
		{"ParamsDeleteAll", `p = new URLSearchParams("a=1&a=2&b=1"); p.delete("a"); p.toString()`, "b=1"},
		{"ParamsHasWithValue", `p = new URLSearchParams("a=1"); [p.has("a"), p.has("a", "1"), p.has("a", "2"), p.has("b")].join()`, "true,true,false,false"},
		{"ParamsGetMissing", `String(new URLSearchParams("a=1").get("b"))`, "null"},
		{"ParamsSetReplacesFirstDropsRest", `p = new URLSearchParams("a=1&b=2&a=3&c=4"); p.set("a", "x"); p.toString()`, "a=x&b=2&c=4"},
		{"ParamsSetAppends", `p = new URLSearchParams("a=1"); p.set("b", "2"); p.toString()`, "a=1&b=2"},
		{"ParamsSortStable", `p = new URLSearchParams("z=1&a=2&z=0&a=1&b=3"); p.sort(); p.toString()`, "a=2&a=1&b=3&z=1&z=0"},
		{"ParamsSortUTF16", `p = new URLSearchParams([["\uFB03", "1"], ["\uD83C\uDF08", "2"]]); p.sort(); [...p.keys()].map((k) => k.charCodeAt(0).toString(16)).join()`, "d83c,fb03"},
		{"ParamsSize", `new URLSearchParams("a=1&b=2&a=3").size`, "3"},
		{"ParamsIteration", `[...new URLSearchParams("a=1&b=2")].map(([k, v]) => k + v).join()`, "a1,b2"},
		{"ParamsEntriesKeysValues", `p = new URLSearchParams("a=1&b=2"); [...p.entries()].join(";") + "|" + [...p.keys()] + "|" + [...p.values()]`, "a,1;b,2|a,b|1,2"},
		{"ParamsIteratorIsEntries", `URLSearchParams.prototype[Symbol.iterator] === URLSearchParams.prototype.entries`, "true"},
		{"ParamsForEach", `s = ""; new URLSearchParams("a=1&b=2").forEach(function (v, k, p) { s += k + v + (p instanceof URLSearchParams) }); s`, "a1trueb2true"},
		{"ParamsIteratorLive", `p = new URLSearchParams("a=1"); out = []; for (const [k] of p) { out.push(k); if (k === "a") p.append("b", "2") } out.join()`, "a,b"},
		{"ParamsStringTag", `Object.prototype.toString.call(new URLSearchParams())`, "[object URLSearchParams]"},
	}
	vm := urlRuntime(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := urlEval(t, vm, tt.js); got != tt.want {
				t.Fatalf("%s\ngot  %s\nwant %s", tt.js, got, tt.want)
			}
		})
	}
}

// TestURLInFunction is new URL(request.url) in a function's handler.
func TestURLInFunction(t *testing.T) {
	code := "var " + ModuleGlobal + ` = {default: {fetch(r) {
		const u = new URL(r.url);
		u.searchParams.set("seen", "yes");
		return new Response(u.pathname + " " + u.search);
	}}};`
	p, err := Compile(Config{Function: "url", Version: 1, Code: []byte(code), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Invoke(t.Context(), &Request{ID: "r", Method: "GET", URL: "http://x/p?q=1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(resp.Body); got != "/p ?q=1&seen=yes" {
		t.Fatalf("got %q", got)
	}
}

// BenchmarkURLParse is new URL(...) of a typical URL in JS, reading the
// pathname and one search parameter.
func BenchmarkURLParse(b *testing.B) {
	vm := urlRuntime(b)
	v, err := vm.RunString(`(function (s) {
		const u = new URL(s);
		return u.pathname.length + u.searchParams.get("limit").length;
	})`)
	if err != nil {
		b.Fatal(err)
	}
	fn, _ := goja.AssertFunction(v)
	arg := vm.ToValue("https://api.example.com/v1/users/42?include=profile&limit=10#top")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fn(goja.Undefined(), arg); err != nil {
			b.Fatal(err)
		}
	}
}
