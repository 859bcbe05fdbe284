// Shared pieces of the real-runtime tests: a static file server on 127.0.0.1 and headless Chromium.
export { serveStatic } from "../../scripts/static-server.mjs";

/** Debian's chromium, headless, with the flags this closed network needs. */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  // Playwright gives each launch a fresh temporary profile.
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ];
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args });
}

/** Opens url, waits for window.__results, and returns them with any console errors seen. */
export async function resultsFromPage(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
  await page.goto(url);
  await page.waitForFunction(() => window.__results !== undefined, null, { timeout: 30_000 });
  const results = await page.evaluate(() => window.__results);
  await page.close();
  return { results, errors };
}

/** The query value a test page reads its client from: the local server's public PKCE client. */
export const pkceConfigParam = (authz, pkceClientId) =>
  encodeURIComponent(
    JSON.stringify({
      clientId: pkceClientId,
      endpoints: authz.endpoints,
      allowInsecureLoopback: true,
      scopes: ["account_read"],
    }),
  );
