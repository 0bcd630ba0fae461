package isolate

import (
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// TestLoweredAsyncIterationMeetsTheRuntime: the for await and async
// generators that the bundler lowers (schemas.gojaLacks) iterate the
// runtime's async iterables, and the runtime takes lowered generators,
// through the one Symbol.asyncIterator the prelude defines.
func TestLoweredAsyncIterationMeetsTheRuntime(t *testing.T) {
	code, sm := bundleFiles(t, map[string]string{"index.js": `
async function* upper(stream) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) yield decoder.decode(chunk, { stream: true }).toUpperCase();
}
async function* encode(strings) {
  const encoder = new TextEncoder();
  for await (const s of strings) yield encoder.encode(s);
}
const countdown = { async *[Symbol.asyncIterator]() { yield "3"; yield "2"; yield "1"; } };
export default {
  async fetch(request) {
    const parts = [];
    for await (const s of upper(request.body)) parts.push(s);
    for await (const s of countdown) parts.push(s);
    const fromGen = await new Response(ReadableStream.from(encode(upper(new Response("from a generator").body)))).text();
    return new Response(parts.join("") + " " + fromGen);
  },
};`})
	p, err := Compile(Config{Function: "iter", Version: 1, Code: code, SourceMap: sm, Logger: discardLogger(), Limits: roomyCPU(schemas.Limits{})})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := invoke(t, p, "POST", "streamed body ")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(resp.Body), "STREAMED BODY 321 FROM A GENERATOR"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
}

// TestLoweredUsingFindsTheFunctionsDisposers: the lowered using and await
// using call a resource's own [Symbol.dispose]() and
// [Symbol.asyncDispose](), in reverse order, also when the block throws.
func TestLoweredUsingFindsTheFunctionsDisposers(t *testing.T) {
	code, sm := bundleFiles(t, map[string]string{"index.js": `
const log = [];
const resource = (name) => ({ [Symbol.dispose]() { log.push("dispose " + name); } });
const connection = (name) => ({ async [Symbol.asyncDispose]() { await null; log.push("close " + name); } });
export default {
  async fetch() {
    {
      await using db = connection("db");
      using lock = resource("lock");
      log.push("work");
    }
    try {
      using tmp = resource("tmp");
      throw new Error("failed");
    } catch (e) {
      log.push(e.message);
    }
    return new Response(log.join(", ") + " | " + typeof Symbol.dispose + " " + String(Symbol.asyncDispose));
  },
};`})
	p, err := Compile(Config{Function: "using", Version: 1, Code: code, SourceMap: sm, Logger: discardLogger(), Limits: roomyCPU(schemas.Limits{})})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := invoke(t, p, "GET", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(resp.Body), "work, dispose lock, close db, dispose tmp, failed | symbol Symbol(Symbol.asyncDispose)"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
}
