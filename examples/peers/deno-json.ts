// The Deno side of `make bench-peers`' JSON transform: the same answer as
// ./json, from Deno.serve, on the port given in PORT.
type Item = { id: number; name: string; price: number };

const port = Number(Deno.env.get("PORT") ?? "8000");
Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, async (request) => {
  const { order, items }: { order: string; items: Item[] } = await request.json();
  return Response.json({
    order,
    count: items.length,
    items: items.map(({ id, name, price }) => ({ identifier: id, title: name, cost: price })),
  });
});
