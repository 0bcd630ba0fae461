// jose 6 on both peers: HS256, ES256, EdDSA and RS256 tokens, JWE dir +
// A256GCM and a local JWKS. Deterministic algorithms answer with their
// tokens; ES256 and JWE carry randomness, so their routes sign (or seal),
// verify (or open) and answer with the outcome and the payload, and also
// check a token made offline (tokens.ts).
import * as jose from "jose";
import { dirKey, ecPrivateJwk, ecPublicJwk, edPrivateJwk, edPublicJwk, hsSecret, rsaPkcs8, rsaSpki } from "./keys";
import { fixedES256, fixedJWE } from "./tokens";

const ISSUER = "urn:vault:diff";
const IAT = 1700000000;
const claims = { sub: "user-42", role: "admin", tags: ["a", "b"] };

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body, null, 2), { status, headers: { "content-type": "application/json; charset=utf-8" } });

// failure names a jose error by its stable code; anything else by its name.
function failure(err: unknown) {
  const e = err as { code?: string; name?: string; claim?: string; reason?: string };
  return { ok: false, code: e.code ?? e.name ?? "unknown", claim: e.claim, reason: e.reason };
}

async function verified(token: string, key: Parameters<typeof jose.jwtVerify>[1], options?: jose.JWTVerifyOptions) {
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(token, key as never, options);
    return { ok: true, payload, protectedHeader };
  } catch (err) {
    return failure(err);
  }
}

function sign(alg: string, kid?: string) {
  return new jose.SignJWT(claims).setProtectedHeader(kid ? { alg, kid } : { alg }).setIssuedAt(IAT).setIssuer(ISSUER);
}

const hsKey = new TextEncoder().encode(hsSecret);

const routes: Record<string, (req: Request) => Promise<Response>> = {
  async "GET /jose/hs256"() {
    const token = await sign("HS256").sign(hsKey);
    return json({ token, verify: await verified(token, hsKey, { issuer: ISSUER }) });
  },
  async "POST /jose/hs256/verify"(req) {
    const { token, issuer } = (await req.json()) as { token: string; issuer?: string };
    return json(await verified(token, hsKey, { issuer, algorithms: ["HS256"] }));
  },
  async "GET /jose/hs256/expired"() {
    const token = await sign("HS256").setExpirationTime(IAT + 60).sign(hsKey);
    return json({ token, verify: await verified(token, hsKey) });
  },
  async "GET /jose/es256"() {
    const priv = await jose.importJWK(ecPrivateJwk, "ES256");
    const pub = await jose.importJWK(ecPublicJwk, "ES256");
    const token = await sign("ES256", "ec-1").sign(priv);
    const [header, payload, signature] = token.split(".");
    return json({
      header,
      payload,
      signatureBytes: jose.base64url.decode(signature).length,
      verify: await verified(token, pub),
      fixed: await verified(fixedES256, pub, { issuer: ISSUER }),
      tampered: await verified(fixedES256.slice(0, -4) + "AAAA", pub),
    });
  },
  async "GET /jose/eddsa"() {
    const priv = await jose.importJWK(edPrivateJwk, "EdDSA");
    const pub = await jose.importJWK(edPublicJwk, "EdDSA");
    const token = await sign("EdDSA", "ed-1").sign(priv);
    return json({ token, verify: await verified(token, pub), wrongAlg: await verified(token, pub, { algorithms: ["ES256"] }) });
  },
  async "GET /jose/rs256"() {
    const priv = await jose.importPKCS8(rsaPkcs8, "RS256");
    const pub = await jose.importSPKI(rsaSpki, "RS256");
    const token = await sign("RS256").sign(priv);
    const jwk = await jose.exportJWK(pub);
    return json({ token, verify: await verified(token, pub), jwk, thumbprint: await jose.calculateJwkThumbprint(jwk) });
  },
  async "GET /jose/jwe"() {
    const key = jose.base64url.decode(dirKey);
    const sealed = await new jose.CompactEncrypt(new TextEncoder().encode("a secret for both peers"))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
      .encrypt(key);
    const opened = await jose.compactDecrypt(sealed, key);
    const fixed = await jose.compactDecrypt(fixedJWE, key);
    let wrongKey;
    try {
      await jose.compactDecrypt(fixedJWE, new Uint8Array(32));
      wrongKey = { ok: true };
    } catch (err) {
      wrongKey = failure(err);
    }
    return json({
      parts: sealed.split(".").map((p) => p.length),
      opened: { plaintext: new TextDecoder().decode(opened.plaintext), protectedHeader: opened.protectedHeader },
      fixed: { plaintext: JSON.parse(new TextDecoder().decode(fixed.plaintext)), protectedHeader: fixed.protectedHeader },
      wrongKey,
    });
  },
  async "GET /jose/jwt-encrypted"() {
    const key = jose.base64url.decode(dirKey);
    const token = await new jose.EncryptJWT(claims).setProtectedHeader({ alg: "dir", enc: "A256GCM" }).setIssuedAt(IAT).encrypt(key);
    const { payload, protectedHeader } = await jose.jwtDecrypt(token, key);
    return json({ payload, protectedHeader });
  },
  async "GET /jose/jwks"() {
    const jwks = jose.createLocalJWKSet({ keys: [ecPublicJwk, edPublicJwk] });
    const ed = await sign("EdDSA", "ed-1").sign(await jose.importJWK(edPrivateJwk, "EdDSA"));
    const unknown = await sign("EdDSA", "nobody").sign(await jose.importJWK(edPrivateJwk, "EdDSA"));
    return json({
      ec: await verified(fixedES256, jwks),
      ed: await verified(ed, jwks),
      unknownKid: await verified(unknown, jwks),
    });
  },
  async "POST /jose/decode"(req) {
    const token = (await req.text()).trim();
    try {
      return json({ header: jose.decodeProtectedHeader(token), payload: jose.decodeJwt(token) });
    } catch (err) {
      return json(failure(err), 400);
    }
  },
};

export default {
  async fetch(request: Request): Promise<Response> {
    const route = routes[`${request.method} ${new URL(request.url).pathname}`];
    if (!route) return json({ error: "no such route" }, 404);
    try {
      return await route(request);
    } catch (err) {
      return json({ error: String(err) }, 500);
    }
  },
};
