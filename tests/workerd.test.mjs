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
import { expired as expiredPair } from "./js/local-server.mjs";

const out = new URL("../test-output/worker/", import.meta.url).pathname;
let mf, flow, authz, brokers;

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
    kvNamespaces: ["TOKENS"],
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
  await bundle("./js/broker-host.mjs", `${out}broker/`);
  await bundle("./js/broker-app.mjs", `${out}app/`);
  authz = await startAuthServer();
  mf = worker(`${out}worker.js`);
  flow = worker(`${out}flow/worker-flow.js`, {
    CLIENT_ID: CLIENTS.confidential.id,
    CLIENT_SECRET: CLIENTS.confidential.secret,
    REDIRECT_URI: `${authz.origin}/callback`,
    ENDPOINTS: JSON.stringify(authz.endpoints),
  });
  const rules = [
    { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ];
  const app = (name, scriptName = "broker") => ({
    name,
    modules: true,
    scriptPath: `${out}app/broker-app.js`,
    modulesRules: rules,
    compatibilityDate: "2026-04-01",
    durableObjects: { CTCT_TOKENS: { className: "TokenBroker", scriptName } },
  });
  brokers = new Miniflare({
    workers: [
      {
        name: "broker",
        modules: true,
        scriptPath: `${out}broker/broker-host.js`,
        modulesRules: rules,
        compatibilityDate: "2026-04-01",
        durableObjects: { CTCT_TOKENS: "TokenBroker" },
        bindings: {
          CTCT_CLIENT_ID: CLIENTS.confidential.id,
          CTCT_CLIENT_SECRET: CLIENTS.confidential.secret,
          CTCT_ENDPOINTS: JSON.stringify(authz.endpoints),
          CTCT_ALLOW_INSECURE_LOOPBACK: "true",
        },
      },
      app("app-a"),
      app("app-b"),
      // A broker whose configuration is wrong: its error must still reach the caller typed.
      {
        name: "broker-misconfigured",
        modules: true,
        scriptPath: `${out}broker/broker-host.js`,
        modulesRules: rules,
        compatibilityDate: "2026-04-01",
        durableObjects: { CTCT_TOKENS: "TokenBroker" },
        bindings: { CTCT_CLIENT_SECRET: CLIENTS.confidential.secret, CTCT_ALLOW_INSECURE_LOOPBACK: "maybe" },
      },
      app("app-misconfigured", "broker-misconfigured"),
    ],
  });
});
after(async () => {
  await mf?.dispose();
  await flow?.dispose();
  await brokers?.dispose();
  await authz?.close();
});

test("workerd: the package loads through its workerd entry and passes the suite", async (t) => {
  const res = await mf.dispatchFetch("http://127.0.0.1/");
  assert.equal(res.status, 200);
  await report(t, await res.json());
});

test("workerd: the confidential flow (Basic auth from an env secret), refresh, WebCrypto verification", async () => {
  const login = await (await flow.dispatchFetch("http://worker/login")).json();
  assert.equal(new URL(login.url).searchParams.get("code_challenge"), null, "a confidential client does not need PKCE");
  const back = await new ScriptedUser().authorize(login.url, { redirectUri: `${authz.origin}/callback` });
  const res = await flow.dispatchFetch(
    `http://worker/callback?state=${login.state}&redirect=${encodeURIComponent(back)}`,
  );
  assert.deepEqual(await res.json(), { ok: true, rotated: true, clientId: CLIENTS.confidential.id, expiresAt: true });
  const stats = await (await fetch(`${authz.origin}/__admin/stats`)).json();
  assert.deepEqual(stats.tokenByGrant, { authorization_code: 1, refresh_token: 1 });
  assert.equal(stats.keys, 1);
});

test("workerd: two Worker scripts share one TokenBroker Durable Object: exactly one token request", async () => {
  const login = await (await flow.dispatchFetch("http://worker/login")).json();
  const back = await new ScriptedUser().authorize(login.url, { redirectUri: `${authz.origin}/callback` });
  const { ConstantContactOAuth } = await import("ctct-oauth");
  const auth = new ConstantContactOAuth({
    clientId: CLIENTS.confidential.id,
    clientSecret: CLIENTS.confidential.secret,
    redirectUri: `${authz.origin}/callback`,
    endpoints: authz.endpoints,
    allowInsecureLoopback: true,
  });
  const tokens = await auth.exchangeCode(auth.parseRedirect(back, { state: login.state }).code);
  const expired = expiredPair(tokens);
  const [a, b] = [await brokers.getWorker("app-a"), await brokers.getWorker("app-b")];
  assert.deepEqual(await (await a.fetch("http://app/set", { method: "POST", body: JSON.stringify(expired) })).json(), {
    ok: true,
  });
  await fetch(`${authz.origin}/__admin/reset`, { method: "POST" });
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).fetch("http://app/token").then((r) => r.json())),
  );
  assert.ok(
    answers.every((x) => x.ok),
    JSON.stringify(answers.find((x) => !x.ok)),
  );
  assert.equal(new Set(answers.map((x) => x.token)).size, 1, "every isolate got the same token");
  const stats = await (await fetch(`${authz.origin}/__admin/stats`)).json();
  assert.equal(stats.tokenByGrant.refresh_token, 1, "exactly one token request");
  // The API through the broker's token, and errors rebuilt as CtctOAuthError on the calling side.
  assert.deepEqual(await (await b.fetch("http://app/summary")).json(), {
    ok: true,
    status: 200,
    email: "owner@example.com",
  });
  assert.deepEqual(await (await a.fetch("http://app/sign-out")).json(), { ok: true });
  const after = await (await b.fetch("http://app/token")).json();
  assert.deepEqual(after, {
    ok: false,
    code: "reauthorization_required",
    reason: "revoked",
    isError: true,
    typed: true,
  });
});

test("workerd: a misconfigured TokenBroker's error reaches the caller typed, naming the variable", async () => {
  const app = await brokers.getWorker("app-misconfigured");
  const answer = await (await app.fetch("http://app/token")).json();
  assert.deepEqual(answer, {
    ok: false,
    code: "invalid_config",
    field: "CTCT_ALLOW_INSECURE_LOOPBACK",
    isError: true,
    typed: true,
  });
});

test("workerd: kvStore keeps a session's tokens in Workers KV, versioned", async () => {
  const tokens = {
    accessToken: "at-1",
    refreshToken: "rt-1",
    tokenType: "Bearer",
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  };
  const res = await flow.dispatchFetch("http://worker/kv", { method: "POST", body: JSON.stringify(tokens) });
  assert.deepEqual(await res.json(), { ok: true, same: true, version: 1, kept: true });
});
