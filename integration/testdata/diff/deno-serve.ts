// The Deno side of the differential suite (integration/diff_test.go): runs
// the very bundle `vault deploy` makes and serves its default export's
// fetch(request, env, ctx) with Deno.serve, as a Workers runtime would.
//
//   deno run --allow-net --allow-read=BUNDLE deno-serve.ts BUNDLE PORT GLOBAL ENV_JSON
//
// The bundle is an IIFE that assigns the module's namespace to GLOBAL
// (schemas.BundleGlobal); an indirect eval runs it in global scope, where
// its top-level var lands on globalThis. Once listening it prints
// "deno diff peer ready" on stdout.

type Handler = {
  fetch(request: Request, env: Record<string, string>, ctx: ExecutionContext): Response | Promise<Response>;
};
type ExecutionContext = { waitUntil(p: Promise<unknown>): void; passThroughOnException(): void };

const [bundlePath, port, globalName, envJSON] = Deno.args;
if (!bundlePath || !port || !globalName || envJSON === undefined) {
  console.error("usage: deno-serve.ts BUNDLE PORT GLOBAL ENV_JSON");
  Deno.exit(2);
}
const code = await Deno.readTextFile(bundlePath);
// The trailing assignment keeps the module reachable even if the bundle
// ever began with "use strict", which would keep its var inside the eval.
(0, eval)(`${code}\n;globalThis[${JSON.stringify(globalName)}] = ${globalName};`);
const mod = (globalThis as Record<string, unknown>)[globalName] as { default?: Handler } | undefined;
const handler = mod?.default;
if (!handler || typeof handler.fetch !== "function") {
  console.error(`${bundlePath}: the module's default export has no fetch method`);
  Deno.exit(1);
}
const env: Record<string, string> = JSON.parse(envJSON);

Deno.serve(
  {
    port: Number(port),
    hostname: "127.0.0.1",
    onListen() {
      console.log("deno diff peer ready");
    },
  },
  (request) => {
    const ctx: ExecutionContext = {
      waitUntil(p) {
        Promise.resolve(p).catch((err) => console.error("waitUntil:", err));
      },
      passThroughOnException() {},
    };
    return handler.fetch(request, env, ctx);
  },
);
