// Fault injection against the local authorization server (its `fault` switch, authz-server/server.mjs):
// each fault gives the right typed error in bounded time, and the stored pair survives, so the next call
// recovers without re-authorization wherever the server still honours that pair. Where the server has
// already rotated the pair and its answer is lost (a fault *after* processing), the library must say so
// (reauthorization_required, reason "rotated") rather than report success or loop.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ConstantContactOAuth, memoryStore } from "ctct-oauth";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
import { rejects } from "./js/report.mjs";
import { localServer, expired, EXPIRED_ACCESS_TOKEN } from "./js/local-server.mjs";

let s;
before(async () => {
  s = await startAuthServer();
});
after(() => s?.close());

const { admin, stats, client, tokensFor } = localServer(() => s);
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

/** A session holding a real pair whose access token is due, so the next accessToken() refreshes. */
async function dueSession(kind, options = {}) {
  const auth = client(kind);
  const tokens = await tokensFor(auth);
  const store = options.store ?? memoryStore();
  const session = auth.session({ store, timeoutMs: 1000, ...options, store });
  await session.setTokens(expired(tokens));
  return { auth, tokens, store, session };
}

/** Runs fn, asserting it rejects with `code` within `limitMs`; returns the error. */
async function timed(fn, code, limitMs) {
  const t0 = Date.now();
  let err;
  await rejects(fn(), code, (e) => (err = e));
  const took = Date.now() - t0;
  assert.ok(took < limitMs, `${code} took ${took} ms (limit ${limitMs})`);
  return err;
}

// Faults answered before the server processes the refresh: the stored pair stays valid.
const BEFORE = [
  ["500", "server_error", (e) => assert.equal(e.status, 500)],
  ["502", "server_error", (e) => assert.equal(e.status, 502)],
  ["503", "server_error", (e) => assert.equal(e.status, 503)],
  [
    "html200",
    "invalid_response",
    (e) => (assert.equal(e.status, 200), assert.match(e.description, /^<!doctype html>/)),
  ],
  [
    "truncated",
    "invalid_response",
    (e) => assert.ok(!e.description?.includes("eyJraWQiOiJjYy1sb2NhbC0xIiwiYWxnIjoiUlMy"), "the cut token is masked"),
  ],
  ["reset", "network_error"],
  ["hang", "timeout"],
  ["429", "rate_limited", (e) => assert.equal(e.retryAfter, 1, "no Retry-After: the 1 request/s limit says a second")],
  ["429-retry", "rate_limited", (e) => assert.equal(e.retryAfter, 1)],
];

for (const [kind, code, check] of BEFORE) {
  test(`token endpoint fault "${kind}": ${code} in time; the stored pair survives, the next call works`, async () => {
    await admin("reset");
    const { tokens, store, session } = await dueSession("confidential");
    await wait(1000); // the token endpoint's 1 request/s
    await admin("config", { fault: { at: "token", kind } });
    const err = await timed(() => session.accessToken(), code, 3000);
    check?.(err);
    assert.equal((await stats()).faults, 1, "the fault was served");
    assert.equal((await store.get()).tokens.refreshToken, tokens.refreshToken, "the stored refresh token is untouched");
    await wait(kind === "429-retry" ? err.retryAfter * 1000 : 1000);
    const fresh = await session.accessToken();
    assert.notEqual(fresh, EXPIRED_ACCESS_TOKEN, "recovered: a new access token");
    assert.notEqual(
      (await store.get()).tokens.refreshToken,
      tokens.refreshToken,
      "and the rotated refresh token is stored",
    );
  });
}

test('token endpoint fault "slow-body" within the time limit: the real answer arrives and is used', async () => {
  await admin("reset");
  const { tokens, store, session } = await dueSession("confidential", { timeoutMs: 5000 });
  await wait(1000);
  await admin("config", { fault: { at: "token", kind: "slow-body", slowMs: 1200 } });
  const t0 = Date.now();
  const fresh = await session.accessToken();
  assert.ok(Date.now() - t0 >= 1000, "the body really was slow");
  assert.notEqual(fresh, EXPIRED_ACCESS_TOKEN);
  assert.notEqual((await store.get()).tokens.refreshToken, tokens.refreshToken);
});

test('"slow-body" past the limit, static refresh token: timeout, then the same pair recovers', async () => {
  await admin("reset");
  const { tokens, store, session } = await dueSession("longLived", { timeoutMs: 500 });
  await wait(1000);
  await admin("config", { fault: { at: "token", kind: "slow-body", slowMs: 2000 } });
  await timed(() => session.accessToken(), "timeout", 1500);
  await wait(2500); // let the server finish trickling; then the 1 request/s window
  const fresh = await session.accessToken();
  assert.notEqual(fresh, EXPIRED_ACCESS_TOKEN);
  assert.equal((await store.get()).tokens.refreshToken, tokens.refreshToken, "static: the same refresh token");
});

