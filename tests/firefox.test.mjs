// The package in Firefox ESR (Debian's firefox-esr, driven through geckodriver): the shared suite and the
// bad-input corpus in a page and in a module worker, and the smoke test's code exchange, key set
// verification and refresh against the local authorization server, cross-origin as a real app would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic } from "./js/harness.mjs";
import { launchFirefox } from "./js/webdriver.mjs";
import { report } from "./js/report.mjs";
import { startAuthServer } from "../authz-server/server.mjs";
import { prepareSmoke } from "./js/smoke-node.mjs";

const root = new URL("..", import.meta.url).pathname;
let app, authz, firefox;

before(async () => {
  app = await serveStatic(root);
  authz = await startAuthServer({ trustedOrigins: [app.url] });
  firefox = await launchFirefox();
});
after(async () => {
  await firefox?.close();
  await authz?.close();
  await app?.close();
});

test("Firefox ESR, page: the suite, the bad-input corpus and the smoke test against the local server", async (t) => {
  t.diagnostic(firefox.version);
  const smoke = encodeURIComponent(JSON.stringify(await prepareSmoke(authz)));
  await firefox.goto(`${app.url}/tests/js/browser.html?smoke=${smoke}`);
  const agent = await firefox.eval("return navigator.userAgent;");
  assert.match(agent, /Firefox\//, agent);
  const results = await firefox.waitFor("window.__results");
  assert.equal(results.filter((r) => r.name.startsWith("smoke: ")).length, 7, "the smoke test ran");
  await report(t, results);
});

test("Firefox ESR, module worker: the suite and the bad-input corpus", async (t) => {
  await firefox.goto(`${app.url}/tests/js/browser.html?worker`);
  await report(t, await firefox.waitFor("window.__results"));
});
