package isolate

import (
	"errors"
	"testing"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

// PBKDF2 runs off the isolate goroutine, so the loop goes on: a timer
// due at once fires before the derivation settles (run on the isolate, it
// would settle first).
func TestCryptoSlowWorkIsOffTheIsolate(t *testing.T) {
	p := compile(t, `return {default:{async fetch(){
		const order = [];
		const k = await crypto.subtle.importKey("raw", new TextEncoder().encode("pw"), "PBKDF2", false, ["deriveBits"]);
		setTimeout(() => order.push("timer"), 0);
		await crypto.subtle.deriveBits({name: "PBKDF2", hash: "SHA-512", salt: new Uint8Array(16), iterations: 100000}, k, 512);
		order.push("derived");
		await new Promise((ok) => setTimeout(ok, 0));
		return new Response(order.join()) }}}`, schemas.Limits{WallMillis: 30000})
	resp, err := invoke(t, p, "GET", "")
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if string(resp.Body) != "timer,derived" {
		t.Fatalf("got %q", resp.Body)
	}
}

// The CPU slow work uses off the isolate is the invocation's: 400,000
// rounds of HMAC-SHA-512 (~0.5 s of CPU) fail a function allowed 100 ms.
func TestCryptoSlowWorkCountsAgainstTheCPULimit(t *testing.T) {
	p := compile(t, `return {default:{async fetch(){
		const k = await crypto.subtle.importKey("raw", new TextEncoder().encode("pw"), "PBKDF2", false, ["deriveBits"]);
		const alg = {name: "PBKDF2", hash: "SHA-512", salt: new Uint8Array(16), iterations: 100000};
		for (let i = 0; i < 4; i++) await crypto.subtle.deriveBits(alg, k, 512);
		return new Response("derived") }}}`, schemas.Limits{CPUMillis: 100, WallMillis: 30000})
	start := time.Now()
	_, err := invoke(t, p, "GET", "")
	if !errors.Is(err, ErrCPUTime) {
		t.Fatalf("got %v, want %v", err, ErrCPUTime)
	}
	t.Logf("failed after %v: %v", time.Since(start), err)
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
