// The framework matrix's shared pieces (tests/frameworks.test.mjs): each app in tests/frameworks/<name>/ is
// copied into .cache/frameworks/<name>/, its locked dependencies installed there once (`npm ci`, again only when
// its package-lock.json changes), and the packed tarball installed over them on every run, as a user installs
// it. Its builds and servers then run for real: the commands a user runs, on free 127.0.0.1 ports.
import { spawn, execFile } from "node:child_process";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScriptedUser } from "./user-agent.mjs";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;
const apps = join(root, "tests/frameworks");
const cache = join(root, ".cache/frameworks");

// Telemetry, update checks and prompts off: nothing leaves the machine, nothing waits for a person.
export const QUIET_ENV = {
  NEXT_TELEMETRY_DISABLED: "1",
  NUXT_TELEMETRY_DISABLED: "1",
  ASTRO_TELEMETRY_DISABLED: "1",
  WRANGLER_SEND_METRICS: "false",
  NO_UPDATE_NOTIFIER: "1",
  CI: "1",
};

let tarball;
/** `npm pack` of pkg/, once per run. */
export async function packedTarball() {
  if (tarball) return tarball;
  const dir = await mkdtemp(join(tmpdir(), "ctct-frameworks-pack-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: join(root, "pkg") });
  tarball = join(dir, JSON.parse(stdout)[0].filename);
  return tarball;
}

/**
 * The app's directory, ready to build: its files copied over the cached install, its locked dependencies
 * installed when the lock changed, the packed tarball installed (without touching package.json or the lock).
 */
export async function installApp(name) {
  const from = join(apps, name);
  const dir = join(cache, name);
  const lock = await readFile(join(from, "package-lock.json"));
  const stamp = createHash("sha256").update(lock).digest("hex");
  const stampFile = join(dir, "node_modules/.ctct-lock-stamp");
  const fresh = existsSync(stampFile) && (await readFile(stampFile, "utf8")) === stamp;
  if (!fresh) await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await cp(from, dir, { recursive: true, filter: (f) => !/\/(node_modules|\.next|\.svelte-kit|build)(\/|$)/.test(f) });
  const npm = (args) => run("npm", args, { cwd: dir, env: { ...process.env, ...QUIET_ENV }, maxBuffer: 1 << 26 });
  if (!fresh) {
    await npm(["ci", "--no-audit", "--no-fund"]);
    await writeFile(stampFile, stamp);
  }
  await npm(["install", "--no-save", "--offline", "--no-audit", "--no-fund", await packedTarball()]);
  return dir;
}

// A warning or an error about the package: a line naming it (or its wasm) with a word of warning, or one of the
// bundler warnings users met (webpack on its top-level await, wasm-bindgen on a wasm fetch). Lines that only
// list an emitted file (a build's asset table) are not warnings.
const NAMES_PACKAGE = /ctct[-_]oauth|\.wasm\b|WebAssembly/i;
const WARNS = /warn|error|fail|could not|cannot|not support|deprecat|⚠/i;
const KNOWN = /async\/await|topLevelAwait|instantiateStreaming/;
/** The lines of a build's or a server's output that warn about the package (ANSI colours removed). */
export const packageNoise = (output) =>
  output
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split("\n")
    .filter((l) => (NAMES_PACKAGE.test(l) && WARNS.test(l)) || KNOWN.test(l))
    .join("\n");

/** Runs a command to its end; its output (stdout and stderr together), or an error carrying it. */
export function runCommand(command, args, { cwd, env = {}, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...QUIET_ENV, ...env }, detached: true });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => process.kill(-child.pid, "SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}:\n${output.slice(-6000)}`));
    });
  });
}

/**
 * Starts a long-running server (its own process group, so the whole tree stops with it) and waits until `url`
 * answers. Resolves to { output(), stop() }.
 */
export async function startServer(command, args, { cwd, env = {}, url, timeoutMs = 120_000 }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...QUIET_ENV, ...env }, detached: true });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  let exited = null;
  child.on("exit", (code) => (exited = code));
  const stop = async () => {
    if (exited !== null) return;
    const gone = new Promise((resolve) => child.on("exit", resolve));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }, 5000);
    await gone;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== null) throw new Error(`${command} ${args.join(" ")} exited ${exited}:\n${output.slice(-6000)}`);
    const up = await fetch(url, { redirect: "manual" }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${output.slice(-6000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { output: () => output, stop };
}

/** The cookies a response sets, as one Cookie header (name=value; ...). */
const cookiesOf = (res) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");

/**
 * A server's sign-in, as a browser would go through it: GET `loginPath` (a redirect to the authorize URL, with
 * the state in a cookie), the local server's login and consent pages, then the redirect back to the app with
 * that cookie. Resolves to the app's answer to the redirect (not followed further) and its cookies.
 */
export async function serverSignIn(origin, loginPath, callbackPath) {
  const login = await fetch(`${origin}${loginPath}`, { redirect: "manual" });
  if (login.status < 300 || login.status >= 400) throw new Error(`${loginPath}: ${login.status} ${await login.text()}`);
  const cookie = cookiesOf(login);
  const back = await new ScriptedUser().authorize(login.headers.get("location"), {
    redirectUri: `${origin}${callbackPath}`,
  });
  const res = await fetch(back, { redirect: "manual", headers: { cookie } });
  return { res, cookie: [cookie, cookiesOf(res)].filter(Boolean).join("; ") };
}
