// The bundler matrix, from the packed tarball installed into one fresh project: each bundler builds a small
// app as docs/runtimes.md says (including any step it asks of the user), and the build then runs
// for real against the local authorization server: in Chromium (page or dedicated worker), in Node, and in
// workerd. Builds run one after another. Also: what each bundler ships when an app imports one function.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { serveStatic, launchChromium, pkceConfigParam } from "./js/harness.mjs";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
import { ScriptedUser } from "./js/user-agent.mjs";
import { fixture, browserBuilds, webpackWorker, esbuildNode, wranglerBuild, shipped } from "./js/bundlers.mjs";

const run = promisify(execFile);
const slug = (name) => name.replace(/\W+/g, "-");
const BROWSER_RUNS = [...Object.keys(browserBuilds), "webpack (webworker)"];
let fx, authz, browser;
const servers = {};
const out = (...parts) => join(fx.dir, "out", ...parts.map(slug));

before(async () => {
  fx = await fixture();
  // One static server per browser build, each serving its output at "/" (the apps' redirect URI).
  for (const name of [...BROWSER_RUNS, "esbuild without the wasm"]) {
    await mkdir(out(name, "spa"), { recursive: true });
    servers[name] = await serveStatic(out(name, "spa"));
  }
  const origins = Object.values(servers).map((s) => s.url);
  authz = await startAuthServer({ redirectUris: origins.map((o) => `${o}/`), trustedOrigins: origins });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await authz?.close();
  for (const s of Object.values(servers)) await s.close();
  await fx?.close();
});

const pkceConfig = () => pkceConfigParam(authz, CLIENTS.pkce.id);

/** Opens the build's page in a fresh context, signs in through the real pages, returns window.__result. */
async function signIn(name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(`${servers[name].url}/?config=${pkceConfig()}`);
    await page.waitForSelector("#sign-in");
    await page.click("#sign-in");
    await page.waitForSelector("#allow");
    await page.click("#allow");
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20_000 });
    return { result: await page.evaluate(() => window.__result), errors };
  } catch (e) {
    throw new Error(`${name}: ${e.message}; page errors: ${errors.join("; ")}`);
  } finally {
    await context.close();
  }
}
const signedIn = { ok: true, clientId: CLIENTS.pkce.id, hasRefresh: true, serverModule: "loaded" };

for (const name of Object.keys(browserBuilds)) {
  test(`${name}: the SPA (PKCE, TokenSession on IndexedDB) builds and signs in in Chromium`, async () => {
    await browserBuilds[name](fx.dir, "spa", out(name, "spa"));
    assert.deepEqual(await signIn(name), { result: signedIn, errors: [] });
  });
}

test("webpack --target webworker: the flow in a dedicated worker gets the browser entry and signs in", async () => {
  await webpackWorker(fx.dir, out("webpack (webworker)", "spa"));
  assert.deepEqual(await signIn("webpack (webworker)"), { result: signedIn, errors: [] });
});

test("Vite 6 without docs/runtimes.md's `build.target` line fails on top-level await (why it exists)", async () => {
  const { build } = await import("vite6");
  const root = join(fx.dir, "spa");
  const config = { root, configFile: false, logLevel: "silent", build: { outDir: out("vite6-default") } };
  await assert.rejects(build(config), /Top-level await is not available in the configured target environment/);
});

test("esbuild without the copied wasm: the page's error names the URL and the file to copy", async () => {
  await browserBuilds.esbuild(fx.dir, "spa", out("esbuild without the wasm", "spa"), { copy: false });
  const page = await browser.newPage();
  const error = new Promise((resolve) => page.on("pageerror", (e) => resolve(e.message)));
  await page.goto(`${servers["esbuild without the wasm"].url}/`);
  const message = await error;
  await page.close();
  const url = `${servers["esbuild without the wasm"].url}/ctct_oauth_bg.wasm`;
  assert.ok(message.includes(`could not load its WebAssembly module from ${url}`), message);
  assert.ok(message.includes("copy node_modules/ctct-oauth/dist/web/ctct_oauth_bg.wasm there"), message);
});

const nodeConfig = () =>
  JSON.stringify({
    clientId: CLIENTS.confidential.id,
    clientSecret: CLIENTS.confidential.secret,
    redirectUri: `${authz.origin}/callback`,
    endpoints: authz.endpoints,
    allowInsecureLoopback: true,
    scopes: ["account_read"],
  });

for (const format of ["cjs", "esm"]) {
  test(`esbuild --platform=node --format=${format}: a confidential exchange, refresh and verification`, async () => {
    // Nothing copied beside the bundle: the Node bundler entry carries its wasm.
    const bundle = await esbuildNode(fx.dir, format, out(`node-${format}`));
    const { stdout } = await run("node", [bundle, nodeConfig()]);
    assert.deepEqual(JSON.parse(stdout), { clientId: CLIENTS.confidential.id, rotated: true });
  });
}

test("wrangler deploy --dry-run --outdir: the Worker runs in workerd, a confidential exchange", async () => {
  const dir = out("wrangler");
  await wranglerBuild(fx.dir, dir);
  const mf = new Miniflare({
    modules: true,
    // wrangler's bundle names its sources as ../node_modules/...: workerd refuses paths above the root.
    modulesRoot: dir,
    scriptPath: join(dir, "index.js"),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    bindings: {
      CLIENT_ID: CLIENTS.confidential.id,
      CLIENT_SECRET: CLIENTS.confidential.secret,
      REDIRECT_URI: `${authz.origin}/callback`,
      ENDPOINTS: JSON.stringify(authz.endpoints),
    },
  });
  try {
    const login = await (await mf.dispatchFetch("https://worker.example/login")).json();
    const back = await new ScriptedUser().authorize(login.url, { redirectUri: `${authz.origin}/callback` });
    const query = new URLSearchParams({ redirect: back, state: login.state });
    const result = await (await mf.dispatchFetch(`https://worker.example/callback?${query}`)).json();
    assert.deepEqual(result, { ok: true, rotated: true, clientId: CLIENTS.confidential.id, expiresAt: true });
  } finally {
    await mf.dispose();
  }
});

