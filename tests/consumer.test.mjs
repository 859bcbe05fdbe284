// The packed tarball, installed into a fresh project as a user would, imported through ESM and CJS.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cp, mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { readdirSync } from "node:fs";
import { build } from "esbuild";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { report } from "./js/report.mjs";

const run = promisify(execFile);
const pkgDir = new URL("../pkg/", import.meta.url).pathname;
let project, files;

before(async () => {
  const packDir = await mkdtemp(join(tmpdir(), "ctct-pack-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", packDir], { cwd: pkgDir });
  const [info] = JSON.parse(stdout);
  files = info.files.map((f) => f.path).sort();
  project = await mkdtemp(join(tmpdir(), "ctct-consumer-"));
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, version: "1.0.0" }));
  // The package has no dependencies, so the install needs no registry.
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", join(packDir, info.filename)], { cwd: project });
  await cp(new URL("./js/suite.mjs", import.meta.url), join(project, "suite.mjs"));
  await cp(new URL("./js/bad-inputs.mjs", import.meta.url), join(project, "bad-inputs.mjs"));
  await cp(new URL("./js/b64.mjs", import.meta.url), join(project, "b64.mjs"));
  await writeFile(
    join(project, "esm.mjs"),
    `import * as lib from "ctct-oauth";
import { runSuite } from "./suite.mjs";
const entry = import.meta.resolve("ctct-oauth");
if (!entry.endsWith("/dist/node/bundler.mjs")) throw new Error("wrong entry " + entry);
console.log(JSON.stringify(await runSuite(lib, { browser: false })));
`,
  );
  await writeFile(
    join(project, "cjs.cjs"),
    `const lib = require("ctct-oauth");
if (!require.resolve("ctct-oauth").endsWith("/dist/node/index.cjs")) throw new Error("wrong entry");
import("./suite.mjs")
  .then(({ runSuite }) => runSuite(lib, { browser: false }))
  .then((r) => console.log(JSON.stringify(r)));
`,
  );
});

test("the tarball holds one entry per runtime, the wasm and the types, and nothing else", () => {
  // The browser entry is pkg/lib as one module per file (tree-shaking): exactly its .js files, no others.
  const lib = readdirSync(new URL("../pkg/lib/", import.meta.url), { recursive: true })
    .filter((f) => f.endsWith(".js"))
    .map((f) => `dist/web/lib/${f}`);
  // The command: its entry, and its modules (pkg/cli/*.mjs).
  const cli = readdirSync(new URL("../pkg/cli/", import.meta.url))
    .filter((f) => f.endsWith(".mjs"))
    .map((f) => `cli/${f}`)
    .sort();
  assert.deepEqual(
    files,
    [
      "README.md",
      "bin/ctct-oauth.mjs",
      ...cli,
      "decode.d.cts",
      "decode.d.ts",
      "dist/node/bundler.mjs",
      "dist/node/ctct_oauth_bg.wasm",
      "dist/node/file-store.cjs",
      "dist/node/index.cjs",
      "dist/web/browser.js",
      "dist/web/ctct_oauth.js",
      "dist/web/ctct_oauth_bg.wasm",
      "dist/web/ctct_oauth_decode_bg.wasm",
      "dist/web/ctct_oauth_server.js",
      "dist/web/ctct_oauth_server_bg.wasm",
      "dist/web/decode.js",
      "dist/web/deno.js",
      "dist/web/edge-light.js",
      ...lib,
      "dist/web/workerd.js",
      "file-store.d.cts",
      "file-store.d.ts",
      "index.d.cts",
      "index.d.ts",
      "package.json",
    ].sort(),
  );
});

test("installed package, ESM", async (t) => {
  const { stdout } = await run("node", ["esm.mjs"], { cwd: project });
  await report(t, JSON.parse(stdout));
});

test("installed package, CommonJS", async (t) => {
  const { stdout } = await run("node", ["cjs.cjs"], { cwd: project });
  await report(t, JSON.parse(stdout));
});

test("ctct-oauth/file-store: import and require give a working store; a session refreshes through it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ctct-consumer-files-"));
  const esm = `import { fileStore } from "ctct-oauth/file-store";
import { ConstantContactOAuth } from "ctct-oauth";
const store = fileStore(process.argv[2]);
const auth = new ConstantContactOAuth({ clientId: "c" });
const session = auth.session({ store });
await session.setTokens({ accessToken: "opaque", expiresAt: 4e9 });
const lock = await store.lock("refresh", 1000);
const out = { version: (await store.get()).version, token: await session.accessToken(), lock: !!lock.lease };
console.log(JSON.stringify(out));`;
  await writeFile(join(project, "file-store.mjs"), esm);
  const out = JSON.parse((await run("node", ["file-store.mjs", join(dir, "a")], { cwd: project })).stdout);
  assert.deepEqual(out, { version: 1, token: "opaque", lock: true });
  const cjs = `const { fileStore } = require("ctct-oauth/file-store");
fileStore(process.argv[2]).get().then((r) => console.log(JSON.stringify(r)));`;
  await writeFile(join(project, "file-store.cjs"), cjs);
  const read = JSON.parse((await run("node", ["file-store.cjs", join(dir, "a")], { cwd: project })).stdout);
  assert.equal(read.version, 1, "require() reads what import wrote");
});

test("installed package has no source, build files or tests", async () => {
  const top = await readdir(join(project, "node_modules", "ctct-oauth"));
  assert.deepEqual(top.sort(), [
    "README.md",
    "bin",
    "cli",
    "decode.d.cts",
    "decode.d.ts",
    "dist",
    "file-store.d.cts",
    "file-store.d.ts",
    "index.d.cts",
    "index.d.ts",
    "package.json",
  ]);
});

// Node's `import` loads the CJS entry through createRequire (fast, one instance), which bundlers cannot
// follow: a server bundled with esbuild must take the "module" entry instead and still work, with
// import and require of the package meeting in one instance.
test("a Node server bundled with esbuild uses the bundler entry and works", async () => {
  await writeFile(
    join(project, "server.mjs"),
    `import { createPkce, tokenExpiresAt, CtctOAuthError } from "ctct-oauth";
const cjs = require("ctct-oauth");
let code;
try {
  tokenExpiresAt("not a token");
} catch (e) {
  code = e instanceof CtctOAuthError && e instanceof cjs.CtctOAuthError && e.code;
}
console.log(JSON.stringify({ verifier: createPkce().codeVerifier.length, code, same: cjs.createPkce === createPkce }));
`,
  );
  const out = join(project, "bundle");
  await mkdir(out, { recursive: true });
  const result = await build({
    absWorkingDir: project,
    entryPoints: ["server.mjs"],
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile: join(out, "server.cjs"),
    metafile: true,
    logLevel: "error",
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(
    inputs.some((f) => f.endsWith("dist/node/bundler.mjs")),
    inputs.join(", "),
  );
  assert.ok(!inputs.some((f) => f.endsWith("dist/node/index.cjs")), inputs.join(", "));
  // Nothing copied beside the bundle: the entry carries its wasm.
  const { stdout } = await run("node", ["server.cjs"], { cwd: out });
  assert.deepEqual(JSON.parse(stdout), { verifier: 43, code: "invalid_jwt", same: true });
});
