// An HMAC-SHA256 JWT check with jose, as an API gateway does it: the
// bearer token is verified (signature, issuer, audience, expiry) and its
// claims answered as JSON. make bench-peers serves this same bundle on
// Deno and on Vault.
import { jwtVerify } from "jose";

type Env = { JWT_SECRET: string };

let key: Uint8Array | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    key ??= new TextEncoder().encode(env.JWT_SECRET);
    const auth = request.headers.get("authorization") ?? "";
    if (!auth.startsWith("Bearer ")) {
      return Response.json({ error: "missing bearer token" }, { status: 401 });
    }
    try {
      const { payload, protectedHeader } = await jwtVerify(auth.slice(7), key, {
        issuer: "https://issuer.example.com",
        audience: "bench",
        algorithms: ["HS256"],
        currentDate: new Date(1_800_000_000_000),
      });
      return Response.json({ alg: protectedHeader.alg, sub: payload.sub, scope: payload.scope, exp: payload.exp });
    } catch (err) {
      return Response.json({ error: (err as Error).name }, { status: 401 });
    }
  },
};
