// Two tabs of one origin in Chromium, both needing a refresh of the same rotating pair: the Web Lock
// lets one refresh while the other waits and adopts the result from IndexedDB (consistent across tabs;
// localStorage was seen to lag between tabs and fail this test about one run in six under load).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ConstantContactOAuth } from "ctct-oauth";
import { serveStatic, launchChromium } from "./js/harness.mjs";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
import { ScriptedUser } from "./js/user-agent.mjs";
import { expired as expiredPair } from "./js/local-server.mjs";

const root = new URL("..", import.meta.url).pathname;
let app, authz, browser;

before(async () => {
  app = await serveStatic(root);
  authz = await startAuthServer({ redirectUris: [`${app.url}/tests/js/session.html`], trustedOrigins: [app.url] });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await authz?.close();
  await app?.close();
});

test("Chromium: two tabs needing a refresh at once make exactly one token request", async () => {
  const config = {
    clientId: CLIENTS.pkce.id,
    endpoints: authz.endpoints,
    allowInsecureLoopback: true,
    scopes: ["account_read"],
  };
  const page = `${app.url}/tests/js/session.html?config=${encodeURIComponent(JSON.stringify(config))}`;
  // A real pair for the public client, obtained as the app would (from Node here, for brevity).
  const auth = new ConstantContactOAuth({ ...config, redirectUri: `${app.url}/tests/js/session.html` });
  const req = auth.authorizationUrl();
  const back = await new ScriptedUser().authorize(req.url, { redirectUri: `${app.url}/tests/js/session.html` });
  const tokens = await auth.exchangeCode(auth.parseRedirect(back, { state: req.state }).code, {
    codeVerifier: req.codeVerifier,
  });
  const expired = expiredPair(tokens);

  const context = await browser.newContext(); // one origin's storage and locks, shared by its tabs
  const [tab1, tab2] = [await context.newPage(), await context.newPage()];
  for (const tab of [tab1, tab2]) {
    await tab.goto(page);
    await tab.waitForFunction(() => window.ready === true);
  }
  await tab1.evaluate((t) => window.setTokens(t), JSON.parse(JSON.stringify(expired)));
  await fetch(`${authz.origin}/__admin/reset`, { method: "POST" });
  const [a, b] = await Promise.all([
    tab1.evaluate(() => window.accessToken()),
    tab2.evaluate(() => window.accessToken()),
  ]);
  assert.equal(a.ok, true, a.message);
  assert.equal(b.ok, true, b.message);
  assert.equal(a.token, b.token, "both tabs hold the same new token");
  assert.notEqual(a.token, expired.accessToken);
  const stats = await (await fetch(`${authz.origin}/__admin/stats`)).json();
  assert.equal(stats.tokenByGrant.refresh_token, 1, "exactly one token request for both tabs");
  await context.close();
});
