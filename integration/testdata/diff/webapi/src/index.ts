// The Web platform around the handler, without a library: URLPattern,
// Blob/File/FormData and multipart both ways, Response.error, expando
// properties on Request and Response, Headers, URL and URLSearchParams,
// structuredClone, TextDecoder, base64, and Intl for en-US and a few
// common locales with fixed dates in UTC.

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function threw(f: () => unknown): Promise<string | null> {
  try {
    await f();
    return null;
  } catch (err) {
    return (err as Error).name;
  }
}

const when = new Date(Date.UTC(2024, 1, 29, 13, 5, 9, 42));

const routes: Record<string, (req: Request) => Promise<Response> | Response> = {
  "GET /webapi/pattern"() {
    const p = new URLPattern({ pathname: "/books/:id(\\d+)/:rest*" });
    const hit = p.exec("https://example.com/books/42/chapters/7?x=1");
    const wild = new URLPattern("https://*.example.com/a/*");
    return json({
      test: p.test("https://example.com/books/42/x"),
      miss: p.test("https://example.com/books/abc"),
      groups: hit?.pathname.groups,
      input: hit?.pathname.input,
      wild: wild.exec("https://api.example.com/a/b/c")?.hostname.groups,
      pathname: p.pathname,
    });
  },
  async "POST /webapi/form"(req) {
    const fd = await req.formData();
    const out: unknown[] = [];
    for (const [name, value] of fd) {
      if (typeof value === "string") out.push({ name, value });
      else out.push({ name, file: value.name, type: value.type, size: value.size, text: await value.text() });
    }
    return json({ entries: out, has: fd.has("title"), all: fd.getAll("tag") });
  },
  async "GET /webapi/form-roundtrip"() {
    const fd = new FormData();
    fd.append("title", "round trip");
    fd.append("doc", new File(["héllo\r\nworld"], "doc.txt", { type: "text/plain", lastModified: 1700000000000 }));
    fd.append("blob", new Blob([new Uint8Array([0, 1, 2, 255])]), "bytes.bin");
    const res = new Response(fd);
    const type = res.headers.get("content-type") ?? "";
    const back = await res.formData();
    const doc = back.get("doc") as File;
    const blob = back.get("blob") as File;
    return json({
      multipart: /^multipart\/form-data; boundary=.+$/.test(type),
      title: back.get("title"),
      doc: { name: doc.name, type: doc.type, text: await doc.text() },
      blob: { name: blob.name, type: blob.type, bytes: Array.from(new Uint8Array(await blob.arrayBuffer())) },
    });
  },
  async "GET /webapi/blob"() {
    const b = new Blob(["abc", new Uint8Array([0x64, 0x65]), new Blob(["fgh"])], { type: "Text/Plain" });
    const s = b.slice(2, -1, "application/x-part");
    const f = new File([b], "a.txt", { lastModified: 1234 });
    return json({
      size: b.size,
      type: b.type,
      text: await b.text(),
      slice: { size: s.size, type: s.type, text: await s.text() },
      negative: await b.slice(-3).text(),
      bytes: Array.from(await b.bytes()),
      file: { name: f.name, size: f.size, type: f.type, lastModified: f.lastModified, isBlob: f instanceof Blob },
      streamed: await new Response(b.stream()).text(),
    });
  },
  "GET /webapi/response-error"() {
    const e = Response.error();
    const r = Response.redirect("https://example.com/next", 307);
    return json({ type: e.type, status: e.status, ok: e.ok, redirect: { status: r.status, location: r.headers.get("location") } });
  },
  async "POST /webapi/expando"(req) {
    const r = req as Request & { user?: string; params?: Record<string, string> };
    r.user = "ada";
    r.params = { id: "7" };
    const res = new Response("x") as Response & { tag?: number };
    res.tag = 5;
    const h = new Headers() as Headers & { note?: string };
    h.note = "kept";
    return json({ user: r.user, params: r.params, tag: res.tag, note: h.note, body: await req.text(), keys: Object.keys(r) });
  },
  "GET /webapi/headers"() {
    const h = new Headers([["B", "2"], ["a", "1"], ["Set-Cookie", "x=1"], ["set-cookie", "y=2"], ["a", "3"]]);
    const res = new Response("headers", { headers: h });
    res.headers.append("X-Extra", "  padded  ");
    return res;
  },
  "GET /webapi/url"() {
    const u = new URL("HTTPS://User:Pa%20ss@EXAMPLE.com:443/a/./b/../c%2Fd?q=1&q=2&z=%20#frag");
    const p = new URLSearchParams("b=2&a=1&a=0&c=%F0%9F%98%80&d=a+b");
    p.sort();
    return json({
      href: u.href,
      origin: u.origin,
      host: u.host,
      pathname: u.pathname,
      q: u.searchParams.getAll("q"),
      params: p.toString(),
      emoji: p.get("c"),
      idna: new URL("http://bücher.example/").hostname,
      canParse: URL.canParse("not a url"),
      relative: new URL("../x?y#z", "http://h/a/b/c").href,
    });
  },
  "GET /webapi/clone"() {
    const cloned = structuredClone({ d: when, m: new Map([["k", [1, 2]]]), s: new Set(["a"]), u: new Uint8Array([1, 2]) });
    return threw(() => structuredClone({ f() {} })).then((cloneFunction) =>
      json({
        date: cloned.d instanceof Date && cloned.d.getTime() === when.getTime(),
        map: cloned.m.get("k"),
        set: [...cloned.s],
        bytes: Array.from(cloned.u),
        cloneFunction,
      }),
    );
  },
  "GET /webapi/json-indent"() {
    // Indented output after an empty array and an empty object, nested in
    // arrays and objects: the shape zod's flattenError gives.
    const value = { flat: { formErrors: [], fieldErrors: { name: ["too short"] } }, list: [{}, { a: [[], [1]] }], s: "é\u2028" };
    return new Response(JSON.stringify(value, null, 2) + "\n" + JSON.stringify(value, null, "\t"), {
      headers: { "content-type": "application/json" },
    });
  },
  async "GET /webapi/dynamic-import"() {
    const lazy = await import("./lazy");
    const again = await import("./lazy");
    // A specifier in a variable is left to the runtime: one nobody serves
    // rejects when called, and the handler goes on.
    const missing = "vault-diff-missing:module";
    let rejected: string | null = null;
    try {
      await import(missing);
    } catch (err) {
      rejected = (err as Error).name;
    }
    return json({ shout: lazy.shout("lazy"), loadedAt: lazy.loadedAt, same: lazy === again, rejected });
  },
  async "GET /webapi/async-iteration"() {
    async function* countdown(from: number) {
      for (let i = from; i > 0; i--) {
        await null;
        yield i;
      }
      return "liftoff";
    }
    const seen: number[] = [];
    for await (const n of countdown(3)) seen.push(n);
    const it = countdown(2);
    const steps = [await it.next(), await it.next(), await it.next(), await it.next()];
    const chunks: string[] = [];
    for await (const chunk of ReadableStream.from(countdown(4)).pipeThrough(
      new TransformStream<number, string>({ transform: (n, c) => c.enqueue(`#${n}`) }),
    )) {
      chunks.push(chunk);
    }
    const early = countdown(5);
    for await (const n of early) if (n === 4) break;
    return json({ seen, steps, chunks, afterBreak: await early.next() });
  },
  async "POST /webapi/bodies"(req) {
    const copy = req.clone();
    const viaClone = await copy.text();
    const parsed = (await req.json()) as unknown;
    const twice = await threw(() => req.text());
    const res = new Response(new Blob(["abc"]).stream());
    const [left, right] = [res.clone(), res];
    const reader = right.body!.getReader();
    const first = await reader.read();
    reader.releaseLock();
    return json({
      viaClone,
      parsed,
      bodyUsed: [req.bodyUsed, copy.bodyUsed],
      twice,
      left: await left.text(),
      first: { done: first.done, bytes: Array.from(first.value ?? []) },
      lockedAfterRelease: right.body!.locked,
      empty: [new Response(null).body === null, await new Response(null).text(), await new Response("").arrayBuffer().then((b) => b.byteLength)],
      getBody: await new Request("https://x.example/", { method: "POST", body: "p" }).text(),
      getNoBody: await threw(() => Promise.resolve(new Request("https://x.example/", { method: "GET", body: "p" }))),
    });
  },
  async "GET /webapi/base64"() {
    return json({ b64: btoa("vault\u00ff"), unb64: atob("dmF1bHT/"), badB64: await threw(() => atob("*")) });
  },
  async "GET /webapi/text-decoder"() {
    return json({
      fatal: await threw(() => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xc0]))),
      replaced: new TextDecoder().decode(new Uint8Array([0x61, 0xc0, 0x62])),
      bom: new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])),
      encodeInto: new TextEncoder().encodeInto("héllo", new Uint8Array(4)),
      ua: typeof navigator.userAgent,
    });
  },
  "GET /webapi/text-decoder-latin1"() {
    const d = new TextDecoder("latin1");
    return json({ encoding: d.encoding, text: d.decode(new Uint8Array([0xe9, 0x80, 0x41])) });
  },
  "GET /webapi/intl-number"() {
    const n = 1234567.891;
    return json({
      toLocale: n.toLocaleString("en-US"),
      de: n.toLocaleString("de-DE"),
      percent: new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 }).format(0.4567),
      resolved: new Intl.NumberFormat("en-US").resolvedOptions().locale,
    });
  },
  "GET /webapi/intl-currency"() {
    const n = 1234567.891;
    return json({
      fr: new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" }).format(n),
      usd: new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(-n),
      jpy: new Intl.NumberFormat("ja-JP", { style: "currency", currency: "JPY" }).format(n),
    });
  },
  "GET /webapi/intl-compact-unit"() {
    return json({
      compact: new Intl.NumberFormat("en-US", { notation: "compact" }).format(1234567.891),
      unit: new Intl.NumberFormat("en-GB", { style: "unit", unit: "kilometer-per-hour" }).format(88),
    });
  },
  "GET /webapi/intl-plural"() {
    return json({
      plural: ["en-US", "fr-FR"].map((l) => [0, 1, 2, 5].map((x) => new Intl.PluralRules(l).select(x))),
      ordinal: [1, 2, 3, 4, 11, 22].map((x) => new Intl.PluralRules("en-US", { type: "ordinal" }).select(x)),
    });
  },
  "GET /webapi/intl-date"() {
    return json({
      date: when.toLocaleDateString("en-US", { timeZone: "UTC" }),
      dateTime: new Intl.DateTimeFormat("en-US", { dateStyle: "full", timeStyle: "long", timeZone: "UTC" }).format(when),
      gb: new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "long", year: "numeric" }).format(when),
      de: when.toLocaleString("de-DE", { timeZone: "UTC" }),
    });
  },
  "GET /webapi/intl-relative-collator"() {
    return json({
      relative: [-1, 2].map((x) => new Intl.RelativeTimeFormat("en-US", { numeric: "auto" }).format(x, "day")),
      sorted: ["zebra", "Äpfel", "apple", "Zoo", "éclair"].sort(new Intl.Collator("en-US").compare),
    });
  },
};

export default {
  async fetch(request: Request): Promise<Response> {
    const route = routes[`${request.method} ${new URL(request.url).pathname}`];
    if (!route) return json({ error: "no such route" }, 404);
    try {
      return await route(request);
    } catch (err) {
      return json({ error: (err as Error).name, message: String(err) }, 500);
    }
  },
};
