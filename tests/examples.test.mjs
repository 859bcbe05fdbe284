// The examples: the Cloudflare Worker (in workerd, bundled as wrangler would) and the Node CLI, each
// against the local authorization server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
import { ScriptedUser } from "./js/user-agent.mjs";

const out = new URL("../test-output/example-worker/", import.meta.url).pathname;
let authz;
before(async () => {
  authz = await startAuthServer({ redirectUris: ["https://worker.example/callback"] });
});
after(() => authz?.close());

test("examples/worker: login, callback (confidential exchange), API through the TokenBroker, logout", async () => {
  await rm(out, { recursive: true, force: true });
  await build({
    entryPoints: [new URL("../examples/worker/src/index.js", import.meta.url).pathname],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    outdir: out,
    loader: { ".wasm": "copy" },
    assetNames: "[name]",
    logLevel: "warning",
  });
  const mf = new Miniflare({
    modules: true,
    scriptPath: `${out}index.js`,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    durableObjects: { CTCT_TOKENS: "TokenBroker" },
    bindings: {
      CTCT_CLIENT_ID: CLIENTS.confidential.id,
      CTCT_CLIENT_SECRET: CLIENTS.confidential.secret,
      CTCT_REDIRECT_URI: "https://worker.example/callback",
      CTCT_ENDPOINTS: JSON.stringify(authz.endpoints),
      CTCT_ALLOW_INSECURE_LOOPBACK: "true",
    },
  });
  try {
    const login = await mf.dispatchFetch("https://worker.example/login", { redirect: "manual" });
    assert.equal(login.status, 302);
    const stateCookie = login.headers.get("set-cookie").split(";")[0];
    assert.match(stateCookie, /^ctct_state=[\w-]{43}$/);
    const back = await new ScriptedUser().authorize(login.headers.get("location"), { redirectUri: "https://worker.example/callback" });
    const callback = await mf.dispatchFetch(back, { headers: { cookie: stateCookie }, redirect: "manual" });
    assert.equal(callback.status, 302, await callback.clone().text());
    assert.equal(callback.headers.get("location"), "/api/summary");
    const summary = await mf.dispatchFetch("https://worker.example/api/summary");
    assert.equal((await summary.json()).contact_email, "owner@example.com");
    const forged = await mf.dispatchFetch(back, { headers: { cookie: "ctct_state=forged" }, redirect: "manual" });
    assert.equal((await forged.json()).error, "state_mismatch");
    assert.equal((await (await mf.dispatchFetch("https://worker.example/logout")).text()), "Signed out.\n");
    const after = await mf.dispatchFetch("https://worker.example/api/summary");
    assert.deepEqual([after.status, (await after.json()).error], [401, "reauthorization_required"]);
  } finally {
    await mf.dispose();
  }
});

test("examples/cli: device login with scripted approval, a 0600 token file, whoami, refresh, logout", async () => {
  const { spawn, execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const { mkdtemp, stat, readFile, writeFile } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const cli = new URL("../examples/cli/ctct.mjs", import.meta.url).pathname;
  const dir = await mkdtemp(join(tmpdir(), "ctct-cli-"));
  const tokensFile = join(dir, "tokens.json");
  await fetch(`${authz.origin}/__admin/config`, { method: "POST", body: JSON.stringify({ deviceInterval: 1 }) });
  const env = { ...process.env, CTCT_CLIENT_ID: CLIENTS.device.id, CTCT_ENDPOINTS: JSON.stringify(authz.endpoints), CTCT_ALLOW_INSECURE_LOOPBACK: "1", CTCT_TOKENS_FILE: tokensFile };
  const run = (cmd) => promisify(execFile)("node", [cli, cmd], { env }).catch((e) => e);

  const login = spawn("node", [cli, "login"], { env });
  let stdout = "";
  let stderr = "";
  login.stderr.on("data", (d) => (stderr += d));
  const prompt = await new Promise((resolve, reject) => {
    login.stdout.on("data", (d) => {
      stdout += d;
      const m = /open (\S+)\nand enter the code (\S+)/.exec(stdout);
      if (m) resolve({ uri: m[1], code: m[2] });
    });
    login.on("exit", () => reject(new Error(`exited early: ${stdout}${stderr}`)));
  });
  await new ScriptedUser().approveDevice(prompt.uri, prompt.code);
  const code = await new Promise((resolve) => login.on("exit", resolve));
  assert.equal(code, 0, stderr);
  assert.match(stdout, /Signed in as owner@example.com \(client cc-device\)/);
  assert.match(stderr, /Waiting for approval/, "progress is shown while polling");
  assert.equal((await stat(tokensFile)).mode & 0o777, 0o600, "the token file is private");
  const saved = JSON.parse(await readFile(tokensFile, "utf8"));

  const whoami = await run("whoami");
  assert.match(whoami.stdout, /client id: +cc-device/);
  // A reader holding the file open keeps the pair it opened; a symlink at the path is replaced, not followed.
  const { open, lstat, symlink, rename } = await import("node:fs/promises");
  const victim = join(dir, "elsewhere.json");
  await rename(tokensFile, victim);
  await symlink(victim, tokensFile);
  const reader = await open(victim, "r");
  const refresh = await run("refresh");
  assert.match(refresh.stdout, /Refreshed/, refresh.stderr);
  assert.equal(JSON.parse((await reader.readFile("utf8")) || "{}").refreshToken, saved.refreshToken, "the open file is untouched");
  await reader.close();
  assert.ok((await lstat(tokensFile)).isFile(), "the symlink was replaced by a new file");
  assert.equal(JSON.parse(await readFile(victim, "utf8")).refreshToken, saved.refreshToken, "the link's target is untouched");
  assert.equal((await stat(tokensFile)).mode & 0o777, 0o600, "the new file is private");
  assert.notEqual(JSON.parse(await readFile(tokensFile, "utf8")).refreshToken, saved.refreshToken, "the rotated pair was saved");
  const logout = await run("logout");
  assert.match(logout.stdout, /Signed out/);
  const afterwards = await run("whoami");
  assert.equal(afterwards.code, 1);
  assert.match(afterwards.stderr, /Run: ctct login/);
  await writeFile(tokensFile, JSON.stringify({ accessToken: "Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK-0s" }));
  const mistake = await run("whoami");
  assert.match(mistake.stderr, /^error authorization_code_not_token: .*exchange it first/im);
  await fetch(`${authz.origin}/__admin/config`, { method: "POST", body: JSON.stringify({ deviceInterval: 5 }) });
});
