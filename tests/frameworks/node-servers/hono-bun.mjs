// Hono on Bun (Bun.serve).
import { honoApp } from "./hono-app.mjs";

Bun.serve({ fetch: honoApp(() => process.env).fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" });
