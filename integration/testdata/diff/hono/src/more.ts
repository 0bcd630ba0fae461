// More of Hono's middleware and helpers, mounted at /hono/more with
// app.route: basicAuth, bearerAuth, prettyJSON, bodyLimit, csrf, the html
// tagged template, streamText and raw bodies.
import { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import { bearerAuth } from "hono/bearer-auth";
import { prettyJSON } from "hono/pretty-json";
import { bodyLimit } from "hono/body-limit";
import { csrf } from "hono/csrf";
import { html, raw } from "hono/html";
import { streamText } from "hono/streaming";

export const more = new Hono();

more.use("/admin/*", basicAuth({ username: "ada", password: "engine" }));
more.get("/admin/panel", (c) => c.text("welcome to the panel"));

more.use("/api/*", bearerAuth({ token: "diff-token-123" }));
more.get("/api/data", (c) => c.json({ secret: 42 }));

more.use("/pretty/*", prettyJSON());
more.get("/pretty/doc", (c) => c.json({ nested: { list: [1, 2, { deep: true }] }, text: "ünïcode" }));

more.post(
  "/limited",
  bodyLimit({ maxSize: 32, onError: (c) => c.text("payload too large", 413) }),
  async (c) => c.text(`got ${(await c.req.text()).length} chars`),
);

more.use("/form/*", csrf({ origin: "https://app.example.com" }));
more.post("/form/submit", async (c) => c.json({ accepted: (await c.req.parseBody())["item"] ?? null }));

more.get("/page/:name", (c) => {
  const name = c.req.param("name");
  return c.html(html`<!doctype html>
<title>${name}</title>
<p>Hello, ${name}! ${raw("<b>raw</b>")} &amp; ${"<escaped>"}</p>`);
});

more.get("/text-stream", (c) =>
  streamText(c, async (stream) => {
    for (const word of ["one ", "two ", "three"]) {
      await stream.write(word);
      await stream.sleep(2);
    }
    await stream.writeln("");
  }),
);

more.post("/bytes", async (c) => {
  const buf = new Uint8Array(await c.req.arrayBuffer());
  const sum = buf.reduce((a, b) => (a + b) % 65521, 0);
  c.header("x-byte-count", String(buf.length));
  return c.body(buf.slice().reverse(), 200, { "content-type": "application/octet-stream", "x-sum": String(sum) });
});

more.get("/headers", (c) =>
  c.json({
    accept: c.req.header("accept") ?? null,
    custom: c.req.header("x-custom") ?? null,
    query: c.req.queries("tag") ?? null,
    url: c.req.url,
  }),
);
