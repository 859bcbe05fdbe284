// The package in WebKit (Safari's engine, and every iOS browser's): Debian's WebKitGTK MiniBrowser driven
// through WebKitWebDriver on a private Xvfb display (the GTK port has no headless mode). The shared suite
// and the bad-input corpus in a page, with the smoke test's code exchange, key set verification and refresh
// against the local authorization server, cross-origin as a real app would; the same in a module worker;
// and the demo page's sign-in flow clicked through in the browser itself.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic } from "./js/harness.mjs";
import { launchWebKit } from "./js/webdriver.mjs";
import { report } from "./js/report.mjs";
import { startAuthServer } from "../authz-server/server.mjs";
import { prepareSmoke } from "./js/smoke-node.mjs";
import { startDemo } from "../scripts/demo.mjs";

const root = new URL("..", import.meta.url).pathname;
let app, authz, demo, webkit;

before(async () => {
  app = await serveStatic(root);
  authz = await startAuthServer({ trustedOrigins: [app.url] });
  demo = await startDemo({ port: 0, authzPort: 0 });
  webkit = await launchWebKit();
});
after(async () => {
  await webkit?.close();
  await demo?.close();
  await authz?.close();
  await app?.close();
});

/** Resolves when the page's `condition` (a JS expression) is truthy; null meanwhile keeps waitFor polling. */
const until = (condition, timeoutMs) => webkit.waitFor(`((${condition}) || null)`, timeoutMs);
const textOf = async (css) => webkit.text(await webkit.find(css));
const click = async (css) => webkit.click(await webkit.find(css));
const hidden = async (css) => webkit.property(await webkit.find(css), "hidden");

test("WebKit, page: the suite, the bad-input corpus and the smoke test against the local server", async (t) => {
  t.diagnostic(`${webkit.version} on Xvfb ${webkit.display}`);
  const smoke = encodeURIComponent(JSON.stringify(await prepareSmoke(authz)));
  await webkit.goto(`${app.url}/tests/js/browser.html?smoke=${smoke}`);
  const agent = await webkit.eval("return navigator.userAgent;");
  t.diagnostic(agent);
  // WebKit, not Blink (whose agent also says AppleWebKit) nor Gecko.
  assert.match(agent, /AppleWebKit\/[\d.]+/, agent);
  assert.doesNotMatch(agent, /Chrome|Chromium|Firefox|Gecko\/\d/, agent);
  const results = await webkit.waitFor("window.__results");
  assert.equal(results.filter((r) => r.name.startsWith("smoke: ")).length, 7, "the smoke test ran");
  await report(t, results);
});

test("WebKit, module worker: the suite and the bad-input corpus", async (t) => {
  await webkit.goto(`${app.url}/tests/js/browser.html?worker`);
  await report(t, await webkit.waitFor("window.__results"));
});

test("WebKit, demo: Connect with Constant Contact, sign in and allow, back signed in with the claims", async () => {
  await webkit.goto(demo.url);
  await webkit.find("body[data-ready]");
  assert.match(await textOf("#server"), /local test server/);
  await click("#advanced summary"); // the URL builder waits behind Settings
  await click("#build");
  const url = new URL(await textOf("#authUrl"));
  assert.equal(url.origin, demo.authz.origin);
  assert.equal(url.searchParams.get("code_challenge_method"), "S256");
  assert.equal(url.searchParams.get("state"), await textOf("#authState"));

  const connect = await webkit.find("#connect");
  assert.equal(await webkit.text(connect), "Connect with Constant Contact");
  await webkit.click(connect);
  await click("#sign-in"); // the local server's sign-in page (find waits for it to load)
  await click("#allow");
  await until(`/Signed in/.test(document.querySelector("#connectStatus")?.textContent ?? "")`, 20_000);
  const back = new URL(await webkit.url());
  assert.equal(back.origin + back.pathname, demo.url, "back on the demo page");
  assert.match(await textOf("#sessionClaims"), /cc-pkce/);
  assert.equal(await hidden("#connectError"), true, `no error shown: ${await textOf("#connectError")}`);
  await until(`!document.querySelector("#sessionOut").hidden`);
  assert.match(await textOf("#tokenSet"), /access token.*…/s, "tokens are shown redacted");
});

test("WebKit, demo: the session refreshes, calls the API and signs out; a tampered state is refused", async () => {
  const stats = async () => (await fetch(`${demo.authz.origin}/__admin/stats`)).json();
  const accessToken = `document.querySelector('#tokenSet tr[data-row="access token"] td:last-child').textContent`;
  const before = await webkit.eval(`return ${accessToken};`);
  const refreshes = (await stats()).tokenByGrant.refresh_token ?? 0;
  await click("#refreshNow");
  await until(`/^Refreshed/.test(document.querySelector("#sessionStatus").textContent)`, 15_000);
  assert.notEqual(await webkit.eval(`return ${accessToken};`), before);
  assert.equal((await stats()).tokenByGrant.refresh_token, refreshes + 1);

  await click("#callApi");
  await until(`!document.querySelector("#apiResult").hidden`, 15_000);
  assert.match(await textOf("#apiResult"), /"contact_email": "owner@example.com"/);

  await click("#signOut");
  await until(`!document.querySelector("#sessionEmpty").hidden`, 15_000);
  assert.match(await textOf("#sessionStatus"), /Signed out/);
  assert.equal((await stats()).revoke, 1);

  await click("#advanced summary");
  await click("#build");
  await webkit.goto(`${demo.url}?code=Wdvjb7a8T3Y4uSk&state=tampered`);
  await webkit.find("body[data-ready]");
  assert.equal(await textOf("#connectError .code"), "state_mismatch");
});
