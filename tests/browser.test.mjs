// The package in headless Chromium: native ESM through an import map, a module worker, and an app
// bundled by esbuild (the bundler check), all running the shared suite.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { build } from "esbuild";
import { serveStatic, launchChromium, resultsFromPage } from "./js/harness.mjs";
import { report } from "./js/report.mjs";

const root = new URL("..", import.meta.url).pathname;
const out = new URL("../test-output/bundle/", import.meta.url).pathname;
let server, browser;

before(async () => {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  // esbuild resolves "ctct-oauth" through the package's `browser` condition, as in a user's app.
  await build({
    entryPoints: [`${root}tests/js/bundle-entry.mjs`],
    bundle: true,
    format: "esm",
    platform: "browser",
    outfile: `${out}app.js`,
    logLevel: "warning",
  });
  await writeFile(
    `${out}index.html`,
    '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="app.js"></script>',
  );
  // The same bundle without the wasm copied beside it, to check the failure says what to do.
  await mkdir(`${out}no-wasm`, { recursive: true });
  await cp(`${out}app.js`, `${out}no-wasm/app.js`);
  await cp(`${out}index.html`, `${out}no-wasm/index.html`);
  for (const wasm of ["ctct_oauth_bg.wasm", "ctct_oauth_server_bg.wasm"])
    await cp(`${root}pkg/dist/web/${wasm}`, out + wasm);
  server = await serveStatic(root);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function run(t, path) {
  const { results, errors } = await resultsFromPage(browser, server.url + path);
  await report(t, results);
  assert.deepEqual(errors, [], "no console errors");
}

test("Chromium, native ESM", (t) => run(t, "/tests/js/browser.html"));
test("Chromium, module worker", (t) => run(t, "/tests/js/browser.html?worker"));
test("Chromium, esbuild bundle", (t) => run(t, "/test-output/bundle/index.html"));

test("an esbuild bundle without the .wasm beside it fails with instructions", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.url}/test-output/bundle/no-wasm/index.html`);
  await page.waitForTimeout(500);
  await page.close();
  assert.ok(
    errors.some((m) => m.includes("copy node_modules/ctct-oauth/dist/web/ctct_oauth_bg.wasm")),
    errors.join("\n"),
  );
});

test("no server wasm: a device-flow call rejects with a typed error that says what to copy", async () => {
  const dir = `${out}no-server/`;
  await mkdir(dir, { recursive: true });
  await build({
    stdin: { contents: 'export * from "ctct-oauth";', resolveDir: root },
    bundle: true,
    format: "esm",
    platform: "browser",
    outfile: `${dir}lib.js`,
    logLevel: "warning",
  });
  await cp(`${root}pkg/dist/web/ctct_oauth_bg.wasm`, `${dir}ctct_oauth_bg.wasm`);
  const page = await browser.newPage();
  await page.goto(`${server.url}/test-output/bundle/no-server/lib.js`); // same origin for the import below
  const attempt = () =>
    page.evaluate(async () => {
      const lib = await import("/test-output/bundle/no-server/lib.js");
      const auth = new lib.ConstantContactOAuth({ clientId: "cc-device" });
      try {
        await auth.startDeviceAuthorization();
        return "resolved";
      } catch (e) {
        return { typed: e instanceof lib.CtctOAuthError, code: e.code, message: e.message, cause: !!e.cause };
      }
    });
  const seen = [await attempt(), await attempt()];
  // Once the file is served, the next call loads the module (a failed load is not kept): the request itself
  // then fails offline, as a network_error of its own.
  await cp(`${root}pkg/dist/web/ctct_oauth_server_bg.wasm`, `${dir}ctct_oauth_server_bg.wasm`);
  const after = await attempt();
  await page.close();
  for (const e of seen) {
    assert.equal(e.typed, true, JSON.stringify(e));
    assert.equal(e.code, "network_error");
    assert.match(e.message, /dist\/web\/ctct_oauth_server_bg\.wasm/);
    assert.equal(e.cause, true);
  }
  assert.equal(after.code, "network_error", JSON.stringify(after));
  assert.doesNotMatch(after.message, /second module/);
});
