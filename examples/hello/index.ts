// A Workers-style module: the default export's fetch answers each request.
interface Env {
  GREETING: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.url.endsWith("/json")) {
      return Response.json({ greeting: env.GREETING, method: request.method, url: request.url });
    }
    return new Response(`${env.GREETING}! ${request.method} ${request.url}\n`);
  },
};
