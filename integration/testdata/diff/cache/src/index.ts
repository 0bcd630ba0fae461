// The Cache API as the spec and Workers agree on it: caches.open, put,
// match and delete; Vary; what put refuses. Every response put carries
// Cache-Control: max-age, which Workers' caches need to keep it (Deno's
// follow the spec and keep anything). Each route first deletes what it
// will put, so entries an earlier request or run left change nothing.

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function threw(f: () => Promise<unknown>): Promise<unknown> {
  try {
    const v = await f();
    return v === undefined ? "undefined" : v;
  } catch (err) {
    return { threw: (err as Error).name };
  }
}

const keep = { "cache-control": "public, max-age=300" };

const routes: Record<string, () => Promise<Response>> = {
  async "/cache/roundtrip"() {
    const cache = await caches.open("diff-roundtrip");
    const url = "https://diff.example/roundtrip";
    await cache.delete(url);
    const before = await cache.match(url);
    await cache.put(
      url,
      new Response(new Blob(["cached body, ünïcode"]).stream(), {
        status: 201,
        statusText: "Made",
        headers: { ...keep, "content-type": "text/x-diff", "x-extra": "kept" },
      }),
    );
    const hit = await cache.match(url);
    const again = await cache.match(new Request(url));
    const deleted = await cache.delete(url);
    const after = await cache.match(url);
    return json({
      before: before === undefined,
      hit: hit && {
        status: hit.status,
        statusText: hit.statusText,
        type: hit.headers.get("content-type"),
        extra: hit.headers.get("x-extra"),
        text: await hit.text(),
      },
      again: again ? await again.text() : null,
      deleted,
      after: after === undefined,
      deletedTwice: await cache.delete(url),
    });
  },
  async "/cache/vary"() {
    const cache = await caches.open("diff-vary");
    const url = "https://diff.example/vary";
    await cache.delete(url);
    const fr = new Request(url, { headers: { "accept-language": "fr" } });
    await cache.put(fr, new Response("bonjour", { headers: { ...keep, vary: "Accept-Language" } }));
    const same = await cache.match(new Request(url, { headers: { "accept-language": "fr" } }));
    const other = await cache.match(new Request(url, { headers: { "accept-language": "de" } }));
    const none = await cache.match(url);
    await cache.delete(url);
    return json({ same: same ? await same.text() : null, other: other === undefined, none: none === undefined });
  },
  async "/cache/refused"() {
    const cache = await caches.open("diff-refused");
    return json({
      partial: await threw(() => cache.put("https://diff.example/p", new Response("x", { status: 206, headers: keep }))),
      varyStar: await threw(() => cache.put("https://diff.example/s", new Response("x", { headers: { ...keep, vary: "*" } }))),
      post: await threw(() =>
        cache.put(new Request("https://diff.example/post", { method: "POST", body: "b" }), new Response("x", { headers: keep })),
      ),
      matchPost: await threw(() => cache.match(new Request("https://diff.example/post", { method: "POST", body: "b" }))),
      usedBody: await threw(async () => {
        const r = new Response("x", { headers: keep });
        await r.text();
        return cache.put("https://diff.example/used", r);
      }),
    });
  },
  async "/cache/separate"() {
    const a = await caches.open("diff-a");
    const b = await caches.open("diff-b");
    const url = "https://diff.example/separate";
    await a.delete(url);
    await b.delete(url);
    await a.put(url, new Response("in a", { headers: keep }));
    const inB = await b.match(url);
    const inA = await a.match(url);
    await a.delete(url);
    return json({ inA: inA ? await inA.text() : null, inB: inB === undefined });
  },
};

export default {
  async fetch(request: Request): Promise<Response> {
    const route = routes[new URL(request.url).pathname];
    if (!route) return json({ error: "no such route" }, 404);
    try {
      return await route();
    } catch (err) {
      return json({ error: (err as Error).name, message: String(err) }, 500);
    }
  },
};
