// `ctct-oauth/decode` in headless Chromium: the decode-only module gives the main module's answers, and
// the entry ships a fraction of the main one.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { serveStatic, launchChromium, resultsFromPage } from "./js/harness.mjs";
import { report } from "./js/report.mjs";

const root = new URL("..", import.meta.url).pathname;
let server, browser;

before(async () => {
  server = await serveStatic(root);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("Chromium: the decode entry answers as the main entry does, bad inputs included", async (t) => {
  const { results, errors } = await resultsFromPage(browser, `${server.url}/tests/js/decode.html`);
  await report(t, results);
  assert.deepEqual(errors, [], "no console errors");
});

test("the decode entry ships less than a third of the main one (gzip -9, scripts/size.mjs)", () => {
  const rows = JSON.parse(execFileSync("node", [`${root}scripts/size.mjs`, "--json"], { encoding: "utf8" }));
  const [main, decode] = rows.map((r) => r.total.gzip);
  assert.match(rows[1].target, /decode/);
  assert.ok(decode * 3 < main, `decode ${decode} B, main ${main} B`);
});

test("the exports map sends browsers to the decode entry, and Node to the main one", async () => {
  const pkg = JSON.parse(readFileSync(`${root}pkg/package.json`, "utf8"));
  assert.equal(pkg.exports["./decode"].browser, "./dist/web/decode.js");
  const { decodeAccessToken, ConstantContactOAuth } = await import("ctct-oauth/decode");
  assert.equal(typeof decodeAccessToken, "function");
  assert.equal(typeof ConstantContactOAuth, "function", "Node's decode entry is the main entry");
});
