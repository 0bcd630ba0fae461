package isolate

import (
	"context"
	"net/http"
	"testing"
)

// joseStepsPerOp is how many times each BenchmarkJoseSteps handler runs
// its step per request, so that the invocation's own cost (~2.5 µs)
// weighs little: ns/op is the cost of that many steps.
const joseStepsPerOp = 100

// BenchmarkJoseSteps times, one at a time, the platform calls jose's
// jwtVerify makes for an HS256 token (BenchmarkPeerApps/jwt): each
// sub-benchmark is a warm request whose handler runs one step
// joseStepsPerOp times, with the arguments jose passes.
func BenchmarkJoseSteps(b *testing.B) {
	const prelude = `
		const subtle = crypto.subtle, token = TOKEN, [h, p, s] = token.split(".");
		const raw = new TextEncoder().encode("bench-peers-jwt-secret-not-a-real-one");
		const hmac = {name: "HMAC", hash: "SHA-256"}, strict = new TextDecoder("utf-8", {fatal: true}), encoder = new TextEncoder();
		const fromB64 = (v) => Uint8Array.fromBase64(v, {alphabet: "base64url"});
		const payload = fromB64(p), sig = fromB64(s), input = new TextEncoder().encode(h + "." + p);
		let key;
		`
	steps := []struct{ name, body string }{
		{"await", `await undefined;`},
		{"base64url", `fromB64(p);`},
		{"TextDecoder.decode", `strict.decode(payload);`},
		{"TextEncoder.encode", `encoder.encode(p);`},
		{"JSON.parse", `JSON.parse(strict.decode(payload));`},
		{"importKey", `await subtle.importKey("raw", raw, hmac, false, ["verify"]);`},
		{"checkCryptoKey", `const a = key.algorithm; if (a.name !== "HMAC" || a.hash?.name !== "SHA-256" || !key.usages.includes("verify")) throw 1;`},
		{"verify", `if (!await subtle.verify(hmac, key, sig, input)) throw 1;`},
	}
	for _, st := range steps {
		b.Run(st.name, func(b *testing.B) {
			src := "const TOKEN = \"" + benchJWT("bench-peers-jwt-secret-not-a-real-one") + "\";" + prelude + `
				return {default:{async fetch(){
					key ??= await subtle.importKey("raw", raw, hmac, false, ["verify"]);
					for (let i = 0; i < ` + itoa(joseStepsPerOp) + `; i++) { ` + st.body + ` }
					return new Response("ok") }}}`
			p := compileBench(b, src)
			req := &Request{ID: "r", Method: "GET", URL: "http://x/", Header: http.Header{}}
			ctx := context.Background()
			if resp, err := p.Invoke(ctx, req); err != nil || resp.Status != 200 {
				b.Fatalf("%v %v", err, resp)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Invoke(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
