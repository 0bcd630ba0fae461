// A Hono 4 app as Workers apps are written: a router with cors, etag and
// secureHeaders on /api, answering a small JSON route. make bench-peers
// serves this same bundle on Deno and on Vault.
import { Hono } from "hono";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import { secureHeaders } from "hono/secure-headers";

const items = Array.from({ length: 50 }, (_, i) => ({
  id: i + 1,
  name: `item ${i + 1}`,
  price: ((i + 1) * 379) % 10000 / 100,
  tags: i % 3 === 0 ? ["sale"] : [],
}));

const app = new Hono();
app.use("/api/*", cors({ origin: ["https://app.example.com"], allowMethods: ["GET", "POST"] }));
app.use("/api/*", etag());
app.use("/api/*", secureHeaders());
app.get("/", (c) => c.text("bench app: GET /api/items/:id\n"));
app.get("/api/items", (c) => c.json({ count: items.length, items: items.slice(0, 10) }));
app.get("/api/items/:id", (c) => {
  const id = Number(c.req.param("id"));
  const item = items.find((it) => it.id === id);
  if (!item) return c.json({ error: "no such item", id }, 404);
  return c.json({ item, related: items.filter((it) => it.id !== id && it.tags.length === item.tags.length).slice(0, 3).map((it) => it.id) });
});
app.notFound((c) => c.json({ error: "not found" }, 404));

export default app;
