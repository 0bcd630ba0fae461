// itty-router 5's AutoRouter as its README writes it: cors (preflight and
// corsify), withContent, withCookies, params, query, error and the default
// JSON formatting and 404.
import { AutoRouter, cors, error, html, text, withContent, withCookies } from "itty-router";

const { preflight, corsify } = cors({
  origin: ["https://app.example.com"],
  allowMethods: ["GET", "POST", "DELETE"],
  allowHeaders: ["content-type", "x-custom"],
  exposeHeaders: ["x-count"],
  credentials: true,
  maxAge: 300,
});

const router = AutoRouter({ base: "/itty", before: [preflight], finally: [corsify] });

const todos = [
  { id: 1, title: "write the suite", done: true },
  { id: 2, title: "make it pass", done: false },
];

router
  .get("/", () => ({ service: "itty", routes: 8 }))
  .get("/text", () => text("plain words\n"))
  .get("/html", () => html("<p>itty</p>"))
  .get("/env", (_req, env: { GREETING: string }) => ({ greeting: env.GREETING }))
  .get("/todos", ({ query }) => {
    const done = query.done === undefined ? undefined : query.done === "true";
    const list = todos.filter((t) => done === undefined || t.done === done);
    return new Response(JSON.stringify(list), {
      headers: { "content-type": "application/json", "x-count": String(list.length) },
    });
  })
  .get("/todos/:id", ({ params }) => todos.find((t) => t.id === Number(params.id)) ?? error(404, "no such todo"))
  .get("/users/:user/files/:name.:ext", ({ params, query }) => ({ params, tags: query.tag ?? null, q: query }))
  .post("/todos", withContent, ({ content }) => {
    if (!content || typeof content !== "object" || typeof (content as { title?: unknown }).title !== "string") {
      return error(400, { error: "title is required", got: content ?? null });
    }
    return new Response(JSON.stringify({ id: 3, ...(content as object), done: false }), {
      status: 201,
      headers: { "content-type": "application/json", location: "/itty/todos/3" },
    });
  })
  .post("/echo", withContent, (req) => ({ content: req.content ?? null, type: req.headers.get("content-type") }))
  .get("/whoami", withCookies, ({ cookies }) => ({ cookies }))
  .delete("/todos/:id", ({ params }) => new Response(null, { status: 204, headers: { "x-deleted": params.id } }))
  .get("/teapot", () => error(418, "I'm a teapot"))
  .get("/throw", () => {
    throw new Error("itty handler threw");
  });

export default router;
