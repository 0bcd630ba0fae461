package isolate

import (
	"context"
	"net/http"
	"testing"
)

// BenchmarkCryptoSign is a warm request that signs a JWT-sized input
// with a key imported on the instance's first request (as a Hono or jose
// handler keeps its key), and answers with the signature's length.
func BenchmarkCryptoSign(b *testing.B) {
	for _, c := range []struct{ name, key, alg string }{
		{"HS256", `subtle.importKey("raw", new Uint8Array(32), {name: "HMAC", hash: "SHA-256"}, false, ["sign"])`, `"HMAC"`},
		{"ES256", `subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, false, ["sign"]).then((p) => p.privateKey)`, `{name: "ECDSA", hash: "SHA-256"}`},
		{"EdDSA", `subtle.generateKey("Ed25519", false, ["sign"]).then((p) => p.privateKey)`, `"Ed25519"`},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := compileBench(b, `const subtle = crypto.subtle, data = new TextEncoder().encode("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ");
				let key;
				return {default:{async fetch(){
					key = key || await `+c.key+`;
					return new Response(String((await subtle.sign(`+c.alg+`, key, data)).byteLength)) }}}`)
			req := &Request{ID: "r", Method: "GET", URL: "http://x/", Header: http.Header{}}
			ctx := context.Background()
			if _, err := p.Invoke(ctx, req); err != nil {
				b.Fatal(err)
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
