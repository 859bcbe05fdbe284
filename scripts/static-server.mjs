// A static file server on 127.0.0.1 for the demo and the browser tests. Read-only, no directory listing.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".css": "text/css",
  ".png": "image/png",
};

/**
 * Serves `root` read-only on 127.0.0.1 (port 0: a free one). `routes` maps a path to a function returning
 * a JSON-able value (the demo's local-config.json). Resolves to { url, close }.
 */
export async function serveStatic(root, port = 0, routes = {}) {
  const server = createServer(async (req, res) => {
    const route = routes[new URL(req.url, "http://x").pathname];
    if (route)
      return res
        .writeHead(200, { "content-type": "application/json", "cache-control": "no-store" })
        .end(JSON.stringify(route()));
    let path;
    try {
      path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    } catch {
      return res.writeHead(400).end();
    }
    if (path.includes("..")) return res.writeHead(400).end();
    const file = join(root, path.endsWith("/") ? `${path}index.html` : path);
    try {
      const body = await readFile(file);
      res
        .writeHead(200, {
          "content-type": TYPES[extname(file)] ?? "application/octet-stream",
          "cache-control": "no-store",
        })
        .end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}
