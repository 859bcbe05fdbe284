// The bundler matrix's shared pieces (tests/bundlers.test.mjs, scripts/import-sizes.mjs): the packed tarball
// installed into one fresh project, the small apps written into it, and each bundler's build of an app,
// configured as docs/runtimes.md says, including any step it asks of the user.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const run = promisify(execFile);
const pkgDir = new URL("../../pkg/", import.meta.url).pathname;
const bin = (name) => new URL(`../../node_modules/.bin/${name}`, import.meta.url).pathname;

// The flow every browser build runs: PKCE to the redirect, then the exchange, kept in a TokenSession on
// IndexedDB, read back and decoded. The same code runs on the page and in a dedicated worker.
const FLOW = `import { ConstantContactOAuth, TokenSession, indexedDbStore, decodeAccessToken } from "ctct-oauth";

export async function flow(config, href, pending) {
  const auth = new ConstantContactOAuth(config);
  if (!pending) {
    const { url, state, codeVerifier } = auth.authorizationUrl();
    return { go: url, pending: { state, codeVerifier } };
  }
  const { code } = auth.parseRedirect(href, { state: pending.state });
  const tokens = await auth.exchangeCode(code, { codeVerifier: pending.codeVerifier });
  const session = new TokenSession(auth, { store: indexedDbStore("bundler-test") });
  await session.setTokens(tokens);
  const claims = decodeAccessToken(await session.accessToken());
  // A device-flow call runs in the server module, which this build must have split off and now fetches. Its
  // answer does not matter here (this client has no device grant); only a failure to load the module would.
  const serverModule = await auth.startDeviceAuthorization().then(
    () => "loaded",
    (e) => (/second module/.test(e.message) ? "missing: " + e.message : "loaded"),
  );
  const hasRefresh = typeof tokens.refreshToken === "string";
  return { done: { ok: true, clientId: claims.clientId, hasRefresh, serverModule } };
}
`;
// The page's side: config from the query (kept across the sign-in), the result on window.__result.
const page = (flowCall) => `const params = new URLSearchParams(location.search);
const config = JSON.parse(sessionStorage.getItem("config") ?? params.get("config"));
sessionStorage.setItem("config", JSON.stringify(config));
const pending = JSON.parse(sessionStorage.getItem("pending") ?? "null");
${flowCall}({ ...config, redirectUri: location.origin + location.pathname }, location.href, pending).then(
  (r) => {
    if (r.done) window.__result = r.done;
    else (sessionStorage.setItem("pending", JSON.stringify(r.pending)), location.assign(r.go));
  },
  (e) => (window.__result = { ok: false, code: e.code, message: String(e.message) }),
);
`;
const APPS = {
  "spa/flow.js": FLOW,
  "spa/main.js": `import { flow } from "./flow.js";\n${page("flow")}`,
  // The handler exists only once the wasm has loaded (top-level await), and a worker drops messages that
  // arrive before it: the worker says when it is ready.
  "spa/worker.js": `import { flow } from "./flow.js";
self.onmessage = ({ data }) =>
  flow(data.config, data.href, data.pending).then(postMessage, (e) =>
    postMessage({ done: { ok: false, code: e.code, message: String(e.message) } }),
  );
postMessage({ ready: true });
`,
  // Size probes: only the decoder; only the authorization URL.
  "decode/main.js": `import { decodeAccessToken } from "ctct-oauth";
console.log(decodeAccessToken(location.hash.slice(1)));
`,
  // Only the decoder, from the decode-only entry (its own small module in browsers).
  "decode-entry/main.js": `import { decodeAccessToken } from "ctct-oauth/decode";
console.log(decodeAccessToken(location.hash.slice(1)));
`,
  "authurl/main.js": `import { ConstantContactOAuth } from "ctct-oauth";
const auth = new ConstantContactOAuth({ clientId: "client", redirectUri: location.href, scopes: ["account_read"] });
console.log(auth.authorizationUrl().url);
`,
  // A Node server doing the confidential flow (the sign-in scripted against the local server's pages).
  "node/server.mjs": `import { ConstantContactOAuth } from "ctct-oauth";
import { ScriptedUser } from "./user-agent.mjs";
// No top-level await: esbuild's CJS output cannot have it.
async function main() {
  const config = JSON.parse(process.argv[2]);
  const auth = new ConstantContactOAuth(config);
  const { url, state } = auth.authorizationUrl();
  const back = await new ScriptedUser().authorize(url, { redirectUri: config.redirectUri });
  const tokens = await auth.exchangeCode(auth.parseRedirect(back, { state }).code);
  const next = await auth.refresh(tokens);
  const claims = await auth.verifyAccessToken(next.accessToken);
  return { clientId: claims.clientId, rotated: next.refreshToken !== tokens.refreshToken };
}
main().then((r) => console.log(JSON.stringify(r)));
`,
  "worker/wrangler.toml": `name = "ctct-bundler-test"\nmain = "index.js"\ncompatibility_date = "2026-04-01"\n`,
};
for (const app of ["spa", "decode", "decode-entry", "authurl"])
  APPS[`${app}/index.html`] = `<!doctype html><meta charset="utf-8" /><link rel="icon" href="data:," />
<script type="module" src="./main.js"></script>
`;

