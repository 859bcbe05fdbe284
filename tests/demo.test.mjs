// The demo page (www/) in headless Chromium: what the README's first command shows a person.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, stat } from "node:fs/promises";
import { launchChromium } from "./js/harness.mjs";
import { startDemo } from "../scripts/demo.mjs";

const shots = new URL("../test-output/screenshots/", import.meta.url).pathname;
let demo, browser, page, errors;

before(async () => {
  await mkdir(shots, { recursive: true });
  demo = await startDemo({ port: 0, authzPort: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
});
after(async () => {
  await browser?.close();
  await demo?.close();
});

/** Opens the demo and waits until its module has loaded its settings and attached its handlers. */
async function open(url = demo.url) {
  await page.goto(url);
  await page.waitForSelector("body[data-ready]");
}

async function shot(name) {
  const file = `${shots}${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  assert.ok((await stat(file)).size > 20_000, `${name} screenshot is not blank`);
}

test("builds a PKCE authorize URL for the local server", async () => {
  await open();
  assert.match(await page.textContent("#server"), /local test server/);
  await page.click("#build");
  const url = new URL(await page.textContent("#authUrl"));
  assert.equal(url.searchParams.get("code_challenge_method"), "S256");
  assert.equal(url.searchParams.get("client_id"), "cc-pkce");
  assert.equal(url.searchParams.get("state"), await page.textContent("#authState"));
  assert.match(url.searchParams.get("scope"), /offline_access/);
  await shot("demo-authorize");
});

test("signs in through the local server and shows the claims; a tampered state is refused", async () => {
  await page.click("#authLink");
  await page.waitForSelector("#sign-in");
  await page.click("#sign-in");
  await page.click("#allow");
  await page.waitForFunction(
    () => /Signed in/.test(document.querySelector("#redirectResult")?.textContent ?? ""),
    null,
    { timeout: 15_000 },
  );
  assert.match(await page.textContent("#claims"), /cc-pkce/);
  assert.equal(await page.isHidden("#error"), true);
  await page.waitForSelector("#sessionCard:not([hidden])");
  assert.match(await page.textContent("#tokenSet"), /access token.*…/s, "tokens are shown redacted");
  await shot("demo-signed-in");

  // Refresh now: a new access token, through the session (stored before use).
  const before = await page.inputValue("#token");
  const refreshes = (await (await fetch(`${demo.authz.origin}/__admin/stats`)).json()).tokenByGrant.refresh_token ?? 0;
  await page.click("#refreshNow");
  await page.waitForFunction((t) => document.querySelector("#token").value !== t, before);
  assert.equal(
    (await (await fetch(`${demo.authz.origin}/__admin/stats`)).json()).tokenByGrant.refresh_token,
    refreshes + 1,
  );

  // Call API: the account summary through session.fetch.
  await page.click("#callApi");
  await page.waitForSelector("#apiResult:not([hidden])");
  assert.match(await page.textContent("#apiResult"), /"contact_email": "owner@example.com"/);
  await shot("demo-api");

  // Revoke and sign out.
  await page.click("#signOut");
  await page.waitForSelector("#sessionCard", { state: "hidden" });
  assert.match(await page.textContent("#redirectResult"), /Signed out/);
  assert.equal((await (await fetch(`${demo.authz.origin}/__admin/stats`)).json()).revoke, 1);
  await page.click("#build");
  await open(`${demo.url}?code=Wdvjb7a8T3Y4uSk&state=tampered`);
  assert.equal(await page.textContent("#errCode"), "state_mismatch");
  await shot("demo-state-mismatch");
});

test("decodes a sample token and explains a pasted code", async () => {
  await open();
  await page.click("#sample");
  assert.match(await page.textContent("#claims"), /cc-pkce/);
  assert.match(await page.textContent("#countdown"), /Expires in 2[34] h/);
  await shot("demo-claims");
  await page.fill("#token", "Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK-0s");
  await page.click("#decodeBtn");
  assert.equal(await page.textContent("#errCode"), "authorization_code_not_token");
  assert.match(await page.textContent("#errMessage"), /exchange it first/);
  assert.deepEqual(errors, [], `no console errors: ${errors.join(" | ")}`);
});

test("device flow: approved from a second page; the first shows the device connected", async () => {
  await open();
  await page.click("#deviceStart");
  await page.waitForSelector("#deviceOut:not([hidden])");
  const userCode = await page.textContent("#userCode");
  assert.match(userCode, /^[A-Z]{4}-[A-Z]{4}$/);
  await shot("demo-device-waiting");
  const approver = await browser.newPage();
  // The complete URI: the code is filled in and submitted.
  await approver.goto(await page.getAttribute("#deviceLink", "href"));
  await approver.waitForSelector("button[form='op.deviceConfirmForm']:not([name])");
  assert.match(await approver.textContent("main"), new RegExp(userCode));
  await approver.click("button[form='op.deviceConfirmForm']:not([name])");
  await approver.waitForSelector("#sign-in");
  await approver.click("#sign-in");
  await approver.click("#allow");
  await approver.waitForSelector("text=Device connected");
  await approver.close();
  await page.waitForFunction(() => document.querySelector("#deviceStatus").textContent === "Device connected.", null, {
    timeout: 20_000,
  });
  assert.match(await page.textContent("#claims"), /cc-device/);
  await shot("demo-device-connected");
});

test("denied consent is shown as access_denied with what to do", async () => {
  await open();
  await page.check("#promptLogin"); // the server remembers the earlier sign-in; prompt=login asks again
  await page.click("#build");
  assert.match(await page.textContent("#authUrl"), /&prompt=login/);
  await page.click("#authLink");
  await page.click("#sign-in");
  await page.click("#deny");
  await page.waitForSelector("#error:not([hidden])");
  assert.equal(await page.textContent("#errCode"), "access_denied");
  assert.match(await page.textContent("#errMessage"), /declined/);
  await shot("demo-denied");
  assert.deepEqual(errors, [], `no console errors: ${errors.join(" | ")}`);
});

test("with CTCT_CLIENT_ID the demo targets the real Constant Contact (no local server)", async () => {
  const real = await startDemo({ port: 0, clientId: "0b3e6c62-6f1f-4b5e-9a55-8a5a2e2f7c11" });
  try {
    const p = await browser.newPage();
    await p.goto(real.url);
    await p.waitForSelector("body[data-ready]");
    assert.match(await p.textContent("#server"), /Constant Contact \(production\)/);
    await p.click("#build");
    const url = new URL(await p.textContent("#authUrl"));
    assert.equal(url.origin + url.pathname, "https://authz.constantcontact.com/oauth2/default/v1/authorize");
    assert.equal(url.searchParams.get("client_id"), "0b3e6c62-6f1f-4b5e-9a55-8a5a2e2f7c11");
    await p.close();
  } finally {
    await real.close();
  }
});
