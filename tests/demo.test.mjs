// The demo page (www/) in headless Chromium at 1280 and 390 px, against the local server started as
// scripts/demo.sh starts it: what a newcomer meets, step by step. Screenshots go to test-output/screenshots/;
// the 1280 px run's "after an API call" is the README's docs/demo.png (rewritten when the page changes).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { launchChromium } from "./js/harness.mjs";
import { runDemo } from "./js/demo-process.mjs";
import { README_SHOT, hashOf, sourcesHash, withHash } from "./js/readme-shot.mjs";
import * as check from "./js/demo-checks.mjs";

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
let demo, browser, endpoints, readmePng;

before(async () => {
  await mkdir(check.shotsDir, { recursive: true });
  demo = await runDemo();
  browser = await launchChromium();
  endpoints = (await (await fetch(`${demo.url}local-config.json`)).json()).endpoints;
  // The device flow checks every second instead of every 5, so its steps are quick to see.
  await check.configure(demo.authzOrigin, { deviceInterval: 1 });
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

test("start-up: the banner sends the browser to 127.0.0.1 and prints no warnings", () => {
  assert.match(demo.url, /^http:\/\/127\.0\.0\.1:\d+\/www\/$/, demo.startup);
  assert.match(demo.authzOrigin, /^http:\/\/127\.0\.0\.1:\d+$/, demo.startup);
  const other = demo.startup.split("\n").filter((line) => line.includes("127.0.0.2"));
  for (const line of other) assert.match(line, /stands in for identity\.constantcontact\.com/);
  // Quieting oidc-provider's own start-up warnings is authz-server/server.mjs's part (a change of its own).
  assert.doesNotMatch(demo.startup, /WARNING|Unsupported runtime|in-memory adapter/, demo.startup);
});

/** Approves (or denies) a device code from another browser, as `login`. */
async function approveDevice(link, userCode, login, decision) {
  const approver = await browser.newPage(); // its own context: another device
  try {
    await approver.goto(link); // the complete URI: the code is filled in
    await approver.waitForSelector("button[form='op.deviceConfirmForm']");
    assert.match(await approver.textContent("main"), new RegExp(userCode));
    if (decision === "deny") return await approver.click("button[form='op.deviceConfirmForm'][name=abort]");
    await approver.click("button[form='op.deviceConfirmForm']:not([name])");
    await approver.fill("#login", login);
    await approver.click("#sign-in");
    await approver.click("#allow");
    await approver.waitForSelector("text=Device connected");
  } finally {
    await approver.close();
  }
}

for (const width of [1280, 390]) {
  describe(`the demo page at ${width} px`, () => {
    let context, page, consoleErrors;
    const origin = () => new URL(demo.url).origin;
    const open = async (url = demo.url) => {
      await page.goto(url);
      await page.waitForSelector("body[data-ready]");
    };
    /** Each pending device poll is a 400 from the token endpoint, which the page explains beside the flow. */
    const pendingPoll = (e) => e.url === endpoints.token && /status of 400/.test(e.text);
    /** No console error or uncaught exception in this step but those `expected` allows. */
    const noOtherErrors = (step, expected = () => false) => {
      const other = consoleErrors.take().filter((e) => !expected(e));
      assert.deepEqual(other, [], `${step}: console errors`);
    };
    const devicePolls = async () => (await check.stats(demo.authzOrigin)).tokenByGrant[DEVICE_GRANT] ?? 0;
    const deviceText = () => page.$eval("#deviceCard", (c) => c.innerText);

    before(async () => {
      context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 900 } });
      page = await context.newPage();
      consoleErrors = check.watchConsole(page);
    });
    after(() => context?.close());

    test("opens on Connect with Constant Contact: the first control, a prominent button", async () => {
      await open();
      assert.match(await page.textContent("#server"), /^the local test server at http:\/\/127\.0\.0\.1:\d+$/);
      const first = await page.$eval("main :is(button, a[href], input, select, textarea, summary)", (c) => c.id);
      assert.equal(first, "connect");
      assert.equal(await page.textContent("#connect"), "Connect with Constant Contact");
      const box = await page.locator("#connect").boundingBox();
      assert.ok(box.height >= 44 && box.width >= 250, `a big button: ${JSON.stringify(box)}`);
      assert.ok(box.y + box.height <= page.viewportSize().height, "on the first screen");
      assert.equal(await page.isVisible("#build"), false, "the URL builder waits behind Settings");
      await check.checkLayout(page, width, "first screen");
      await check.shot(page, "demo-start", width);
      noOtherErrors("first screen");
    });

    test("Connect signs in with PKCE: the session and its claims name the user; no token in clear", async () => {
      await page.click("#connect");
      await page.click("#sign-in"); // as owner@example.com
      await page.click("#allow");
      await page.waitForSelector("#connectStatus.ok", { timeout: 15_000 });
      assert.match(
        await page.textContent("#connectStatus"),
        /^Signed in as owner@example\.com, with a refresh token: your session is in 2 below\.$/,
      );
      assert.equal(await page.textContent("#sessionWho"), "Signed in as owner@example.com");
      assert.equal(await check.row(page, "#sessionClaims", "subject (user)"), "owner@example.com");
      assert.equal(await check.row(page, "#sessionClaims", "client id (cid)"), "cc-pkce");
      assert.match(await page.textContent("#countdown"), /^Access token expires in 2[34] h/);
      assert.match(await check.row(page, "#tokenSet", "access token"), /^eyJ[\w-]{5}…[\w-]{4}Copy$/);
      await check.assertNoSecretsShown(page, await check.storedTokens(page), "signed in");
      assert.equal(await page.inputValue("#token"), "", "the decoder is left for pasting");
      await check.checkLayout(page, width, "signed in");
      await check.shot(page, "demo-signed-in", width);
      noOtherErrors("sign-in");
    });

    test("Copy: with permission the full token; without, a note and the token selected, nothing uncaught", async () => {
      const tokens = await check.storedTokens(page);
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: origin() });
      await page.click('#tokenSet tr[data-row="access token"] .copy');
      await page.waitForSelector('#tokenSet tr[data-row="access token"] .copy:text("Copied")');
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), tokens.accessToken);
      // Denied, as a browser or its policy may: writeText rejects.
      const cdp = await context.newCDPSession(page);
      const { browserContextId } = (await cdp.send("Target.getTargetInfo")).targetInfo;
      const permission = { name: "clipboard-write" };
      await cdp.send("Browser.setPermission", { permission, setting: "denied", origin: origin(), browserContextId });
      await page.click('#tokenSet tr[data-row="refresh token"] .copy');
      const note = await page.waitForSelector('#tokenSet tr[data-row="refresh token"] .copy-note');
      assert.match(await note.textContent(), /did not let the page copy .*selected: press Ctrl\+C/);
      const selected = await page.evaluate(() => {
        const f = document.activeElement;
        return { value: f.value, start: f.selectionStart, end: f.selectionEnd };
      });
      assert.deepEqual(selected, { value: tokens.refreshToken, start: 0, end: tokens.refreshToken.length });
      await check.checkLayout(page, width, "copy refused");
      await check.shot(page, "demo-copy-refused", width);
      noOtherErrors("copy");
    });

    test("Refresh now: a new access token, the expiry line moves, and a confirmation says so", async () => {
      const before = await check.row(page, "#tokenSet", "expires");
      const token = await check.row(page, "#tokenSet", "access token");
      const refreshes = (await check.stats(demo.authzOrigin)).tokenByGrant.refresh_token ?? 0;
      await page.waitForTimeout(1100); // the server's exp counts whole seconds: a second after the last token
      await page.click("#refreshNow");
      await page.waitForSelector("#sessionStatus.ok");
      const confirmation = await page.textContent("#sessionStatus");
      assert.match(confirmation, /^Refreshed at .+: a new access token \([\w-]{8}…[\w-]{4}\) and a new refresh token/);
      assert.match(confirmation, /\. It expires .+, [1-9]\d* s later than before\.$/);
      assert.notEqual(await check.row(page, "#tokenSet", "expires"), before, "the expiry line moved");
      assert.notEqual(await check.row(page, "#tokenSet", "access token"), token);
      assert.equal(await page.locator("#tokenSet tr.changed").count(), 4, "the four changed rows are marked");
      assert.equal((await check.stats(demo.authzOrigin)).tokenByGrant.refresh_token, refreshes + 1);
      await check.assertNoSecretsShown(page, await check.storedTokens(page), "refreshed");
      await check.checkLayout(page, width, "refreshed");
      await check.shot(page, "demo-refreshed", width);
      noOtherErrors("refresh");
    });

    test("Call API: the account summary; a refused call shows its error right under the button", async () => {
      await page.click("#callApi");
      await page.waitForSelector("#apiResult:not([hidden])");
      assert.match(await page.textContent("#apiResult"), /"contact_email": "owner@example.com"/);
      assert.match(await page.textContent("#sessionStatus"), /^Called GET \/account\/summary at /);
      await check.checkLayout(page, width, "API called");
      await check.shot(page, "demo-api", width);
      if (width === 1280) readmePng = await page.screenshot({ fullPage: true });
      noOtherErrors("API call");
      await check.configure(demo.authzOrigin, { api429: "throttled" });
      try {
        await page.click("#callApi");
        assert.equal(await check.errorNear(page, "#callApi", "#sessionError"), "rate_limited");
      } finally {
        await check.configure(demo.authzOrigin, { api429: null });
      }
      assert.equal(await page.isHidden("#sessionStatus"), true, "no line says the call is still under way");
      await check.checkLayout(page, width, "API refused");
      await check.shot(page, "demo-api-refused", width);
      noOtherErrors("API refused", (e) => e.url.startsWith(endpoints.apiBase) && /status of 429/.test(e.text));
    });

    test("device flow: time left and progress; Start disabled while polling; Cancel stops it, no error", async () => {
      await page.click("#deviceStart");
      await page.waitForSelector("#deviceOut:not([hidden])");
      assert.match(await page.textContent("#userCode"), /^[A-Z]{4}-[A-Z]{4}$/);
      assert.equal(await page.isDisabled("#deviceStart"), true, "Start is disabled while polling");
      assert.equal(await page.isVisible("#deviceCancel"), true);
      const timeLeft = await page.textContent("#deviceTimeLeft");
      assert.match(timeLeft, /^The code expires in (9 min [45]\d s|10 min 0 s)\.$/);
      const bar = await page.$eval("#deviceProgress", (p) => ({ max: p.max, value: p.value }));
      assert.ok(bar.max === 600 && bar.value > 580 && bar.value <= 600, JSON.stringify(bar));
      await page.waitForFunction(() =>
        /checked [2-9]× so far, every 1 s/.test(document.querySelector("#deviceStatus").textContent),
      );
      assert.equal(await page.isVisible("#deviceSpinner"), true);
      assert.notEqual(await page.textContent("#deviceTimeLeft"), timeLeft, "the time left counts down");
      await check.checkLayout(page, width, "device waiting");
      await check.shot(page, "demo-device-waiting", width);
      // Each pending poll logs a 400; the page says why, beside the flow.
      assert.match(await page.textContent("#deviceConsoleNote"), /400 authorization_pending.*consoles/s);
      const attempts = Number((await page.textContent("#deviceStatus")).match(/checked (\d+)×/)[1]);
      const logged = consoleErrors.take();
      assert.ok(logged.every(pendingPoll), JSON.stringify(logged));
      assert.ok(logged.length >= attempts && logged.length <= attempts + 1, `${logged.length} 400s, ${attempts} polls`);
      // A second Start while polling does nothing; Cancel then stops every poll.
      await page.click("#deviceStart", { force: true });
      await page.click("#deviceCancel");
      await page.waitForSelector("#deviceCard[data-state=cancelled]");
      const polls = await devicePolls();
      await page.waitForTimeout(2500);
      assert.equal(await devicePolls(), polls, "no poll after Cancel");
      assert.match(await page.textContent("#deviceStatus"), /Cancelled: polling stopped/);
      assert.doesNotMatch(await deviceText(), /Waiting|aborted|expires in/);
      assert.equal(await page.isHidden("#deviceError"), true, "a cancel is not an error");
      assert.equal(await page.isEnabled("#deviceStart"), true);
      assert.equal(await page.isHidden("#deviceCancel"), true);
      await check.checkLayout(page, width, "device cancelled");
      await check.shot(page, "demo-device-cancelled", width);
      noOtherErrors("device cancelled", pendingPoll);
    });

    test("device flow approved as another user: session, card and claims show that user; it signs out", async () => {
      const revokes = (await check.stats(demo.authzOrigin)).revoke;
      await page.click("#deviceStart");
      await page.waitForSelector("#deviceOut:not([hidden])");
      const link = await page.getAttribute("#deviceLink", "href");
      await approveDevice(link, await page.textContent("#userCode"), "device-user@example.com", "allow");
      await page.waitForSelector("#deviceCard[data-state=connected]", { timeout: 20_000 });
      const status = await page.textContent("#deviceStatus");
      assert.match(status, /Device connected as device-user@example\.com: it is now this page's session \(2\)\./);
      assert.match(status, /The earlier session \(owner@example\.com\) was signed out/);
      assert.equal(await page.textContent("#sessionWho"), "Signed in as device-user@example.com");
      assert.match(await page.textContent("#sessionHow"), /^through the device flow \(3\), client id cc-device;/);
      assert.equal(await check.row(page, "#sessionClaims", "subject (user)"), "device-user@example.com");
      assert.equal(await check.row(page, "#sessionClaims", "client id (cid)"), "cc-device");
      assert.equal((await check.stats(demo.authzOrigin)).revoke, revokes + 1, "the earlier session was revoked");
      // Nothing said of the earlier session stays: its sign-in line, its API call's error.
      assert.equal(await page.isHidden("#connectStatus"), true);
      assert.equal(await page.isHidden("#sessionError"), true);
      await check.assertNoSecretsShown(page, await check.storedTokens(page), "device connected");
      await check.checkLayout(page, width, "device connected");
      await check.shot(page, "demo-device-connected", width);
      noOtherErrors("device approved", pendingPoll);
      await page.click("#signOut"); // the device's session signs out like any other
      await page.waitForSelector("#sessionEmpty:not([hidden])");
      assert.match(await page.textContent("#sessionStatus"), /refresh token was revoked at the server/);
      assert.doesNotMatch(await deviceText(), /Device connected/, "the device card follows the session");
      assert.equal((await check.stats(demo.authzOrigin)).revoke, revokes + 2);
      assert.equal(await check.storedTokens(page), undefined);
      await open(); // and stays signed out
      assert.equal(await page.isVisible("#sessionEmpty"), true);
      await check.checkLayout(page, width, "signed out");
      noOtherErrors("device signed out");
    });

    test("device flow denied: access_denied right under Start, and the card says the flow stopped", async () => {
      await page.click("#deviceStart");
      await page.waitForSelector("#deviceOut:not([hidden])");
      const link = await page.getAttribute("#deviceLink", "href");
      await approveDevice(link, await page.textContent("#userCode"), "device-user@example.com", "deny");
      assert.equal(await check.errorNear(page, "#deviceStart", "#deviceError"), "access_denied");
      assert.match(await page.textContent("#deviceStatus"), /Stopped: the device flow did not complete/);
      assert.equal(await page.isEnabled("#deviceStart"), true);
      await check.checkLayout(page, width, "device denied");
      await check.shot(page, "demo-device-denied", width);
      noOtherErrors("device denied", pendingPoll); // the last 400 is the denial, shown on the page
    });

    test("decoder: a sample's claims; a pasted authorization code's error right under Decode", async () => {
      await page.click("#sample");
      assert.equal(await check.row(page, "#claims", "client id (cid)"), "cc-pkce");
      assert.match(await page.textContent("#decodedCountdown"), /^Expires in 2[34] h/);
      await page.fill("#token", "Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK-0s");
      await page.click("#decodeBtn");
      assert.equal(await check.errorNear(page, "#decodeBtn", "#decoderError"), "authorization_code_not_token");
      assert.match(await page.textContent("#decoderError .message"), /exchange it first/);
      await check.checkLayout(page, width, "decoder");
      await check.shot(page, "demo-decoder", width);
      noOtherErrors("decoder");
    });

    test("back from the server: a tampered state and a denied consent show right under Connect", async () => {
      await page.click("#advanced summary");
      await page.click("#build");
      assert.match(await page.textContent("#authUrl"), /code_challenge_method=S256/);
      await check.checkLayout(page, width, "authorize URL");
      await open(`${demo.url}?code=Wdvjb7a8T3Y4uSk&state=tampered`);
      assert.equal(await check.errorNear(page, "#connect", "#connectError"), "state_mismatch");
      await check.shot(page, "demo-state-mismatch", width);
      await page.click("#advanced summary");
      await page.check("#promptLogin"); // the server remembers the sign-in; prompt=login asks again
      await page.click("#connect");
      await page.click("#sign-in");
      await page.click("#deny");
      await page.waitForSelector("body[data-ready]");
      assert.equal(await check.errorNear(page, "#connect", "#connectError"), "access_denied");
      assert.match(await page.textContent("#connectError .message"), /declined/);
      await check.checkLayout(page, width, "consent denied");
      await check.shot(page, "demo-denied", width);
      noOtherErrors("redirect errors");
    });
  });
}

