// The framework matrix: each framework's minimal app (tests/frameworks/<name>/), installed from its own lock file
// with the packed tarball over it (tests/js/frameworks.mjs), built with the framework's own commands and defaults,
// then run for real against the local authorization server: a sign-in round trip (authorize → login and consent →
// redirect → exchange → decode → refresh) in each of its runtimes. No build or server output may speak of the
// package (a warning from it), and nothing reaches the internet. Builds run one after another.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile, rm } from "node:fs/promises";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { build as esbuild } from "esbuild";
import { join } from "node:path";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
import { freePort, startRedis } from "./js/services.mjs";
import { launchChromium } from "./js/harness.mjs";
import { installApp, packageNoise, runCommand, startServer, serverSignIn } from "./js/frameworks.mjs";

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
let authz, redis, browser;
// One port per app server, known before the authorization server starts (it registers their redirect URIs).
const ports = {};
const SERVERS = {
  "Express (ESM)": ["node", "express.mjs"],
  "Express (CJS, redisStore)": ["node", "express.cjs"],
  "Fastify (ESM)": ["node", "fastify.mjs"],
  "Fastify (CJS)": ["node", "fastify.cjs"],
  "Hono (Node)": ["node", "hono-node.mjs"],
  "Hono (Bun)": [bin("bun"), "hono-bun.mjs"],
  "Hono (Workers, wrangler dev)": [bin("wrangler"), "dev", "--ip", "127.0.0.1", "--show-interactive-dev-session=false"],
};
const APP_SERVERS = ["next", ...Object.keys(SERVERS), "sveltekit", "vercel-edge", "react-router", "astro", "nuxt"];
const CALLBACKS = ["/api/node/callback", "/api/edge/callback", "/pkce", "/callback"];

before(async () => {
  for (const name of APP_SERVERS) ports[name] = await freePort();
  const origins = Object.values(ports).map((p) => `http://127.0.0.1:${p}`);
  authz = await startAuthServer({
    redirectUris: origins.flatMap((o) => CALLBACKS.map((c) => o + c)),
    trustedOrigins: origins,
  });
  redis = await startRedis();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await redis?.dispose();
  await authz?.close();
});

/** The confidential client's settings, as the apps read them from the environment. */
const serverEnv = (origin) => ({
  APP_ORIGIN: origin,
  CTCT_CLIENT_ID: CLIENTS.confidential.id,
  CTCT_CLIENT_SECRET: CLIENTS.confidential.secret,
  CTCT_ENDPOINTS: JSON.stringify(authz.endpoints),
  REDIS_URL: redis.url,
});
/** The public client a page signs in with (PKCE), passed in its query. */
const pkceConfig = () =>
  encodeURIComponent(
    JSON.stringify({ clientId: CLIENTS.pkce.id, endpoints: authz.endpoints, allowInsecureLoopback: true }),
  );