test('"truncated-after" with a long-lived refresh token: invalid_response, then the same pair recovers', async () => {
  await admin("reset");
  const { tokens, session } = await dueSession("longLived");
  await wait(1000);
  await admin("config", { fault: { at: "token", kind: "truncated-after" } });
  const e = await timed(() => session.accessToken(), "invalid_response", 3000);
  assert.ok(!e.description.includes(tokens.refreshToken), "no token in the excerpt");
  await wait(1000);
  assert.ok((await session.accessToken()).split(".").length === 3);
});

test('"truncated-after", rotating refresh token: the rotated answer is lost, so reauthorize', async () => {
  await admin("reset");
  const { session } = await dueSession("confidential");
  await wait(1000);
  await admin("config", { fault: { at: "token", kind: "truncated-after" } });
  await timed(() => session.accessToken(), "invalid_response", 3000);
  await wait(1000);
  const e = await timed(() => session.accessToken(), "reauthorization_required", 3000);
  assert.equal(e.reason, "rotated");
});

test("a store read failure: store_error, nothing refreshed; the next call works", async () => {
  await admin("reset");
  const auth = client("confidential");
  const tokens = await tokensFor(auth);
  const inner = memoryStore();
  await inner.set({ version: 1, tokens: expired(tokens), refreshUsedAt: Math.floor(Date.now() / 1000) });
  let failReads = 1;
  const store = {
    ...inner,
    get: async () => (failReads-- > 0 ? Promise.reject(new Error("IndexedDB blocked")) : inner.get()),
  };
  const session = auth.session({ store });
  const before = (await stats()).tokenByGrant.refresh_token ?? 0;
  await timed(() => session.accessToken(), "store_error", 1000);
  assert.equal((await stats()).tokenByGrant.refresh_token ?? 0, before, "no refresh without knowing the stored pair");
  await wait(1000);
  assert.ok((await session.accessToken()).split(".").length === 3);
  assert.notEqual((await inner.get()).tokens.refreshToken, tokens.refreshToken, "the rotated pair was stored");
});

test("key set faults: verifyAccessToken reports them typed, then verifies once the key set is back", async () => {
  await admin("reset");
  const { accessToken } = await tokensFor(client("confidential"));
  for (const [kind, code] of [
    ["503", "server_error"],
    ["html200", "invalid_response"],
    ["reset", "network_error"],
    ["hang", "timeout"],
  ]) {
    // A fresh client each time: the key set cache is per URL, so use a URL variant the cache has not seen.
    const fresh = new ConstantContactOAuth({
      clientId: CLIENTS.confidential.id,
      endpoints: { ...s.endpoints, jwks: `${s.endpoints.jwks}?k=${kind}` },
      allowInsecureLoopback: true,
    });
    await admin("config", { fault: { at: "keys", kind } });
    await timed(() => fresh.verifyAccessToken(accessToken, { timeoutMs: 500 }), code, 2000);
    const claims = await fresh.verifyAccessToken(accessToken, { timeoutMs: 2000 });
    assert.equal(claims.clientId, CLIENTS.confidential.id, `verified after "${kind}"`);
  }
});

test("API faults through session.json: 500 and 502 as api_error, 429 without Retry-After as rate_limited", async () => {
  await admin("reset");
  const auth = client("confidential");
  const session = auth.session();
  await session.setTokens(await tokensFor(auth));
  for (const [kind, code, status] of [
    ["500", "api_error", 500],
    ["502", "api_error", 502],
    ["429", "rate_limited", 429],
  ]) {
    await admin("config", { fault: { at: "api", kind } });
    await rejects(session.json("/account/summary"), code, (e) => assert.equal(e.status, status));
    assert.equal((await session.fetch("/account/summary")).status, 200, `recovered after "${kind}"`);
    await admin("config", { fault: { at: "api", kind } });
    assert.equal((await session.fetch("/account/summary")).status, status, "session.fetch resolves, as fetch does");
  }
});

test("revocation and device authorization faults are typed too", async () => {
  await admin("reset");
  const auth = client("confidential");
  await admin("config", { fault: { at: "revoke", kind: "503" } });
  await timed(() => auth.revoke("some-refresh-token"), "server_error", 2000);
  const device = new ConstantContactOAuth({
    clientId: CLIENTS.device.id,
    endpoints: s.endpoints,
    allowInsecureLoopback: true,
  });
  await admin("config", { fault: { at: "device", kind: "truncated" } });
  await timed(() => device.startDeviceAuthorization(), "invalid_response", 2000);
  assert.match((await device.startDeviceAuthorization()).userCode, /\w/, "recovered");
});