/** Packs pkg/, installs the tarball into a fresh project (no registry: it has no dependencies), writes the apps. */
export async function fixture() {
  const dir = await mkdtemp(join(tmpdir(), "ctct-bundlers-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: pkgDir });
  const tarball = join(dir, JSON.parse(stdout)[0].filename);
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: dir });
  for (const [file, text] of Object.entries(APPS)) {
    await mkdir(join(dir, file, ".."), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  await cp(new URL("./user-agent.mjs", import.meta.url), join(dir, "node/user-agent.mjs"));
  await cp(new URL("./worker-flow.mjs", import.meta.url), join(dir, "worker/index.js"));
  return { dir, close: () => rm(dir, { recursive: true, force: true }) };
}

const htmlFor = (script) => `<!doctype html><meta charset="utf-8" /><link rel="icon" href="data:," />\n${script}\n`;
// docs/runtimes.md's step for bundlers that leave `new URL()` assets behind: browsers get the client module and the
// server one (fetched on a first device-flow, verification or fleet call).
const copyWasm = async (dir, out, target = "web") => {
  const files = {
    web: ["ctct_oauth_bg.wasm", "ctct_oauth_server_bg.wasm"],
    decode: ["ctct_oauth_decode_bg.wasm"],
  }[target];
  for (const name of files) await copyFile(join(dir, `node_modules/ctct-oauth/dist/web/${name}`), join(out, name));
};

const viteBuild = async (module, dir, app, out, extra = {}) => {
  const { build } = await import(module);
  await build({
    root: join(dir, app),
    configFile: false,
    logLevel: "warn",
    build: { outDir: out, emptyOutDir: true, ...extra },
  });
};
const webpackBuild = async (dir, entry, out, filename, target) => {
  const { default: webpack } = await import("webpack");
  // Named chunks and assets only so that shipped() can tell the lazily loaded server module apart.
  const names = { chunkFilename: "[name].[contenthash].js", assetModuleFilename: "[name].[hash][ext]" };
  const config = { mode: "production", context: dir, entry, target, output: { path: out, filename, ...names } };
  const stats = await new Promise((resolve, reject) => webpack(config, (err, s) => (err ? reject(err) : resolve(s))));
  if (stats.hasErrors()) throw new Error(stats.toString("errors-only"));
};

/**
 * Each bundler's build of a browser app (`app`: spa, decode or authurl) into `out`, an index.html beside it.
 * `copyWasm: false` skips the user's copy step (to see the error that asks for it).
 */
export const browserBuilds = {
  vite: (dir, app, out) => viteBuild("vite", dir, app, out),
  // Vite 6's default targets predate top-level await: docs/runtimes.md's one line.
  vite6: (dir, app, out) => viteBuild("vite6", dir, app, out, { target: "es2022" }),
  async "webpack (web)"(dir, app, out) {
    await webpackBuild(dir, `./${app}/main.js`, out, "app.js", "web");
    await writeFile(join(out, "index.html"), htmlFor(`<script src="app.js"></script>`));
  },
  async rollup(dir, app, out, { copy = true } = {}) {
    const { rollup } = await import("rollup");
    const { nodeResolve } = await import("@rollup/plugin-node-resolve");
    const bundle = await rollup({ input: join(dir, app, "main.js"), plugins: [nodeResolve()], logLevel: "warn" });
    // A directory, not a file: the server module is a chunk of its own (a dynamic import).
    await bundle.write({ dir: out, entryFileNames: "app.js", format: "es" });
    await bundle.close();
    if (copy) await copyWasm(dir, out, app === "decode-entry" ? "decode" : "web");
    await writeFile(join(out, "index.html"), htmlFor(`<script type="module" src="app.js"></script>`));
  },
  async esbuild(dir, app, out, { copy = true } = {}) {
    const { build } = await import("esbuild");
    await build({
      absWorkingDir: dir,
      entryPoints: [`${app}/main.js`],
      bundle: true,
      format: "esm",
      minify: true,
      // --splitting: the server module stays a chunk of its own (without it, esbuild inlines the import()).
      splitting: true,
      outdir: out,
      entryNames: "app",
      logLevel: "warning",
    });
    if (copy) await copyWasm(dir, out, app === "decode-entry" ? "decode" : "web");
    await writeFile(join(out, "index.html"), htmlFor(`<script type="module" src="app.js"></script>`));
  },
};

/** webpack --target webworker: the flow in a dedicated worker, the page (not bundled) only relays. */
export async function webpackWorker(dir, out) {
  await webpackBuild(dir, "./spa/worker.js", out, "worker.js", "webworker");
  const relay = `const worker = new Worker("worker.js");
const ready = new Promise((resolve, reject) => {
  worker.onmessage = resolve;
  worker.onerror = (e) => reject(new Error(e.message));
});
const flow = (config, href, pending) =>
  ready.then(
    () =>
      new Promise((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.postMessage({ config, href, pending });
      }),
  );
${page("flow")}`;
  await writeFile(join(out, "index.html"), htmlFor(`<script type="module">\n${relay}</script>`));
}

/** esbuild --platform=node, CJS or ESM (the wasm travels inside the bundle: nothing to copy). */
export async function esbuildNode(dir, format, out) {
  const { build } = await import("esbuild");
  const outfile = join(out, format === "cjs" ? "server.cjs" : "server.mjs");
  await build({
    absWorkingDir: dir,
    entryPoints: ["node/server.mjs"],
    bundle: true,
    platform: "node",
    format,
    target: "node20",
    outfile,
    logLevel: "error",
  });
  return outfile;
}

/** wrangler's own bundling, offline: a dry run that writes the Worker and its wasm to `out`, no login. */
export async function wranglerBuild(dir, out) {
  const env = {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_LOG: "warn",
    WRANGLER_LOG_PATH: join(out, "..", "wrangler-logs"),
    XDG_CONFIG_HOME: join(out, "..", "wrangler-config"),
    NO_UPDATE_NOTIFIER: "1",
    CI: "1",
  };
  delete env.CLOUDFLARE_API_TOKEN;
  delete env.CLOUDFLARE_ACCOUNT_ID;
  await run(bin("wrangler"), ["deploy", "--dry-run", "--outdir", out], { cwd: join(dir, "worker"), env });
}

/**
 * Every .js and .wasm file under `out`, its bytes raw and `gzip -9` (each file on its own, as served).
 * The server module's chunk and wasm, which a browser fetches only on a first device-flow, verification or
 * fleet call, are counted apart as `lazy` (bundlers keep "ctct_oauth_server" in their names).
 */
export async function shipped(out) {
  const files = (await readdir(out, { recursive: true })).filter((f) => /\.(m?js|wasm)$/.test(f)).sort();
  const zero = () => ({ raw: 0, gzip: 0 });
  const sum = { js: zero(), wasm: zero(), lazy: zero(), text: "" };
  const bytes = Object.fromEntries(await Promise.all(files.map(async (f) => [f, await readFile(join(out, f))])));
  const js = files.filter((f) => !f.endsWith(".wasm"));
  const allJs = js.map((f) => bytes[f].toString("utf8")).join("\n");
  // A wasm counts only if the emitted JS names it: a copied file that the build dropped every use of is not
  // something the app ever fetches.
  const used = files.filter((f) => !f.endsWith(".wasm") || allJs.includes(f.replace(/^.*\//, "")));
  for (const f of used) {
    const kind = /ctct_oauth_server/.test(f) ? "lazy" : f.endsWith(".wasm") ? "wasm" : "js";
    sum[kind].raw += bytes[f].length;
    sum[kind].gzip += execFileSync("gzip", ["-9", "-n", "-c"], { input: bytes[f], maxBuffer: 1 << 26 }).length;
    if (kind === "js") sum.text += bytes[f].toString("utf8");
  }
  return sum;
}
