// Hono on Cloudflare Workers (wrangler dev): the configuration comes from the Worker's bindings.
import { honoApp } from "./hono-app.mjs";

export default honoApp((c) => c.env);
