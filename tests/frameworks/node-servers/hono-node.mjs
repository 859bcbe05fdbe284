// Hono on Node (@hono/node-server).
import { serve } from "@hono/node-server";
import { honoApp } from "./hono-app.mjs";

serve({ fetch: honoApp(() => process.env).fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" });
