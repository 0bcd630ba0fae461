// Hono 4 as a Workers app is written: the standard middleware (logger,
// cors, etag, secureHeaders, jwt), plain and signed cookies, hono/validator
// and @hono/zod-validator, streamSSE, multipart parseBody, JSON routes,
// notFound and onError. Everything it answers is deterministic: tokens
// carry fixed iat/exp, cookies no dates.
import { Hono } from "hono";
import { logger } from "hono/logger";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import { secureHeaders } from "hono/secure-headers";
import { jwt, sign } from "hono/jwt";
import { deleteCookie, getCookie, getSignedCookie, setCookie, setSignedCookie } from "hono/cookie";
import { validator } from "hono/validator";
import { streamSSE } from "hono/streaming";
import { HTTPException } from "hono/http-exception";
import { zValidator } from "@hono/zod-validator";
import { z } from "zod";
import { more } from "./more";

type Bindings = { GREETING: string; JWT_SECRET: string; COOKIE_SECRET: string };

const app = new Hono<{ Bindings: Bindings }>().basePath("/hono");

app.use(logger());
app.use(
  "/api/*",
  cors({
    origin: ["https://app.example.com", "https://admin.example.com"],
    allowMethods: ["GET", "POST", "DELETE"],
    allowHeaders: ["Content-Type", "X-Custom"],
    exposeHeaders: ["X-Total"],
    maxAge: 600,
    credentials: true,
  }),
);
app.use("/etag/*", etag());
app.use("/secure/*", secureHeaders());

const items = [
  { id: 1, name: "anvil", price: 19.5 },
  { id: 2, name: "rope", price: 3.25 },
  { id: 3, name: "café crème", price: 2 },
];

app.get("/hello", (c) => c.text(`${c.env.GREETING} from hono`));

app.get("/api/items", (c) => {
  c.header("X-Total", String(items.length));
  return c.json({ items });
});
app.get("/api/items/:id{[0-9]+}", (c) => {
  const item = items.find((i) => i.id === Number(c.req.param("id")));
  return item ? c.json(item) : c.json({ error: "no such item" }, 404);
});
app.post("/api/items", async (c) => {
  const body = await c.req.json<{ name: string; price: number }>();
  return c.json({ created: { id: 4, ...body } }, 201, { Location: "/hono/api/items/4" });
});
app.get("/api/redirect", (c) => c.redirect("/hono/api/items", 301));

app.get("/etag/doc", (c) => c.json({ doc: "cache me", version: 3, items }));
app.get("/etag/text", (c) => c.text("a plain text body for etag\n"));

app.get("/secure/page", (c) => c.html("<!doctype html><h1>secure</h1>"));

app.post("/auth/token", async (c) => {
  const { user } = await c.req.json<{ user: string }>();
  const token = await sign({ sub: user, role: "reader", iat: 1700000000, exp: 4102444800 }, c.env.JWT_SECRET, "HS256");
  return c.json({ token });
});
app.use("/auth/me", (c, next) => jwt({ secret: c.env.JWT_SECRET, alg: "HS256" })(c, next));
app.get("/auth/me", (c) => c.json({ payload: c.get("jwtPayload") }));

app.get("/cookies/set", async (c) => {
  setCookie(c, "plain", "hello world", { path: "/", httpOnly: true, sameSite: "Lax", maxAge: 3600 });
  await setSignedCookie(c, "session", "user-42", c.env.COOKIE_SECRET, {
    path: "/hono",
    secure: true,
    httpOnly: true,
    sameSite: "Strict",
  });
  return c.text("cookies set");
});
app.get("/cookies/read", async (c) =>
  c.json({
    plain: getCookie(c, "plain") ?? null,
    all: getCookie(c),
    session: (await getSignedCookie(c, c.env.COOKIE_SECRET, "session")) ?? null,
  }),
);
app.get("/cookies/clear", (c) => {
  deleteCookie(c, "plain", { path: "/" });
  return c.text("cookie cleared");
});

app.post(
  "/validate/form",
  validator("form", (value, c) => {
    const name = value["name"];
    if (typeof name !== "string" || name.length < 2) {
      return c.json({ error: "name must be at least 2 characters" }, 400);
    }
    return { name };
  }),
  (c) => c.json({ ok: true, name: c.req.valid("form").name }),
);
const User = z.object({ name: z.string().min(2), age: z.number().int().min(0), email: z.email() });
app.post("/validate/json", zValidator("json", User), (c) => c.json({ ok: true, user: c.req.valid("json") }, 201));
app.get(
  "/validate/query",
  zValidator("query", z.object({ page: z.coerce.number().int().positive(), q: z.string().optional() })),
  (c) => c.json({ ok: true, query: c.req.valid("query") }),
);

app.get("/sse", (c) =>
  streamSSE(c, async (stream) => {
    for (let i = 0; i < 3; i++) {
      await stream.writeSSE({ id: String(i), event: "tick", data: JSON.stringify({ i, square: i * i }) });
      await stream.sleep(5);
    }
    await stream.writeSSE({ event: "done", data: "bye\nsee you" });
  }),
);

app.post("/upload", async (c) => {
  const body = await c.req.parseBody({ all: true });
  const file = body["file"];
  if (!(file instanceof File)) {
    return c.json({ error: "no file field", fields: Object.keys(body) }, 400);
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  let sum = 0;
  for (const b of bytes) sum = (Math.imul(sum, 31) + b) >>> 0;
  return c.json({
    title: body["title"],
    tags: body["tags"],
    file: { name: file.name, type: file.type, size: file.size, text: await file.text(), sum },
  });
});

app.get("/boom", () => {
  throw new Error("kaboom");
});
app.get("/forbidden", () => {
  throw new HTTPException(403, { message: "no entry" });
});

app.route("/more", more);

app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));
app.onError((err, c) => {
  if (err instanceof HTTPException) return err.getResponse();
  return c.json({ error: err.message }, 500);
});

export default app;
