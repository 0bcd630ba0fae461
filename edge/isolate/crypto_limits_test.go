package isolate

import (
	"errors"
	"testing"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// PBKDF2 runs off the isolate goroutine: 400,000 rounds of HMAC-SHA-512
// take far more than the 100 ms of CPU the invocation may use, yet it
// succeeds, since the CPU limit charges only the isolate's own thread.
func TestCryptoSlowWorkIsOffTheIsolate(t *testing.T) {
	p := compile(t, `return {default:{async fetch(){
		const k = await crypto.subtle.importKey("raw", new TextEncoder().encode("pw"), "PBKDF2", false, ["deriveBits"]);
		const alg = {name: "PBKDF2", hash: "SHA-512", salt: new Uint8Array(16), iterations: 100000};
		let n = 0;
		for (let i = 0; i < 4; i++) n += (await crypto.subtle.deriveBits(alg, k, 512)).byteLength;
		return new Response(String(n)) }}}`, schemas.Limits{CPUMillis: 100, WallMillis: 30000})
	start := time.Now()
	resp, err := invoke(t, p, "GET", "")
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if string(resp.Body) != "256" {
		t.Fatalf("got %q", resp.Body)
	}
	t.Logf("4 x PBKDF2-SHA-512 at 100000 iterations: %v", time.Since(start))
}

// An invocation waiting on key generation ends at its wall limit: four
// 4096-bit RSA keys, made one after another on the node's crypto workers,
// take far longer than 100 ms.
func TestCryptoSlowWorkEndsAtTheWallLimit(t *testing.T) {
	p := compile(t, `return {default:{async fetch(){
		const alg = {name: "RSASSA-PKCS1-v1_5", modulusLength: 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256"};
		await Promise.all([1, 2, 3, 4].map(() => crypto.subtle.generateKey(alg, false, ["sign"])));
		return new Response("made") }}}`, schemas.Limits{WallMillis: 100})
	_, err := invoke(t, p, "GET", "")
	if !errors.Is(err, ErrWallTime) {
		t.Fatalf("got %v, want %v", err, ErrWallTime)
	}
}
