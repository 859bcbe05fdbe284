// The package in the real Workers runtime (workerd, through miniflare), bundled the way wrangler
// bundles: esbuild with the `workerd` condition, the .wasm kept as a separate module import.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { report } from "./js/report.mjs";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
import { ScriptedUser } from "./js/user-agent.mjs";

const out = new URL("../test-output/worker/", import.meta.url).pathname;
let mf, flow, authz;

const bundle = (entry, outdir) =>
  build({
    entryPoints: [new URL(entry, import.meta.url).pathname],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    outdir,
    loader: { ".wasm": "copy" },
    assetNames: "[name]",
    logLevel: "warning",
  });
const worker = (scriptPath, bindings = {}) =>
  new Miniflare({
    modules: true,
    scriptPath,
    bindings,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
  });

before(async () => {
  await rm(out, { recursive: true, force: true });
  await bundle("./js/worker.mjs", out);
  await bundle("./js/worker-flow.mjs", `${out}flow/`);
  authz = await startAuthServer();
  mf = worker(`${out}worker.js`);
  flow = worker(`${out}flow/worker-flow.js`, {
    CLIENT_ID: CLIENTS.confidential.id,
    CLIENT_SECRET: CLIENTS.confidential.secret,
    REDIRECT_URI: `${authz.origin}/callback`,
    ENDPOINTS: JSON.stringify(authz.endpoints),
  });
});
after(async () => {
  await mf?.dispose();
  await flow?.dispose();
  await authz?.close();
});

test("workerd: the package loads through its workerd entry and passes the suite", async (t) => {
  const res = await mf.dispatchFetch("http://127.0.0.1/");
  assert.equal(res.status, 200);
  await report(t, await res.json());
});

test("workerd: the confidential flow (Basic auth from an env secret), refresh, and WebCrypto verification", async () => {
  const login = await (await flow.dispatchFetch("http://worker/login")).json();
  assert.equal(new URL(login.url).searchParams.get("code_challenge"), null, "a confidential client does not need PKCE");
  const back = await new ScriptedUser().authorize(login.url, { redirectUri: `${authz.origin}/callback` });
  const res = await flow.dispatchFetch(`http://worker/callback?state=${login.state}&redirect=${encodeURIComponent(back)}`);
  assert.deepEqual(await res.json(), { ok: true, rotated: true, clientId: CLIENTS.confidential.id, expiresAt: true });
  const stats = await (await fetch(`${authz.origin}/__admin/stats`)).json();
  assert.deepEqual(stats.tokenByGrant, { authorization_code: 1, refresh_token: 1 });
  assert.equal(stats.keys, 1);
});
