// Renames every item's {id, name, price} to {identifier, title, cost} and
// counts them. make bench-peers serves this same bundle on Deno and Vault.
export default {
  async fetch(request) {
    const { order, items } = await request.json();
    return Response.json({
      order,
      count: items.length,
      items: items.map(({ id, name, price }) => ({ identifier: id, title: name, cost: price })),
    });
  },
};
