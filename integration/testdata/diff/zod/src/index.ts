// zod 4 on both peers: parse and safeParse of a schema with nested objects,
// unions, refinements, transforms and coercion; errors answered as JSON in
// the shapes zod gives them (issues, flattenError, treeifyError,
// prettifyError).
import { z } from "zod";

const Address = z.object({ street: z.string().min(1), zip: z.string().regex(/^[0-9]{5}$/, "zip must be 5 digits") });
const Pet = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("cat"), lives: z.number().int().max(9) }),
  z.object({ kind: z.literal("dog"), good: z.boolean() }),
]);
const Signup = z
  .object({
    name: z.string().trim().min(2).max(20),
    email: z.email(),
    age: z.coerce.number().int().min(13),
    role: z.enum(["reader", "writer", "admin"]).default("reader"),
    tags: z.array(z.string().toLowerCase()).max(3).optional(),
    address: Address.optional(),
    pets: z.array(Pet).default([]),
    password: z.string().min(8),
    confirm: z.string(),
    website: z.url().optional(),
    joined: z.iso.date().optional(),
  })
  .refine((v) => v.password === v.confirm, { message: "passwords differ", path: ["confirm"] })
  .transform(({ password: _p, confirm: _c, ...rest }) => ({ ...rest, nameLength: rest.name.length }));

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    let input: unknown;
    try {
      input = await request.json();
    } catch {
      return json({ error: "body is not JSON" }, 400);
    }
    switch (url.pathname) {
      case "/zod/parse":
        try {
          return json({ ok: true, data: Signup.parse(input) });
        } catch (err) {
          if (err instanceof z.ZodError) return json({ ok: false, name: err.name, issues: err.issues }, 422);
          throw err;
        }
      case "/zod/safe": {
        const r = Signup.safeParse(input);
        if (r.success) return json({ ok: true, data: r.data });
        return json({ ok: false, flat: z.flattenError(r.error), tree: z.treeifyError(r.error) }, 422);
      }
      case "/zod/pretty": {
        const r = Signup.safeParse(input);
        return new Response(r.success ? "ok\n" : z.prettifyError(r.error) + "\n", {
          status: r.success ? 200 : 422,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      case "/zod/pet": {
        const r = z.array(Pet).safeParse(input);
        return json(r.success ? { ok: true, data: r.data } : { ok: false, issues: r.error.issues }, r.success ? 200 : 422);
      }
    }
    return json({ error: "no such route" }, 404);
  },
};
