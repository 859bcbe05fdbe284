// The examples: the Cloudflare Worker (in workerd, bundled as wrangler would) against the local authorization
// server, and the CLI example, now a pointer to the package's command (tested in tests/cli.test.mjs).
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
    const back = await new ScriptedUser().authorize(login.headers.get("location"), {
      redirectUri: "https://worker.example/callback",
    });
    const callback = await mf.dispatchFetch(back, { headers: { cookie: stateCookie }, redirect: "manual" });
    assert.equal(callback.status, 302, await callback.clone().text());
    assert.equal(callback.headers.get("location"), "/api/summary");
    const summary = await mf.dispatchFetch("https://worker.example/api/summary");
    assert.equal((await summary.json()).contact_email, "owner@example.com");
    const forged = await mf.dispatchFetch(back, { headers: { cookie: "ctct_state=forged" }, redirect: "manual" });
    assert.equal((await forged.json()).error, "state_mismatch");
    assert.equal(await (await mf.dispatchFetch("https://worker.example/logout")).text(), "Signed out.\n");
    const after = await mf.dispatchFetch("https://worker.example/api/summary");
    assert.deepEqual([after.status, (await after.json()).error], [401, "reauthorization_required"]);
  } finally {
    await mf.dispose();
  }
});

// The CLI example became the package's own command, tested end to end in tests/cli.test.mjs; what is left
// here is a pointer that runs it.
test("examples/cli: a pointer to the package's command (npx ctct-oauth)", async () => {
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const run = (script, args) => promisify(execFile)("node", [script, ...args]).catch((e) => e);
  const example = new URL("../examples/cli/ctct.mjs", import.meta.url).pathname;
  const command = new URL("../pkg/bin/ctct-oauth.mjs", import.meta.url).pathname;
  for (const args of [["--help"], ["login", "--help"]]) {
    const [viaExample, direct] = [await run(example, args), await run(command, args)];
    assert.match(viaExample.stdout, /^(ctct-oauth: |Usage: ctct-oauth )/);
    assert.equal(viaExample.stdout, direct.stdout);
  }
  const usage = await run(example, ["frobnicate"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^error usage: no command frobnicate$/m);
});
