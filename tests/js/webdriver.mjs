// Just enough W3C WebDriver to run pages in browsers Playwright cannot drive here: Debian's Firefox ESR
// through geckodriver, and WebKitGTK (Safari's engine) through WebKitWebDriver under a private Xvfb.
// Start the driver on a free port, open a session, load a page, wait for a value the page sets, read
// results back, and find, click and read elements.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The W3C name of the key an element reference is sent under.
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Spawns a driver listening on 127.0.0.1:`port` and waits until its /status says ready. */
async function startDriver(name, command, args, { env, port }) {
  const proc = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr.on("data", (d) => (log = (log + d).slice(-4000)));
  const exited = new Promise((r) => proc.once("exit", (code, signal) => r(`exited (${code ?? signal})`)));
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const headers = { "content-type": "application/json" };
    const res = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) {
      const err = new Error(`WebDriver ${method} ${path}: ${JSON.stringify(json.value).slice(0, 500)}`);
      err.webdriver = json.value?.error;
      throw err;
    }
    return json.value;
  };
  for (let i = 0; ; i++) {
    try {
      if ((await call("GET", "/status")).ready) break;
    } catch (e) {
      const gone = await Promise.race([exited, sleep(100).then(() => null)]);
      if (gone || i > 100) throw new Error(`${name} did not start: ${gone ?? e.message}\n${log}`);
    }
  }
  return { proc, call, log: () => log };
}

/** A session on a started driver, with the few commands the tests use. */
async function openSession(driver, capabilities, cleanup) {
  const { call } = driver;
  const created = await call("POST", "/session", { capabilities: { alwaysMatch: capabilities } });
  const { sessionId, capabilities: caps } = created;
  const path = `/session/${sessionId}`;
  const exec = (script, args = []) => call("POST", `${path}/execute/sync`, { script, args });
  const el = (ref) => `${path}/element/${ref[ELEMENT]}`;
  return {
    version: `${caps.browserName} ${caps.browserVersion}`,
    capabilities: caps,
    goto: (url) => call("POST", `${path}/url`, { url }),
    url: () => call("GET", `${path}/url`),
    eval: exec,
    /** Polls `expression` until it is not undefined/null. */
    async waitFor(expression, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const v = await exec(`return ${expression};`);
        if (v !== null && v !== undefined) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
        await sleep(200);
      }
    },
    /** The first element matching `css`, waiting for it to exist (through navigations) up to timeoutMs. */
    async find(css, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        try {
          return await call("POST", `${path}/element`, { using: "css selector", value: css });
        } catch (e) {
          // A navigation in flight can make the lookup fail in other ways than "no such element".
          if (Date.now() > end) throw new Error(`no element ${css} in ${timeoutMs} ms: ${e.message}`);
        }
        await sleep(200);
      }
    },
    click: (ref) => call("POST", `${el(ref)}/click`, {}),
    text: (ref) => call("GET", `${el(ref)}/text`),
    property: (ref, name) => call("GET", `${el(ref)}/property/${name}`),
    async close() {
      await call("DELETE", path).catch(() => {});
      driver.proc.kill();
      await cleanup?.();
    },
  };
}

export async function launchFirefox({
  binary = process.env.FIREFOX ?? "/usr/bin/firefox-esr",
  driver = process.env.GECKODRIVER ?? "geckodriver",
} = {}) {
  const port = await freePort();
  const profileRoot = await mkdtemp(join(tmpdir(), "ctct-gecko-"));
  const args = ["--host", "127.0.0.1", "--port", String(port), "--profile-root", profileRoot];
  const cleanup = () => rm(profileRoot, { recursive: true, force: true }).catch(() => {});
  let d;
  try {
    d = await startDriver("geckodriver", driver, args, { port });
    const prefs = {
      "network.proxy.type": 0,
      "app.update.enabled": false,
      "browser.shell.checkDefaultBrowser": false,
      "datareporting.policy.dataSubmissionEnabled": false,
      "toolkit.telemetry.enabled": false,
    };
    const options = { binary, args: ["-headless"], prefs };
    return await openSession(d, { browserName: "firefox", "moz:firefoxOptions": options }, cleanup);
  } catch (e) {
    d?.proc.kill();
    await cleanup();
    throw e;
  }
}

/**
 * Starts Xvfb on the first free display (-displayfd prints the number it took, so concurrent runs do not
 * collide) and resolves to { display, stop }.
 */
export async function startXvfb(command = process.env.XVFB ?? "Xvfb") {
  const args = ["-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp", "-noreset"];
  const proc = spawn(command, args, { stdio: ["ignore", "ignore", "pipe", "pipe"] });
  let log = "";
  proc.stderr.on("data", (d) => (log = (log + d).slice(-2000)));
  const display = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start in 10 s\n${log}`)), 10_000);
    proc.once("error", (e) => (clearTimeout(timer), reject(e)));
    proc.once("exit", (code) => (clearTimeout(timer), reject(new Error(`Xvfb exited (${code})\n${log}`))));
    let out = "";
    proc.stdio[3].on("data", (d) => {
      out += d;
      if (out.includes("\n")) (clearTimeout(timer), resolve(`:${out.trim()}`));
    });
  });
  const stop = () =>
    new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once("exit", () => resolve());
      proc.kill();
    });
  return { display, stop };
}

/**
 * WebKitGTK's MiniBrowser through WebKitWebDriver (Debian's webkit2gtk-driver). The GTK port has no
 * headless mode (MiniBrowser takes no --headless, and GTK needs a display to start), so it runs on a
 * private Xvfb display, stopped with the session. MiniBrowser keeps nothing across runs in automation mode
 * (ephemeral data manager), so no profile directory is needed.
 */
export async function launchWebKit({
  binary = process.env.WEBKIT_MINIBROWSER ?? "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
  driver = process.env.WEBKIT_WEBDRIVER ?? "WebKitWebDriver",
} = {}) {
  const xvfb = await startXvfb();
  let d;
  try {
    const port = await freePort();
    // The driver starts MiniBrowser with its own environment: point it at the private display only.
    const env = { ...process.env, DISPLAY: xvfb.display };
    delete env.WAYLAND_DISPLAY;
    d = await startDriver("WebKitWebDriver", driver, ["--host=127.0.0.1", `--port=${port}`], { env, port });
    const options = { binary, args: ["--automation"] };
    const session = await openSession(d, { "webkitgtk:browserOptions": options }, xvfb.stop);
    return { ...session, display: xvfb.display };
  } catch (e) {
    d?.proc.kill();
    await xvfb.stop();
    throw e;
  }
}
