package isolate

import (
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// TestCloneOfABytesStream: clone() of a body that is a stream over bytes
// the isolate holds (a buffered body asked for as .body, then given to
// another Response, as Hono's context does) shares the bytes instead of
// teeing: both copies read the whole body and each makes a new stream
// when asked; the stream they came from is left as it was (as the tee of
// such a stream left it), so the first Response that held it still reads
// it.
func TestCloneOfABytesStream(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"Response", `
			const first = new Response("payload", {headers: {"x-a": "1"}});
			const s = first.body;
			const r = new Response(s, first);
			const c = r.clone();
			const other = r.body;
			const seen = [s.locked, other !== s, c.body !== other, c.body.locked, c.headers.get("x-a")];
			const texts = [await r.text(), await c.text()];
			const firstRead = await first.text().then(() => "read", (e) => e.name);
			return seen.concat(texts, firstRead, r.bodyUsed, c.bodyUsed).join();`,
			"false,true,true,false,1,payload,payload,read,true,true"},
		{"ResponseReadByReader", `
			const r = new Response(new Response("abc").body);
			const c = r.clone();
			const reader = c.body.getReader();
			const parts = [];
			for (;;) { const { value, done } = await reader.read(); if (done) break; parts.push(new TextDecoder().decode(value)); }
			return parts.join("") + "|" + await r.text();`,
			"abc|abc"},
		{"Request", `
			const s = new Request("http://x/", {method: "POST", body: "data"}).body;
			const q = new Request("http://x/", {method: "POST", body: s, duplex: "half"});
			const c = q.clone();
			return [q.body !== s, await q.text(), await c.text(), q.bodyUsed].join();`,
			"true,data,data,true"},
		{"TouchedStreamIsTeed", `
			const r = new Response(new Response("xyz").body);
			const c = r.clone();
			const c2 = c.clone();
			await c.body.getReader().read();
			const c3 = r.clone();
			return [await r.text(), await c2.text(), await c3.text()].join();`,
			"xyz,xyz,xyz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, `return {default:{async fetch(){ const out = await (async () => {`+tt.src+`})(); return new Response(out) }}}`, schemas.Limits{})
			if got := body(t, p, "GET", ""); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