// Strings only the session (and fleet), the broker and the stores contain; each is checked against the
// installed module it stands for, so a marker that stops matching its module fails here, not silently.
const MARKERS = {
  session: ["lib/session.js", "refreshUnlessBusy"],
  broker: ["lib/broker.js", "/access-token"],
  "IndexedDB store": ["lib/stores/indexeddb.js", "IndexedDB"],
  "Redis store": ["lib/stores/redis.js", "redis.call"],
};

test("tree-shaking: an app importing only decodeAccessToken ships no session, broker or store code", async () => {
  for (const [what, [file, marker]] of Object.entries(MARKERS)) {
    const source = await readFile(join(fx.dir, "node_modules/ctct-oauth/dist/web", file), "utf8");
    assert.ok(source.includes(marker), `the marker for ${what} is not in ${file}`);
  }
  for (const name of Object.keys(browserBuilds)) {
    const spa = await shipped(out(name, "spa"));
    assert.ok(spa.lazy.raw > 100_000, `${name}: the SPA build has the server module apart (${spa.lazy.raw} B)`);
    assert.ok(spa.text.includes(MARKERS.session[1]), `${name}: the SPA build holds the session (marker works)`);
    assert.ok(spa.text.includes(MARKERS["IndexedDB store"][1]), `${name}: the SPA build holds its store`);
    await browserBuilds[name](fx.dir, "decode", out(name, "decode"));
    const decode = await shipped(out(name, "decode"));
    for (const [what, [, marker]] of Object.entries(MARKERS))
      assert.ok(!decode.text.includes(marker), `${name}: the decode-only build ships the ${what}`);
    assert.ok(decode.js.raw < spa.js.raw / 2, `${name}: decode-only JS ${decode.js.raw} B, SPA ${spa.js.raw} B`);
    // ctct-oauth/decode: its own small module, nothing of the protocol or the session.
    await browserBuilds[name](fx.dir, "decode-entry", out(name, "decode-entry"));
    const entry = await shipped(out(name, "decode-entry"));
    for (const [what, [, marker]] of Object.entries(MARKERS))
      assert.ok(!entry.text.includes(marker), `${name}: the ctct-oauth/decode build ships the ${what}`);
    const [small, whole] = [entry.js.gzip + entry.wasm.gzip, spa.js.gzip + spa.wasm.gzip];
    assert.ok(small * 2.5 < whole && entry.lazy.raw === 0, `${name}: ctct-oauth/decode ${small} B, SPA ${whole} B`);
    await browserBuilds[name](fx.dir, "authurl", out(name, "authurl"));
    const authurl = await shipped(out(name, "authurl"));
    for (const what of ["broker", "IndexedDB store", "Redis store"])
      assert.ok(!authurl.text.includes(MARKERS[what][1]), `${name}: the authorization-URL build ships the ${what}`);
  }
});

test("Vite's dev server, no config: the client module loads, and the server module on a device-flow call", async () => {
  const { createServer } = await import("vite");
  const root = join(fx.dir, "dev");
  await mkdir(root, { recursive: true });
  await writeFile(
    join(root, "index.html"),
    '<!doctype html><link rel="icon" href="data:," /><script type="module" src="./main.js"></script>\n',
  );
  await writeFile(
    join(root, "main.js"),
    `import { ConstantContactOAuth } from "ctct-oauth";
const auth = new ConstantContactOAuth({ clientId: "cc-device", endpoints: ${JSON.stringify(authz.endpoints)},
  allowInsecureLoopback: true, redirectUri: location.href });
window.__url = auth.authorizationUrl().url;
auth.startDeviceAuthorization().then(
  (d) => (window.__device = { ok: true, userCode: typeof d.userCode }),
  (e) => (window.__device = { ok: false, code: e.code, message: e.message }),
);
`,
  );
  const server = await createServer({ root, logLevel: "error", server: { host: "127.0.0.1", port: 0 } });
  await server.listen();
  const page = await browser.newPage();
  const wasm = [];
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("response", (r) => /\.wasm(\?|$)/.test(r.url()) && wasm.push([r.url().replace(/^.*\//, ""), r.status()]));
  try {
    await page.goto(server.resolvedUrls.local[0]);
    await page
      .waitForFunction(() => window.__device !== undefined, null, { timeout: 20_000 })
      .catch((e) => assert.fail(`${e.message}; page errors: ${errors.join("; ")}; wasm: ${JSON.stringify(wasm)}`));
    const [url, device] = await page.evaluate(() => [window.__url, window.__device]);
    assert.ok(url.startsWith(authz.endpoints.authorize), url);
    // The page's origin is not one the server trusts for CORS: the request fails as a browser would have it,
    // after the server module loaded (its own failure would name the module).
    assert.ok(device.ok || (device.code === "network_error" && !/second module/.test(device.message)), device);
    assert.deepEqual(
      wasm.map(([name, status]) => [name.replace(/[?-].*$/, "").replace(/\.wasm$/, ""), status]).sort(),
      [
        ["ctct_oauth_bg", 200],
        ["ctct_oauth_server_bg", 200],
      ],
    );
  } finally {
    await page.close();
    await server.close();
  }
});
