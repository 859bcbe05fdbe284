// adapter-node by default; ADAPTER=cloudflare builds for Workers.
import node from "@sveltejs/adapter-node";
import cloudflare from "@sveltejs/adapter-cloudflare";

export default { kit: { adapter: process.env.ADAPTER === "cloudflare" ? cloudflare() : node() } };
