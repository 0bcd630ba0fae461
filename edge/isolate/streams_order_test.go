package isolate

import (
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// TestStreamReactionOrder pins the order in which streams' start and pull
// reactions run against each other and against user promise jobs. The
// default controller serves reactions to its one promise of undefined
// through a shared first-in-first-out queue instead of a closure pair per
// stream, skips the reaction to a pull that closed its stream, and makes
// a reader's closed promise only when asked: each case below fails if
// one of those gets the order or the outcome wrong (a queue served last
// in, first out logs b before a; a reaction run for the wrong controller
// starts the wrong stream, and one kept with Array.prototype's push and
// shift breaks when user code replaces them).
func TestStreamReactionOrder(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{
			name: "StartsInCreationOrder",
			body: `
				const p0 = Promise.resolve();
				new ReadableStream({ pull(c) { log.push("a"); c.enqueue(1); } });
				new ReadableStream({ start() { return p0; }, pull(c) { log.push("c"); c.enqueue(1); } });
				new ReadableStream({ pull(c) { log.push("b"); c.enqueue(1); } });
				Promise.resolve().then(() => log.push("m"));`,
			want: "a c b m",
		},
		{
			name: "StartsWithArrayMethodsReplaced",
			body: `
				const push = Array.prototype.push, shift = Array.prototype.shift;
				Array.prototype.push = function () { return 0; };
				Array.prototype.shift = function () { return undefined; };
				try {
					new ReadableStream({ pull() { log[log.length] = "a"; } });
					new ReadableStream({ pull() { log[log.length] = "b"; } });
					await null;
					await null;
				} finally {
					Array.prototype.push = push;
					Array.prototype.shift = shift;
				}`,
			want: "a b",
		},
		{
			name: "SyncPullsSettleInOrder",
			body: `
				const ra = new ReadableStream({ pull(c) { log.push("pa"); c.enqueue("a"); } }, { highWaterMark: 0 }).getReader();
				const rb = new ReadableStream({ pull(c) { log.push("pb"); c.enqueue("b"); } }, { highWaterMark: 0 }).getReader();
				await null;
				ra.read().then((r) => log.push("ra:" + r.value));
				rb.read().then((r) => log.push("rb:" + r.value));
				ra.read().then((r) => log.push("ra:" + r.value));
				Promise.resolve().then(() => log.push("m"));`,
			want: "pa pb pa ra:a rb:b m ra:a",
		},
		{
			name: "BodyStreamReadToItsEnd",
			body: `
				const r = new Response("hi").body.getReader();
				const first = await r.read();
				const second = await r.read();
				log.push(new TextDecoder().decode(first.value), first.done, String(second.value), second.done);
				const closed = r.closed;
				log.push(closed === r.closed);
				await closed;
				log.push("closed");`,
			want: "hi false undefined true true closed",
		},
		{
			name: "ClosedAskedForAfterRelease",
			body: `
				const r = new ReadableStream({ start(c) { c.enqueue(1); c.close(); } }).getReader();
				await r.read();
				await r.closed.then(() => log.push("closed"));
				r.releaseLock();
				await r.closed.then(() => log.push("resolved?"), (e) => log.push(e.name));
				const r2 = new ReadableStream().getReader();
				r2.releaseLock();
				await r2.closed.catch((e) => log.push(e.name));`,
			want: "closed TypeError TypeError",
		},
		{
			name: "ErroredBeforeClosedAskedFor",
			body: `
				let ctl;
				const r = new ReadableStream({ start(c) { ctl = c; } }).getReader();
				ctl.error(new RangeError("boom"));
				await null;
				await r.closed.catch((e) => log.push(e.name));
				await r.read().catch((e) => log.push(e.message));`,
			want: "RangeError boom",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := `return {default:{async fetch(){ const log = [];` + c.body + `
				await new Promise((r) => setTimeout(r, 0));
				return new Response(log.join(" "));
			}}};`
			p := compile(t, src, schemas.Limits{})
			resp, err := invoke(t, p, "GET", "")
			if err != nil {
				t.Fatal(err)
			}
			if got := string(resp.Body); got != c.want {
				t.Fatalf("log %q, want %q", got, c.want)
			}
		})
	}
}
