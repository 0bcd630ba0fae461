// A Workers-style module: the default export's fetch answers each request.
// Edit it while `vault dev` runs: every save is deployed and served.
interface Env {
  GREETING: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    console.log(`${request.method} ${url.pathname}`);
    return new Response(`${env.GREETING} from {{name}}! You asked for ${url.pathname}\n`);
  },
};