test("docs/demo.png is this page as it is now (the 1280 px run, after an API call)", async () => {
  assert.ok(readmePng, "the 1280 px run took the screenshot");
  const hash = await sourcesHash();
  const committed = await readFile(README_SHOT).catch(() => null);
  if (committed && hashOf(committed) === hash) return;
  await writeFile(README_SHOT, withHash(readmePng, hash));
  assert.fail("docs/demo.png showed an older page: it is rewritten from this run, commit it");
});

test("with CTCT_CLIENT_ID the demo targets the real Constant Contact (no local server)", async () => {
  const real = await runDemo({ CTCT_CLIENT_ID: "0b3e6c62-6f1f-4b5e-9a55-8a5a2e2f7c11" });
  try {
    assert.match(real.startup, /against the real Constant Contact with client id 0b3e6c62-/);
    const p = await browser.newPage();
    await p.goto(real.url);
    await p.waitForSelector("body[data-ready]");
    assert.equal(await p.textContent("#server"), "Constant Contact (production)");
    await p.click("#advanced summary");
    await p.click("#build");
    const url = new URL(await p.textContent("#authUrl"));
    assert.equal(url.origin + url.pathname, "https://authz.constantcontact.com/oauth2/default/v1/authorize");
    assert.equal(url.searchParams.get("client_id"), "0b3e6c62-6f1f-4b5e-9a55-8a5a2e2f7c11");
    await p.close();
  } finally {
    await real.stop();
  }
});
