// Hello world as handlers are written: the path read through new URL()
// and a headers literal in the Response init. make bench-peers serves
// this same bundle on Deno and on Vault.
export default {
  fetch(request) {
    const { pathname } = new URL(request.url);
    return new Response(`hello from ${pathname}\n`, {
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "x-bench": "hello-url" },
    });
  },
};
