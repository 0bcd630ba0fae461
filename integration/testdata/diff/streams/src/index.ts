// Hand-written streams, no framework: an SSE handler built on a
// ReadableStream, a proxy that passes an upstream response through a
// TransformStream, CompressionStream round trips, TextEncoderStream, tee
// and a request body echoed as a stream. The upstream is a loopback server
// the test starts; its address comes in the x-upstream header.

const enc = new TextEncoder();
const dec = new TextDecoder();

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function sse(): Response {
  let n = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(enc.encode(": stream opened\nretry: 1000\n\n"));
    },
    pull(controller) {
      return new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          n++;
          if (n <= 4) {
            controller.enqueue(enc.encode(`id: ${n}\nevent: count\ndata: {"n":${n}}\n\n`));
          } else {
            controller.enqueue(enc.encode("event: end\ndata: line one\ndata: line two\n\n"));
            controller.close();
          }
          resolve();
        }, 5);
      });
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

// slowEvents sends one event at once and the last 1.5 s later: the client
// sees the first long before the end only from a server that streams.
function slowEvents(): Response {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(enc.encode("event: first\ndata: sent at once\n\n"));
      timer = setTimeout(() => {
        controller.enqueue(enc.encode("event: last\ndata: sent 1.5 s later\n\n"));
        controller.close();
      }, 1500);
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
}

async function proxy(request: Request, url: URL): Promise<Response> {
  const upstream = request.headers.get("x-upstream") ?? "";
  if (!/^http:\/\/127\.0\.0\.1:[0-9]+$/.test(upstream)) return json({ error: "x-upstream must be http://127.0.0.1:PORT" }, 400);
  const res = await fetch(upstream + url.pathname.slice("/streams/proxy".length) + url.search, {
    headers: { "x-via": "diff-streams" },
  });
  // Upper-cases the text as it passes, chunk by chunk; stream: true keeps a
  // UTF-8 sequence split across chunks whole.
  const upper = new TextDecoder();
  const shout = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      controller.enqueue(enc.encode(upper.decode(chunk, { stream: true }).toUpperCase()));
    },
    flush(controller) {
      const rest = upper.decode();
      if (rest) controller.enqueue(enc.encode(rest.toUpperCase()));
      controller.enqueue(enc.encode("-- proxied\n"));
    },
  });
  const headers = new Headers({ "x-proxied-status": String(res.status) });
  for (const name of ["content-type", "x-upstream-id", "cache-control"]) {
    const v = res.headers.get(name);
    if (v !== null) headers.set(name, v);
  }
  return new Response(res.body ? res.body.pipeThrough(shout) : null, { status: res.status, headers });
}

async function roundTrip(request: Request, format: CompressionFormat): Promise<Response> {
  const input = new Uint8Array(await request.arrayBuffer());
  const compressed = await collect(new Blob([input]).stream().pipeThrough(new CompressionStream(format)));
  const restored = await collect(new Blob([compressed]).stream().pipeThrough(new DecompressionStream(format)));
  let same = restored.length === input.length;
  for (let i = 0; same && i < input.length; i++) same = restored[i] === input[i];
  return json({
    format,
    inputBytes: input.length,
    // The compressed bytes themselves differ between zlib implementations;
    // their header does not, and a long repetitive input must shrink.
    magic: format === "gzip" ? Array.from(compressed.slice(0, 3)) : null,
    shrunk: compressed.length < input.length,
    same,
    text: dec.decode(restored).slice(0, 40),
  });
}

async function corrupt(): Promise<Response> {
  const bad = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5]);
  try {
    await collect(new Blob([bad]).stream().pipeThrough(new DecompressionStream("gzip")));
    return json({ rejected: false });
  } catch (err) {
    return json({ rejected: true, name: (err as Error).name });
  }
}

function words(): Response {
  const parts = ["streams ", "of ", "text, ", "naïve ", "and ", "encoded\n"];
  const source = new ReadableStream<string>({
    pull(controller) {
      const p = parts.shift();
      if (p === undefined) controller.close();
      else controller.enqueue(p);
    },
  });
  return new Response(source.pipeThrough(new TextEncoderStream()), { headers: { "content-type": "text/plain; charset=utf-8" } });
}

async function tee(): Promise<Response> {
  const [a, b] = new Blob(["one two three"]).stream().tee();
  const [x, y] = await Promise.all([collect(a), collect(b)]);
  return json({ a: dec.decode(x), b: dec.decode(y) });
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/streams/sse") return sse();
    if (path === "/streams/sse-slow") return slowEvents();
    if (path.startsWith("/streams/proxy/")) return proxy(request, url);
    if (path === "/streams/gzip" && request.method === "POST") return roundTrip(request, "gzip");
    if (path === "/streams/deflate-raw" && request.method === "POST") return roundTrip(request, "deflate-raw");
    if (path === "/streams/corrupt") return corrupt();
    if (path === "/streams/words") return words();
    if (path === "/streams/tee") return tee();
    if (path === "/streams/echo" && request.method === "POST") {
      return new Response(request.body, {
        headers: { "content-type": request.headers.get("content-type") ?? "application/octet-stream" },
      });
    }
    return json({ error: "no such route" }, 404);
  },
};
