// A Hono app is a Workers-style module: its default export has fetch.
import { Hono } from "hono";

type Bindings = { GREETING: string };

const app = new Hono<{ Bindings: Bindings }>();

app.get("/", (c) => c.text(`${c.env.GREETING} from {{name}}!\n`));
app.get("/hello/:name", (c) => c.json({ greeting: `${c.env.GREETING}, ${c.req.param("name")}` }));
app.notFound((c) => c.json({ error: `no route for ${c.req.path}` }, 404));

export default app;
