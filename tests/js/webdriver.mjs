// Just enough W3C WebDriver to run a page in Firefox ESR through geckodriver (Playwright cannot drive
// Debian's Firefox): start the driver on a free port, open a headless session, load a page, wait for a
// value the page sets, read console-free results back.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

export async function launchFirefox({ binary = process.env.FIREFOX ?? "/usr/bin/firefox-esr", driver = process.env.GECKODRIVER ?? "geckodriver" } = {}) {
  const port = await freePort();
  const profileRoot = await mkdtemp(join(tmpdir(), "ctct-gecko-"));
  const proc = spawn(driver, ["--host", "127.0.0.1", "--port", String(port), "--profile-root", profileRoot], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr.on("data", (d) => (log = (log + d).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(json.value).slice(0, 500)}`);
    return json.value;
  };
  for (let i = 0; ; i++) {
    try {
      if ((await call("GET", "/status")).ready) break;
    } catch (e) {
      if (i > 100) throw new Error(`geckodriver did not start: ${e.message}\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const prefs = { "network.proxy.type": 0, "app.update.enabled": false, "browser.shell.checkDefaultBrowser": false, "datareporting.policy.dataSubmissionEnabled": false, "toolkit.telemetry.enabled": false };
  const { sessionId, capabilities } = await call("POST", "/session", {
    capabilities: { alwaysMatch: { browserName: "firefox", "moz:firefoxOptions": { binary, args: ["-headless"], prefs } } },
  });
  const path = `/session/${sessionId}`;
  return {
    version: `${capabilities.browserName} ${capabilities.browserVersion}`,
    goto: (url) => call("POST", `${path}/url`, { url }),
    eval: (script, args = []) => call("POST", `${path}/execute/sync`, { script, args }),
    /** Polls `expression` until it is not undefined/null. */
    async waitFor(expression, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const v = await call("POST", `${path}/execute/sync`, { script: `return ${expression};`, args: [] });
        if (v !== null && v !== undefined) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async close() {
      await call("DELETE", path).catch(() => {});
      proc.kill();
      await rm(profileRoot, { recursive: true, force: true }).catch(() => {});
    },
  };
}
