// What tests/demo.test.mjs checks on the demo page at every step, and its small page helpers.
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";

const shots = new URL("../../test-output/screenshots/", import.meta.url).pathname;
export const shotsDir = shots;

/** Nothing wider than the viewport; every visible section numbered 1, 2, 3… in order. */
export async function checkLayout(page, width, step) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= width, `${step}: the page is ${scrollWidth} px wide in a ${width} px viewport`);
  const headings = await page.$$eval("main > section h2", (hs) =>
    hs.filter((h) => h.offsetParent).map((h) => h.textContent),
  );
  assert.deepEqual(
    headings.map((h) => Number(h.match(/^(\d+)\. /)?.[1])),
    headings.map((_, i) => i + 1),
    `${step}: sections numbered in order: ${headings.join(" | ")}`,
  );
}

/** A full-page screenshot in test-output/screenshots/NAME-WIDTH.png. */
export async function shot(page, name, width) {
  const file = `${shots}${name}-${width}.png`;
  await page.screenshot({ path: file, fullPage: true });
  assert.ok((await stat(file)).size > 20_000, `${name} screenshot is not blank`);
}

/** The error box is visible, starts below `control` and at most 120 px under it. Resolves to its code. */
export async function errorNear(page, control, box) {
  await page.waitForSelector(`${box}:not([hidden])`);
  const c = await page.locator(control).boundingBox();
  const b = await page.locator(box).boundingBox();
  const gap = Math.round(b.y - (c.y + c.height));
  assert.ok(gap >= 0 && gap <= 120, `${box} should be just below ${control}, and is ${gap} px below it`);
  return page.textContent(`${box} .code`);
}

/** The page's stored token set (IndexedDB, as the page keeps it), or undefined. */
export const storedTokens = (page) =>
  page.evaluate(async () => {
    const { indexedDbStore } = await import("ctct-oauth");
    return (await indexedDbStore("ctct-demo").get())?.tokens;
  });

/** Neither token appears in clear: not in the page's text, nor in any field's value. */
export async function assertNoSecretsShown(page, tokens, step) {
  const shown = await page.evaluate(() =>
    [document.body.innerText, ...[...document.querySelectorAll("input, textarea")].map((f) => f.value)].join("\n"),
  );
  for (const [name, secret] of Object.entries({ access: tokens.accessToken, refresh: tokens.refreshToken })) {
    assert.ok(secret && secret.length > 20, `${step}: a ${name} token is stored`);
    assert.ok(!shown.includes(secret), `${step}: the ${name} token is on the page in clear`);
    assert.ok(!shown.includes(secret.slice(12, 40)), `${step}: part of the ${name} token is on the page`);
  }
}

/** The text of one row of a table the page fills (`tr[data-row]`). */
export const row = (page, table, name) => page.textContent(`${table} tr[data-row="${name}"] td:last-child`);

/** Console errors and uncaught exceptions, taken step by step. */
export function watchConsole(page) {
  let seen = [];
  page.on("pageerror", (e) => seen.push({ text: `uncaught: ${e.message}`, url: "" }));
  page.on("console", (m) => m.type() === "error" && seen.push({ text: m.text(), url: m.location().url }));
  return {
    /** The errors since the last take. */
    take() {
      const out = seen;
      seen = [];
      return out;
    },
  };
}

/** The local server's request counters. */
export const stats = async (origin) => (await fetch(`${origin}/__admin/stats`)).json();
/** Switches a setting of the local server (POST /__admin/config). */
export async function configure(origin, switches) {
  const res = await fetch(`${origin}/__admin/config`, { method: "POST", body: JSON.stringify(switches) });
  assert.equal(res.status, 200, await res.text());
}