/** A browser page with its errors collected; `go` signs in through the local server's pages when they show. */
async function browserPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
  page.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()}: ${r.url()}`));
  const signInThroughPages = async () => {
    await page.waitForSelector("#sign-in", { timeout: 30_000 });
    await page.click("#sign-in");
    await page.waitForSelector("#allow", { timeout: 30_000 });
    await page.click("#allow");
  };
  return { page, errors, signInThroughPages, close: () => context.close() };
}
const textOf = async (page, selector) => {
  await page.waitForSelector(selector, { timeout: 60_000 });
  return JSON.parse(await page.textContent(selector));
};

// ---------------------------------------------------------------------------------------------------------------
// Next.js: App Router, no configuration under Turbopack (the default bundler); under webpack (`--webpack`) the one
// line docs/frameworks.md gives for client components. Node.js runtime: route handlers (the confidential flow,
// the session on Redis), a server component reading it, a server action refreshing it. Edge runtime: route
// handlers (authorize URL, redirect, exchange and refresh through fetch, decode) and middleware (decode, expiry).
// Browser: client components from the main entry (PKCE) and from ctct-oauth/decode, on a prerendered page.

// docs/frameworks.md's next.config.mjs for `next build --webpack` / `next dev --webpack`, read from there: the
// test runs the setting exactly as documented.
async function documentedWebpackConfig() {
  const doc = await readFile(new URL("../docs/frameworks.md", import.meta.url), "utf8");
  const block = /```js\n(\/\/ next\.config\.mjs[^\n]*--webpack[\s\S]*?)```/.exec(doc);
  assert.ok(block, "docs/frameworks.md has no next.config.mjs block for --webpack");
  return block[1];
}

let nextDir;
async function nextApp() {
  nextDir ??= await installApp("next");
  return nextDir;
}

/** Every Next.js round trip against a running server (next start or next dev) at `origin`. */
async function nextRoundTrips(origin) {
  // A server component (Node.js runtime).
  const home = await (await fetch(`${origin}/`)).text();
  assert.match(home, /account_read/);

  // Edge runtime: route handlers, then middleware reading the cookie they set.
  const edge = await serverSignIn(origin, "/api/edge/login", "/api/edge/callback");
  const edgeResult = await edge.res.json();
  assert.deepEqual(edgeResult, { clientId: CLIENTS.confidential.id, rotated: true, expired: false });
  const out = await fetch(`${origin}/protected`, { redirect: "manual" });
  assert.equal(out.status, 307);
  assert.equal(new URL(out.headers.get("location"), origin).href, `${origin}/api/edge/login`);
  const inside = await fetch(`${origin}/protected`, { redirect: "manual", headers: { cookie: edge.cookie } });
  assert.equal(inside.status, 200);
  assert.equal(inside.headers.get("x-ctct-client"), CLIENTS.confidential.id);

  // Node.js runtime in a browser: route handlers to /account (a server component over the Redis session), then
  // the server action's refresh.
  const node = await browserPage();
  try {
    await node.page.goto(`${origin}/api/node/login`);
    await node.signInThroughPages();
    const claims = await textOf(node.page, "#claims");
    assert.equal(claims.clientId, CLIENTS.confidential.id);
    await node.page.click("#refresh:not([disabled])", { timeout: 60_000 });
    assert.deepEqual(await textOf(node.page, "#refreshed"), {
      clientId: CLIENTS.confidential.id,
      rotated: true,
      stored: true,
    });
    assert.deepEqual(node.errors, []);
  } finally {
    await node.close();
  }

  // Client components on a prerendered page: PKCE from the main entry, the claims from ctct-oauth/decode.
  const pkce = await browserPage();
  try {
    await pkce.page.goto(`${origin}/pkce?config=${pkceConfig()}`);
    await pkce.signInThroughPages();
    const result = await textOf(pkce.page, "#claims").catch(async (e) => {
      throw new Error(`${e.message}; page: ${await pkce.page.content()}; errors: ${pkce.errors.join("; ")}`);
    });
    assert.deepEqual(result, { clientId: CLIENTS.pkce.id, expired: false, rotated: true });
    assert.deepEqual(pkce.errors, []);
  } finally {
    await pkce.close();
  }
}

for (const bundler of ["turbopack", "webpack"]) {
  const flag = bundler === "webpack" ? ["--webpack"] : [];
  const config = async (dir) => {
    await rm(join(dir, "next.config.mjs"), { force: true });
    if (bundler === "webpack") await writeFile(join(dir, "next.config.mjs"), await documentedWebpackConfig());
  };

  test(`Next.js (${bundler}): next build, next start: Node.js and Edge runtimes, client components`, async () => {
    const dir = await nextApp();
    await config(dir);
    await rm(join(dir, ".next"), { recursive: true, force: true });
    const build = await runCommand("npx", ["next", "build", ...flag], { cwd: dir });
    assert.equal(packageNoise(build), "", `next build ${flag.join(" ")} spoke of the package:\n${build}`);
    const origin = `http://127.0.0.1:${ports.next}`;
    const server = await startServer("npx", ["next", "start", "-H", "127.0.0.1", "-p", String(ports.next)], {
      cwd: dir,
      env: serverEnv(origin),
      url: `${origin}/`,
    });
    try {
      await nextRoundTrips(origin);
    } finally {
      await server.stop();
    }
    assert.equal(packageNoise(server.output()), "", `next start spoke of the package:\n${server.output()}`);
  });

  test(`Next.js (${bundler}): next dev: the same round trips`, async () => {
    const dir = await nextApp();
    await config(dir);
    const origin = `http://127.0.0.1:${ports.next}`;
    const server = await startServer("npx", ["next", "dev", ...flag, "-H", "127.0.0.1", "-p", String(ports.next)], {
      cwd: dir,
      env: serverEnv(origin),
      url: `${origin}/`,
    });
    try {
      await nextRoundTrips(origin);
    } finally {
      await server.stop();
    }
    assert.equal(packageNoise(server.output()), "", `next dev spoke of the package:\n${server.output()}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Servers without a build step, from one install (tests/frameworks/node-servers/): Express and Fastify as ES
// modules and CommonJS (Express's CJS app keeps the session on Redis), and one Hono app on Node
// (@hono/node-server), on Bun (Bun.serve) and on Workers (wrangler dev: workerd, the `workerd` entry). Each signs in
// through /login and /callback: the confidential exchange, the token decoded, a refresh.
for (const [name, [command, ...args]] of Object.entries(SERVERS)) {
  test(`${name}: sign-in round trip`, async () => {
    const dir = await installApp("node-servers");
    const origin = `http://127.0.0.1:${ports[name]}`;
    const env = { ...serverEnv(origin), PORT: String(ports[name]) };
    const extra = [];
    if (name.includes("wrangler")) {
      // The Worker's bindings, as `wrangler dev` reads them from .dev.vars; wrangler's own files stay in the app.
      const vars = Object.entries(env).map(([k, v]) => `${k}='${v}'`);
      await writeFile(join(dir, ".dev.vars"), `${vars.join("\n")}\n`);
      extra.push("--port", String(ports[name]));
      Object.assign(env, {
        XDG_CONFIG_HOME: join(dir, ".wrangler-config"),
        WRANGLER_LOG_PATH: join(dir, ".wrangler-logs"),
      });
    }
    const server = await startServer(command, [...args, ...extra], { cwd: dir, env, url: `${origin}/` });
    try {
      const { res } = await serverSignIn(origin, "/login", "/callback");
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.deepEqual(JSON.parse(text), { clientId: CLIENTS.confidential.id, rotated: true });
    } finally {
      await server.stop();
    }
    assert.equal(packageNoise(server.output()), "", `${name} spoke of the package:\n${server.output()}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// SvelteKit 2 (`vite build`): +server.js routes do the confidential flow with $env/dynamic/private; the page
// decodes a token in the browser with ctct-oauth/decode. adapter-node's build runs with `node build`,
// adapter-cloudflare's with `wrangler dev` (workerd).
async function signInThenDecodeInBrowser(origin) {
  const { res } = await serverSignIn(origin, "/login", "/callback");
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const { accessToken, ...result } = JSON.parse(text);
  assert.deepEqual(result, { clientId: CLIENTS.confidential.id, rotated: true });
  const page = await browserPage();
  try {
    await page.page.goto(`${origin}/#${accessToken}`);
    await page.page.waitForFunction(() => document.querySelector("#claims")?.textContent, null, { timeout: 30_000 });
    assert.deepEqual(await textOf(page.page, "#claims"), { clientId: CLIENTS.confidential.id, expired: false });
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
}

for (const adapter of ["node", "cloudflare"]) {
  test(`SvelteKit (adapter-${adapter}): vite build, the server's sign-in, the browser's decode`, async () => {
    const dir = await installApp("sveltekit");
    const build = await runCommand("npx", ["vite", "build"], { cwd: dir, env: { ADAPTER: adapter } });
    assert.equal(packageNoise(build), "", `vite build spoke of the package:\n${build}`);
    const origin = `http://127.0.0.1:${ports.sveltekit}`;
    const env = { ...serverEnv(origin), PORT: String(ports.sveltekit), HOST: "127.0.0.1", ORIGIN: origin };
    let server;
    if (adapter === "node") {
      server = await startServer("node", ["build"], { cwd: dir, env, url: `${origin}/` });
    } else {
      const vars = Object.entries(env).map(([k, v]) => `${k}='${v}'`);
      await writeFile(join(dir, ".dev.vars"), `${vars.join("\n")}\n`);
      const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(ports.sveltekit)];
      const wranglerEnv = {
        XDG_CONFIG_HOME: join(dir, ".wrangler-config"),
        WRANGLER_LOG_PATH: join(dir, ".wrangler-logs"),
      };
      server = await startServer("npx", [...args, "--show-interactive-dev-session=false"], {
        cwd: dir,
        env: { ...env, ...wranglerEnv },
        url: `${origin}/`,
      });
    }
    try {
      await signInThenDecodeInBrowser(origin);
    } finally {
      await server.stop();
    }
    assert.equal(packageNoise(server.output()), "", `the server spoke of the package:\n${server.output()}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Vercel's Edge runtime, run locally by its own npm package (edge-runtime): an Edge Function bundled as Vercel's
// build bundles one (the edge-light condition; a `?module` wasm import becomes a global the runtime is given as a
// compiled module, compiled outside the function's realm), then served and signed in through over HTTP.
test("Vercel's Edge runtime (edge-runtime): an Edge Function, bundled as Vercel does, signs in", async () => {
  const dir = await installApp("node-servers");
  const wasm = new Map();
  const vercelWasm = {
    name: "vercel-wasm",
    setup(b) {
      b.onResolve({ filter: /\.wasm\?module$/ }, (a) => ({
        path: join(a.resolveDir, a.path.replace(/\?module$/, "")),
        namespace: "wasm-module",
      }));
      b.onLoad({ filter: /.*/, namespace: "wasm-module" }, (a) => {
        const name = `wasm_${createHash("sha1").update(a.path).digest("hex")}`;
        wasm.set(name, a.path);
        return { contents: `export default globalThis.${name};`, loader: "js" };
      });
    },
  };
  const bundle = await esbuild({
    stdin: {
      contents: [
        'import handler from "./vercel-edge.mjs";',
        'addEventListener("fetch", (e) => e.respondWith(handler(e.request)));',
      ].join("\n"),
      resolveDir: dir,
    },
    bundle: true,
    format: "iife",
    platform: "browser",
    conditions: ["edge-light", "worker", "browser", "module"],
    write: false,
    logLevel: "warning",
    plugins: [vercelWasm],
  });
  assert.deepEqual(
    [...wasm.values()].map((f) => f.replace(/^.*\/dist\//, "dist/")),
    ["dist/web/ctct_oauth_server_bg.wasm"],
  );
  const bindings = {};
  for (const [name, file] of wasm) bindings[name] = await WebAssembly.compile(await readFile(file));
  const require = createRequire(join(dir, "package.json"));
  const { EdgeRuntime, runServer } = await import(pathToFileURL(require.resolve("edge-runtime")).href);
  const origin = `http://127.0.0.1:${ports["vercel-edge"]}`;
  const env = serverEnv(origin);
  const runtime = new EdgeRuntime({
    initialCode: bundle.outputFiles[0].text,
    extend: (context) => Object.assign(context, bindings, { process: { env } }),
  });
  const server = await runServer({ runtime, port: ports["vercel-edge"], host: "127.0.0.1" });
  try {
    const { res } = await serverSignIn(origin, "/login", "/callback");
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.deepEqual(JSON.parse(text), { clientId: CLIENTS.confidential.id, rotated: true });
  } finally {
    await server.close();
  }
});

// ---------------------------------------------------------------------------------------------------------------
// React Router 7, framework mode (`react-router build`, served by `react-router-serve`): loaders do the
// confidential flow; the page decodes a token in the browser with ctct-oauth/decode.
test("React Router 7: react-router build, react-router-serve: the loaders' sign-in, the browser's decode", async () => {
  const dir = await installApp("react-router");
  const build = await runCommand("npx", ["react-router", "build"], { cwd: dir });
  assert.equal(packageNoise(build), "", `react-router build spoke of the package:\n${build}`);
  const origin = `http://127.0.0.1:${ports["react-router"]}`;
  const env = { ...serverEnv(origin), PORT: String(ports["react-router"]), HOST: "127.0.0.1" };
  const server = await startServer("npx", ["react-router-serve", "./build/server/index.js"], {
    cwd: dir,
    env,
    url: `${origin}/`,
  });
  try {
    await signInThenDecodeInBrowser(origin);
  } finally {
    await server.stop();
  }
  assert.equal(packageNoise(server.output()), "", `react-router-serve spoke of the package:\n${server.output()}`);
});

// ---------------------------------------------------------------------------------------------------------------
// Astro 5 with @astrojs/node (standalone): API routes do the confidential flow; the page's script decodes a token
// in the browser with ctct-oauth/decode.
test("Astro (@astrojs/node): astro build, the standalone server: the sign-in, the browser's decode", async () => {
  const dir = await installApp("astro");
  const build = await runCommand("npx", ["astro", "build"], { cwd: dir });
  assert.equal(packageNoise(build), "", `astro build spoke of the package:\n${build}`);
  const origin = `http://127.0.0.1:${ports.astro}`;
  const env = { ...serverEnv(origin), PORT: String(ports.astro), HOST: "127.0.0.1" };
  const server = await startServer("node", ["dist/server/entry.mjs"], { cwd: dir, env, url: `${origin}/` });
  try {
    await signInThenDecodeInBrowser(origin);
  } finally {
    await server.stop();
  }
  assert.equal(packageNoise(server.output()), "", `the Astro server spoke of the package:\n${server.output()}`);
});

// ---------------------------------------------------------------------------------------------------------------
// Nuxt 4 (`nuxt build`): Nitro server routes do the confidential flow; the page decodes a token in the browser
// with ctct-oauth/decode. Nitro's node-server preset (no configuration) runs with `node .output/server/index.mjs`;
// its cloudflare-module preset, with docs/frameworks.md's nuxt.config.js (Nitro's wasm support on), with
// `wrangler dev` (workerd).
async function documentedNuxtCloudflareConfig() {
  const doc = await readFile(new URL("../docs/frameworks.md", import.meta.url), "utf8");
  const block = /```js\n(\/\/ nuxt\.config\.js, for Nitro's cloudflare presets[\s\S]*?)```/.exec(doc);
  assert.ok(block, "docs/frameworks.md has no nuxt.config.js block for Nitro's cloudflare presets");
  return block[1];
}

for (const preset of ["node-server", "cloudflare-module"]) {
  test(`Nuxt (Nitro ${preset}): nuxt build, the server: the sign-in, the browser's decode`, async () => {
    const dir = await installApp("nuxt");
    if (preset === "cloudflare-module")
      await writeFile(join(dir, "nuxt.config.js"), await documentedNuxtCloudflareConfig());
    const build = await runCommand("npx", ["nuxt", "build"], { cwd: dir, env: { NITRO_PRESET: preset } });
    assert.equal(packageNoise(build), "", `nuxt build spoke of the package:\n${build}`);
    const origin = `http://127.0.0.1:${ports.nuxt}`;
    const env = { ...serverEnv(origin), PORT: String(ports.nuxt), HOST: "127.0.0.1" };
    let server;
    if (preset === "node-server") {
      server = await startServer("node", [".output/server/index.mjs"], { cwd: dir, env, url: `${origin}/` });
    } else {
      const vars = Object.entries(env).map(([k, v]) => `${k}='${v}'`);
      await writeFile(join(dir, ".dev.vars"), `${vars.join("\n")}\n`);
      const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(ports.nuxt)];
      const wranglerEnv = {
        XDG_CONFIG_HOME: join(dir, ".wrangler-config"),
        WRANGLER_LOG_PATH: join(dir, ".wrangler-logs"),
      };
      server = await startServer("npx", [...args, "--show-interactive-dev-session=false"], {
        cwd: dir,
        env: { ...env, ...wranglerEnv },
        url: `${origin}/`,
      });
    }
    try {
      await signInThenDecodeInBrowser(origin);
    } finally {
      await server.stop();
    }
    assert.equal(packageNoise(server.output()), "", `the Nuxt server spoke of the package:\n${server.output()}`);
  });
}
