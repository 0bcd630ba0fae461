// The Deno side of `make bench-peers`: the same answer as ./hello, from
// Deno.serve, on the port given in PORT.
const port = Number(Deno.env.get("PORT") ?? "8000");
Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, () => new Response("hello\n"));
