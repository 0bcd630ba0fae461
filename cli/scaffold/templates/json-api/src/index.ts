// A JSON API without dependencies: GET /api/items lists, GET /api/items/ID
// reads one, POST /api/items echoes a new item back with an ID. A function
// keeps no state between requests: store data behind fetch() in a real API.
type Item = { id: string; name: string };

const items: Item[] = [
  { id: "1", name: "first" },
  { id: "2", name: "second" },
];

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status });
}

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    const parts = pathname.split("/").filter(Boolean); // ["api", "items", ID?]
    if (parts[1] !== "items" || parts.length > 3) {
      return json({ error: `no route for ${pathname}` }, 404);
    }
    if (request.method === "GET" && parts.length === 2) {
      return json({ items });
    }
    if (request.method === "GET") {
      const item = items.find((i) => i.id === parts[2]);
      return item ? json(item) : json({ error: `no item ${parts[2]}` }, 404);
    }
    if (request.method === "POST" && parts.length === 2) {
      let body: { name?: unknown };
      try {
        body = await request.json();
      } catch {
        return json({ error: "the body must be JSON" }, 400);
      }
      if (typeof body.name !== "string" || body.name === "") {
        return json({ error: "name must be a non-empty string" }, 400);
      }
      return json({ id: crypto.randomUUID(), name: body.name }, 201);
    }
    return json({ error: `${request.method} is not allowed here` }, 405);
  },
};
