package isolate

import (
	"errors"
	"io"
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// readStream is a module helper: a stream's chunks, read with a reader,
// as one string.
const readStream = `
const readStream = async (s) => {
  const r = s.getReader(), d = new TextDecoder(); let out = "";
  for (;;) { const { value, done } = await r.read(); if (done) return out; out += d.decode(value, { stream: true }); }
};
const streamOf = (...parts) => new ReadableStream({ start(c) { for (const p of parts) c.enqueue(new TextEncoder().encode(p)); c.close(); } });
`

// TestBodyStreams: bodies are ReadableStreams when asked for, and every
// body reader works on them. Each case answers with one string.
func TestBodyStreams(t *testing.T) {
	tests := []struct{ name, method, reqBody, handler, want string }{
		{"NullBodies", "GET", "", `const a = new Response(null), b = new Response("");
			return new Response([a.body, r.body, b.body instanceof ReadableStream, new Request("http://x/").body].join("|"))`,
			"||true|"},
		{"ResponseBodyIsAStream", "GET", "", `const res = new Response("héllo"); const s = res.body;
			const same = s === res.body, before = res.bodyUsed; const text = await readStream(s);
			return new Response([s instanceof ReadableStream, same, before, text, res.bodyUsed, await res.text().catch((e) => e.name)].join("|"))`,
			"true|true|false|héllo|true|TypeError"},
		{"BodyUsedOnceDisturbed", "GET", "", `const res = new Response(streamOf("a", "b")); const rd = res.body.getReader();
			const locked = res.bodyUsed; await rd.read(); const read = res.bodyUsed;
			const other = new Response(streamOf("c")); await other.body.cancel();
			return new Response([locked, read, other.bodyUsed].join("|"))`,
			"false|true|true"},
		{"LockedBodyCannotBeRead", "GET", "", `const res = new Response("x"); res.body.getReader();
			return new Response(await res.text().then(() => "read", (e) => e.name))`,
			"TypeError"},
		{"RequestBodyIsAStream", "POST", "abc", `const s = r.body; return new Response([s instanceof ReadableStream, r.bodyUsed, await readStream(s), r.bodyUsed].join("|"))`,
			"true|false|abc|true"},
		{"ReadersOnStreamBodies", "GET", "", `const mk = (...p) => new Response(streamOf(...p), { headers: { "content-type": "text/plain;x=1" } });
			const ab = await mk("ab", "c").arrayBuffer(), by = await mk("d", "e").bytes(), bl = await mk("blob").blob();
			return new Response([await mk("he", "llo").text(), (await mk('{"a"', ':1}').json()).a, ab.byteLength, by instanceof Uint8Array, by.length,
				bl.size, bl.type, await bl.text()].join("|"))`,
			"hello|1|3|true|2|4|text/plain;x=1|blob"},
		{"FormDataFromStream", "GET", "", `const f = await new Response(streamOf("a=1&", "b=2"), { headers: { "content-type": "application/x-www-form-urlencoded" } }).formData();
			return new Response(f.get("a") + f.get("b"))`,
			"12"},
		{"ServerRequestBlob", "POST", `{"n":1}`, `const b = await r.blob(); return new Response(b.type + "|" + await b.text())`,
			`application/json|{"n":1}`},
		{"HonoRewrap", "GET", "", `const res = new Response("body!", { status: 202, statusText: "Taken", headers: { "x-a": "1" } });
			const again = new Response(res.body, res);
			return new Response([again.status, again.statusText, again.headers.get("x-a"), again.headers.get("content-type"), await again.text()].join("|"))`,
			"202|Taken|1|text/plain;charset=UTF-8|body!"},
		{"CloneTeesAStream", "GET", "", `const res = new Response(streamOf("one", "two")); const c = res.clone();
			const [a, b] = await Promise.all([readStream(c.body), res.text()]);
			return new Response(a + "|" + b)`,
			"onetwo|onetwo"},
		{"CloneOfBufferedBody", "GET", "", `const res = new Response("buf"); const c = res.clone();
			return new Response(await readStream(c.body) + "|" + await res.text())`,
			"buf|buf"},
		{"CloneOfUsedBodyThrows", "GET", "", `const res = new Response(streamOf("x")); await res.text();
			try { res.clone(); return new Response("cloned") } catch (e) { return new Response(e.name) }`,
			"TypeError"},
		{"RequestWithStreamBody", "GET", "", `const req = new Request("http://x/", { method: "POST", body: streamOf("st", "ream"), duplex: "half" });
			let err = ""; try { new Request("http://x/", { method: "POST", body: streamOf("x") }) } catch (e) { err = e.name }
			return new Response([req.body instanceof ReadableStream, await req.text(), req.bodyUsed, err].join("|"))`,
			"true|stream|true|TypeError"},
		{"RequestCloneWithStream", "GET", "", `const req = new Request("http://x/", { method: "PUT", body: streamOf("a", "b"), duplex: "half" });
			const c = req.clone(); return new Response(await c.text() + await req.text())`,
			"abab"},
		{"ServerRequestCloneAfterBody", "POST", "zz", `const s = r.body; const c = r.clone();
			return new Response(await c.text() + "|" + await readStream(r.body) + "|" + (s !== r.body))`,
			"zz|zz|true"},
		{"NewRequestTakesServerStream", "POST", "moved", `const s = r.body; const n = new Request("http://y/", { method: "POST", body: s, duplex: "half" });
			return new Response(await n.text() + "|" + r.bodyUsed)`,
			"moved|true"},
		{"IttyWithContent", "POST", `{"a":[1,2]}`, `// itty-router's withContent, then the handler reads the content and the body again
			r.content = r.body ? await r.clone().json().catch(() => r.clone().formData()).catch(() => r.text()) : undefined;
			return new Response(JSON.stringify(r.content) + "|" + (await r.text()) + "|" + r.bodyUsed)`,
			`{"a":[1,2]}|{"a":[1,2]}|true`},
		{"HonoEtagShape", "GET", "", `// hono/etag: hash a clone's body stream, then answer with a copy of the response
			const res = new Response("etag me", { headers: { "x-k": "v" } });
			const bytes = new Uint8Array(await new Response(res.clone().body).arrayBuffer());
			const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", bytes));
			const out = new Response(res.body, res); out.headers.set("etag", '"' + digest[0].toString(16) + '"');
			return new Response([bytes.length, out.headers.get("x-k"), out.headers.has("etag"), await out.text(), res.bodyUsed].join("|"))`,
			"7|v|true|etag me|true"},
		{"BlobAndFormDataBodies", "GET", "", `const fd = new FormData(); fd.append("name", "ada"); fd.append("file", new Blob(["x1"], { type: "text/plain" }), "a.txt");
			const req = new Request("http://x/", { method: "POST", body: fd });
			const back = await req.formData();
			const blobRes = new Response(new Blob(["bl", "ob"], { type: "application/x-b" }));
			return new Response([req.headers.get("content-type").split(";")[0], back.get("name"), back.get("file").name, await back.get("file").text(),
				blobRes.headers.get("content-type"), await blobRes.text()].join("|"))`,
			"multipart/form-data|ada|a.txt|x1|application/x-b|blob"},
		{"ResponseErrorShape", "GET", "", `const e = Response.error();
			return new Response([e.type, e.status, e.ok, e.body, e instanceof Response, Response.json({a: 1}).headers.get("content-type"), Response.redirect("https://e.x/", 307).status].join("|"))`,
			"error|0|false||true|application/json|307"},
		{"LockedStreamRefused", "GET", "", `const s = streamOf("x"); s.getReader();
			try { new Response(s); return new Response("made") } catch (e) { return new Response(e.name) }`,
			"TypeError"},
		{"NullBodyStatusWithStream", "GET", "", `try { new Response(streamOf("x"), { status: 204 }); return new Response("made") } catch (e) { return new Response(e.name) }`,
			"TypeError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, readStream+`return {default:{async fetch(r){ `+tt.handler+` }}}`, schemas.Limits{})
			for range 2 { // a reused instance answers the same
				resp, err := invoke(t, p, tt.method, tt.reqBody)
				if err != nil {
					t.Fatalf("invoke: %v", err)
				}
				if resp.Stream != nil {
					t.Fatal("a buffered answer came back as a stream")
				}
				if got := string(resp.Body); got != tt.want {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// TestExpandoProperties: the handler's Request and Responses keep what a
// function stores on them, like any object; their attributes stay
// read-only.
func TestExpandoProperties(t *testing.T) {
	tests := []struct{ name, handler, want string }{
		{"ServerRequest", `r.params = { id: "7" }; r.query = "q"; r.content = undefined;
			const keys = Object.keys(r).join(","); const had = "query" in r; delete r.query;
			return new Response([r.params.id, keys, had, "query" in r, Object.keys(r).join(","), r.hasOwnProperty("content"), r.url].join("|"))`,
			"7|params,query,content|true|false|params,content|true|http://x/p?q=1"},
		{"AttributesStayReadOnly", `r.url = "http://evil/"; r.method = "PUT"; const res = new Response("x", {status: 201}); res.status = 500;
			let strict; try { (function () { "use strict"; res.status = 1 })() } catch (e) { strict = e.name }
			return new Response([r.url, r.method, res.status, strict].join("|"))`,
			"http://x/p?q=1|GET|201|TypeError"},
		{"Response", `const res = new Response("x"); res.cached = true; res.text2 = 1;
			const c = res.clone();
			return new Response([res.cached, Object.keys(res).join(","), JSON.stringify(res), c.cached, "cached" in c].join("|"))`,
			`true|cached,text2|{"cached":true,"text2":1}||false`},
		{"MethodsCanBeShadowed", `const res = new Response("x"); res.text = () => "mine";
			return new Response(res.text() + "|" + (await new Response("y").text()))`,
			"mine|y"},
		{"JSRequest", `const q = new Request("http://x/a"); q.params = { a: 1 };
			return new Response(q.params.a + "|" + Object.keys(q).join(","))`,
			"1|params"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, `return {default:{async fetch(r){ `+tt.handler+` }}}`, schemas.Limits{})
			if got := body(t, p, "GET", ""); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestReturnedResponseMustBeUsable: a handler returning Response.error()
// or a Response whose body it already read fails the invocation (the
// edge answers 500), as Deno 2.9.6 does ("Return value from serve handler
// must not be an error response").
func TestReturnedResponseMustBeUsable(t *testing.T) {
	for name, handler := range map[string]string{
		"ErrorResponse":  `return Response.error()`,
		"ReadBody":       `const res = new Response("x"); await res.text(); return res`,
		"ReadStreamBody": `const res = new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1])); c.close() } })); await res.arrayBuffer(); return res`,
		"LockedStream":   `const res = new Response(new ReadableStream()); res.body.getReader(); return res`,
	} {
		t.Run(name, func(t *testing.T) {
			p := compile(t, `return {default:{async fetch(){ `+handler+` }}}`, schemas.Limits{})
			_, err := invoke(t, p, "GET", "")
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("got %v, want ErrBadResponse", err)
			}
		})
	}
}

// TestRequestBodyStreamFromGo: a body still arriving (Request.BodyStream)
// is read on goroutines of the isolate's own, chunk by chunk through
// request.body or whole through text().
func TestRequestBodyStreamFromGo(t *testing.T) {
	t.Run("Text", func(t *testing.T) {
		p := compile(t, `return {default:{async fetch(r){ return new Response((await r.text()).toUpperCase() + "|" + r.bodyUsed) }}}`, schemas.Limits{})
		pr, pw := io.Pipe()
		go func() {
			for _, s := range []string{"str", "eam", "ed"} {
				_, _ = pw.Write([]byte(s))
			}
			_ = pw.Close()
		}()
		resp, err := p.Invoke(t.Context(), &Request{ID: "s", Method: "POST", URL: "http://x/", BodyStream: pr})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(resp.Body); got != "STREAMED|true" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("ErrorRejects", func(t *testing.T) {
		p := compile(t, `return {default:{async fetch(r){ return new Response(await r.json().then(() => "parsed", (e) => e.name + ": " + e.message)) }}}`, schemas.Limits{})
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write([]byte(`{"a":`))
			_ = pw.CloseWithError(errors.New("stream reset by the client"))
		}()
		resp, err := p.Invoke(t.Context(), &Request{ID: "s", Method: "POST", URL: "http://x/", BodyStream: pr})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(resp.Body); got != "TypeError: reading the request body: stream reset by the client" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("ReaderGetsChunks", func(t *testing.T) {
		p := compile(t, `return {default:{async fetch(r){ const rd = r.body.getReader(); const seen = [];
			for (;;) { const { value, done } = await rd.read(); if (done) break; seen.push(new TextDecoder().decode(value)) }
			return new Response(seen.join(",")) }}}`, schemas.Limits{})
		pr, pw := io.Pipe()
		go func() {
			for _, s := range []string{"a", "bb", "ccc"} {
				_, _ = pw.Write([]byte(s)) // a pipe Write returns when a Read took it all
			}
			_ = pw.Close()
		}()
		resp, err := p.Invoke(t.Context(), &Request{ID: "s", Method: "POST", URL: "http://x/", BodyStream: pr})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(resp.Body); got != "a,bb,ccc" {
			t.Fatalf("got %q", got)
		}
	})
}
