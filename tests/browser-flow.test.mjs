// The PKCE flow in headless Chromium against the local server, with real CORS: the login and consent
// pages are clicked through, and the token requests are cross-origin fetches from the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic, launchChromium, pkceConfigParam } from "./js/harness.mjs";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";

const root = new URL("..", import.meta.url).pathname;
let app, stranger, authz, browser;

before(async () => {
  app = await serveStatic(root);
  stranger = await serveStatic(root); // another origin, never registered with the client
  authz = await startAuthServer({ redirectUris: [`${app.url}/tests/js/pkce.html`], trustedOrigins: [app.url] });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await authz?.close();
  await app?.close();
  await stranger?.close();
});

const config = () => pkceConfigParam(authz, CLIENTS.pkce.id);

test("Chromium: PKCE login through the real pages, cross-origin exchange and refresh", async () => {
  await fetch(`${authz.origin}/__admin/reset`, { method: "POST" });
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${app.url}/tests/js/pkce.html?config=${config()}`);
  await page.waitForSelector("#sign-in");
  assert.ok(page.url().startsWith(authz.origin), "the browser went to the authorization server");
  await page.click("#sign-in");
  await page.waitForSelector("#allow");
  await page.click("#allow");
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20_000 });
  const result = await page.evaluate(() => window.__result);
  assert.deepEqual(result, {
    ok: true,
    rotated: true,
    clientId: CLIENTS.pkce.id,
    scopes: ["account_read"],
    hasRefresh: true,
  });
  const stats = await (await fetch(`${authz.origin}/__admin/stats`)).json();
  assert.equal(stats.token, 2, "exchange + refresh, nothing more");
  assert.deepEqual(errors, []);
  await page.close();
});

test("Chromium: an origin the server does not trust: CORS blocks the answer, network_error says why", async () => {
  const page = await browser.newPage();
  await page.goto(`${stranger.url}/tests/js/pkce.html?exchange=1&config=${config()}`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20_000 });
  const result = await page.evaluate(() => window.__result);
  assert.equal(result.ok, false);
  assert.equal(result.code, "network_error");
  assert.equal(result.isError, true);
  assert.match(result.hint, /CORS/);
  assert.match(result.hint, /origin it trusts for the application/, "the hint names Okta's trusted-origin rule");
  await page.close();
});

test("Chromium: a confidential id in a browser reads no answer: network_error points server-side", async () => {
  // The library refuses the secret itself in a browser (secret_in_browser, in the shared suite), so the
  // browser never sends Basic credentials; the server refuses CORS to a confidential client, and the
  // error says to exchange on a server.
  const confidential = encodeURIComponent(
    JSON.stringify({ clientId: CLIENTS.confidential.id, endpoints: authz.endpoints, allowInsecureLoopback: true }),
  );
  const page = await browser.newPage();
  await page.goto(`${app.url}/tests/js/pkce.html?exchange=1&config=${confidential}`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20_000 });
  const result = await page.evaluate(() => window.__result);
  assert.equal(result.code, "network_error");
  assert.match(result.hint, /server/);
  await page.close();
});
