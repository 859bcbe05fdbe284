// Regression tests for the bugs and review findings of the JS/Rust contract, one test per
// numbered item, each against the local authorization server or the package's public API as a user calls it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { inspect } from "node:util";
import { fileURLToPath } from "node:url";
import { ConstantContactOAuth, CtctOAuthError, decodeAccessToken, memoryStore } from "ctct-oauth";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
import { rejects } from "./js/report.mjs";
import { localServer, expired } from "./js/local-server.mjs";

let s;
before(async () => {
  s = await startAuthServer();
});
after(() => s?.close());

const { admin, stats, client, redirectFor, tokensFor } = localServer(() => s);
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const grants = async (g) => (await stats()).tokenByGrant[g] ?? 0;
const jwtLike = (payload) =>
  `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString(
    "base64url",
  )}.c2ln`;

test("1: a Node process waiting in the 1 request/s lane stays alive until its refresh is done (ESM, CJS)", async () => {
  await admin("reset");
  const auth = client();
  const config = {
    clientId: CLIENTS.confidential.id,
    clientSecret: CLIENTS.confidential.secret,
    endpoints: s.endpoints,
  };
  const body = (load) => `${load}
const { config, pairs } = JSON.parse(process.env.INPUT);
const auth = new ConstantContactOAuth({ ...config, allowInsecureLoopback: true });
for (const pair of pairs) {
  const session = auth.session();
  await session.setTokens(pair);
  console.log("refreshed", (await session.accessToken()) !== pair.accessToken);
}
console.log("done");`;
  const esm = body('import { ConstantContactOAuth } from "ctct-oauth";');
  const cjs = `(async () => {${body('const { ConstantContactOAuth } = require("ctct-oauth");')}})();`;
  for (const [kind, code] of [
    ["esm", esm],
    ["cjs", cjs],
  ]) {
    // Two accounts of one application: the second refresh waits in the lane for the first.
    const pairs = [expired(await tokensFor(auth)), expired(await tokensFor(auth))];
    const input = JSON.stringify({ config, pairs });
    // Not spawnSync: the local server runs in this process and must keep answering.
    const args = [kind === "esm" ? "--input-type=module" : "--input-type=commonjs", "-e", code];
    const cwd = fileURLToPath(new URL("..", import.meta.url));
    const r = await promisify(execFile)(process.execPath, args, { env: { ...process.env, INPUT: input }, cwd }).then(
      (out) => ({ ...out, status: 0 }),
      (e) => ({ stdout: e.stdout, stderr: e.stderr, status: e.code }),
    );
    assert.equal(r.status, 0, `${kind}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stdout, /refreshed true\nrefreshed true\ndone/, `${kind}: ${r.stdout}`);
  }
});

test("2: a token set with extra fields is data: kept and stored, never refused later", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  const store = memoryStore();
  const session = auth.session({ store });
  await session.setTokens({ ...tokens, accountId: "account-42" });
  assert.equal(await session.accessToken(), tokens.accessToken);
  assert.equal((await session.tokens()).accountId, "account-42");
  assert.equal((await store.get()).tokens.accountId, "account-42");
});

test("3: a token answer is read against the scopes actually requested (offline: false warns nothing)", async () => {
  await admin("reset");
  const auth = client();
  const req = auth.authorizationUrl({ offline: false });
  assert.deepEqual(req.scopes, ["account_read", "contact_data"]);
  const { ScriptedUser } = await import("./js/user-agent.mjs");
  const back = await new ScriptedUser().authorize(req.url, { redirectUri: `${s.origin}/callback` });
  const { code } = auth.parseRedirect(back, { state: req.state });
  const tokens = await auth.exchangeCode(code, { scopes: req.scopes });
  assert.equal(tokens.refreshToken, undefined);
  assert.deepEqual(
    tokens.warnings.filter((w) => w.startsWith("no_refresh_token")),
    [],
    "no offline_access was asked for",
  );
});

test("4: a redirect's error outside the registered OAuth codes does not enter the library's code space", () => {
  const auth = client();
  const url = `${s.origin}/callback?error=invalid_config&error_description=x&state=st-4-abcdefgh`;
  assert.throws(
    () => auth.parseRedirect(url, { state: "st-4-abcdefgh" }),
    (e) => e instanceof CtctOAuthError && e.code === "oauth_error" && e.error === "invalid_config",
  );
  const denied = `${s.origin}/callback?error=access_denied&state=st-4-abcdefgh`;
  assert.throws(
    () => auth.parseRedirect(denied, { state: "st-4-abcdefgh" }),
    (e) => e.code === "access_denied" && e.error === "access_denied",
  );
});

test("6: 'looks like an authorization code' only when it is likely; otherwise what the input is not", async () => {
  const { CtctOAuthError: E } = await import("ctct-oauth");
  const short = (() => {
    try {
      decodeAccessToken("not-a-jwt");
    } catch (e) {
      return e;
    }
  })();
  assert.ok(short instanceof E);
  assert.equal(short.code, "invalid_jwt");
  assert.doesNotMatch(short.message, /authorization code/);
  // A 43-character opaque value may be a code or a refresh token: the message names both.
  const opaque = "q3J9mZ1bXw4k7Yc1P2sT8uV0aB5dE6fG7hJ8kL9mN0p";
  assert.throws(
    () => decodeAccessToken(opaque),
    (e) => e.code === "authorization_code_not_token" && /refresh token/.test(e.message),
  );
});

test("7: an access token passed as a refresh token is caught before any request", async () => {
  await admin("reset");
  const auth = client();
  const token = jwtLike({ exp: 2_000_000_000, cid: "x" });
  await rejects(auth.refresh(token), "invalid_config", (e) => {
    assert.equal(e.field, "refreshToken");
    assert.match(e.message, /access token/);
  });
  assert.equal(await grants("refresh_token"), 0, "nothing was sent");
});

test("8: an unknown option is named with the right one suggested; an unknown scope is refused", () => {
  assert.throws(
    () => new ConstantContactOAuth({ client_id: "x" }),
    (e) => e.code === "invalid_config" && e.field === "client_id" && /`clientId`/.test(e.message),
  );
  assert.throws(
    () => new ConstantContactOAuth({ clientId: "x", redirectUri: "https://a.example/cb", scopes: ["contacts"] }),
    (e) =>
      e.code === "invalid_config" && e.field === "scopes" && /^"contacts" is not a scope.*contact_data/.test(e.message),
  );
  // A long value is not repeated: it may be something pasted by mistake.
  const long = "x".repeat(40);
  assert.throws(
    () => new ConstantContactOAuth({ clientId: "x", redirectUri: "https://a.example/cb", scopes: [long] }),
    (e) => e.code === "invalid_config" && /^A scope is not/.test(e.message) && !e.message.includes(long),
  );
  const ok = new ConstantContactOAuth({ clientId: "x", scopes: ["billing_data"], allowUnknownScopes: true });
  assert.ok(ok.toJSON().scopes.includes("billing_data"));
});

test("11: session.fetch resolves with the Response whatever its status; session.json throws typed errors", async () => {
  await admin("reset");
  const auth = client();
  const session = auth.session();
  await session.setTokens(await tokensFor(auth));
  const res = await session.fetch("/no/such/thing");
  assert.equal(res.status, 404);
  assert.equal(res.ok, false);
  await rejects(session.json("/no/such/thing"), "api_error", (e) => assert.equal(e.status, 404));
  const summary = await session.json("/account/summary");
  assert.equal(summary.organization_name, "Local Test Co.");
});

test("12: signOut({ revoke: true }) signs out locally even when revocation fails, and reports it", async () => {
  await admin("reset");
  const auth = client();
  const store = memoryStore();
  const session = auth.session({ store });
  await session.setTokens(await tokensFor(auth));
  await admin("config", { fault: { at: "revoke", kind: "502" } });
  const outcome = await session.signOut({ revoke: true });
  assert.equal(outcome.revoked, false);
  assert.ok(outcome.error instanceof CtctOAuthError);
  assert.equal(outcome.error.code, "server_error");
  await rejects(session.accessToken(), "reauthorization_required", (e) => assert.equal(e.reason, "revoked"));
  assert.equal((await store.get())?.tokens, undefined, "no tokens left in the store");
});

test("13: signing out while a refresh is in flight: nothing is stored, the late pair is revoked", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  await wait(1000);
  const store = memoryStore();
  const session = auth.session({ store });
  await session.setTokens(expired(tokens));
  await admin("config", { fault: { at: "token", kind: "slow-body", slowMs: 800 } });
  const inflight = session.accessToken();
  await wait(200);
  await session.signOut();
  await rejects(inflight, "reauthorization_required", (e) => assert.equal(e.reason, "revoked"));
  assert.equal((await store.get())?.tokens, undefined, "the late pair was not stored");
  await rejects(session.accessToken(), "reauthorization_required");
  assert.equal((await stats()).revoke, 1, "the late refresh token was revoked at the server");
});

test("14: a server page echoing the form body never shows the refresh token, percent-encoded or not", async () => {
  const rt = "q3J9mZ1bXw4k7+Yc1P2sT8uV0aB5dE6fG7hJ8kL9mN0p";
  const echo = async (_url, init) =>
    new Response(`<html><pre>${init.body}</pre></html>`, { status: 502, headers: { "content-type": "text/html" } });
  const auth = new ConstantContactOAuth({ clientId: "c", fetch: echo });
  await rejects(auth.refresh(rt), "server_error", (e) => {
    const shown = `${e.message} ${e.description} ${JSON.stringify(e)}`;
    for (const part of ["q3J9mZ1bXw4k7", "Yc1P2sT8uV0aB5dE6fG7hJ8kL9mN0p"]) assert.ok(!shown.includes(part), shown);
  });
});

test("15: a huge redirect string is cut before it crosses into the module, like every other string", () => {
  const auth = client();
  const huge = `${s.origin}/callback?code=${"x".repeat(32 * 1024 * 1024)}&state=s`;
  const before = process.memoryUsage().external; // wasm memory counts as external
  assert.throws(
    () => auth.parseRedirect(huge, { state: "st-15-abcdefgh" }),
    (e) => e.code === "invalid_redirect",
  );
  const grown = process.memoryUsage().external - before;
  assert.ok(grown < 8 * 1024 * 1024, `the module's memory grew by ${grown} bytes`);
});

test("16: an empty expected state is refused like any invalid state", () => {
  const auth = client();
  assert.throws(
    () => auth.parseRedirect(`${s.origin}/callback?code=X&state=`, { state: "" }),
    (e) => e.code === "invalid_config" && e.field === "state",
  );
});

test("17: a stored token set with a __proto__ key keeps its redaction", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  const hostile = JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(tokens).slice(1)}`);
  const store = memoryStore();
  await store.set({ version: 1, tokens: hostile });
  const session = auth.session({ store });
  const shown = inspect(await session.tokens());
  assert.ok(!shown.includes(tokens.refreshToken) && !shown.includes(tokens.accessToken), shown);
});

test("20: hardening of the looser checks", async () => {
  const auth = client();
  // An implicit-flow token comes only in the fragment.
  assert.throws(
    () =>
      auth.parseRedirect(`${s.origin}/callback?access_token=abc&token_type=Bearer&state=st-20-abcdefgh`, {
        state: "st-20-abcdefgh",
      }),
    (e) => e.code === "invalid_redirect",
  );
  // errorUri: https only.
  assert.throws(
    () =>
      auth.parseRedirect(
        `${s.origin}/callback?error=access_denied&error_uri=javascript:alert(1)&state=st-20-abcdefgh`,
        {
          state: "st-20-abcdefgh",
        },
      ),
    (e) => e.code === "access_denied" && e.errorUri === undefined,
  );
  // A device verification_uri on http loopback needs allowInsecureLoopback.
  const device = { device_code: "d", user_code: "U", verification_uri: "http://127.0.0.1:9/activate", expires_in: 600 };
  const fakeFetch = async () => Response.json(device);
  const strict = new ConstantContactOAuth({ clientId: "c", fetch: fakeFetch });
  await rejects(strict.startDeviceAuthorization(), "invalid_response", (e) =>
    assert.equal(e.field, "verification_uri"),
  );
  // session.fetch normalises the path before checking it stays under apiBase.
  const session = auth.session();
  await session.setTokens({ accessToken: "opaque", expiresAt: Math.floor(Date.now() / 1000) + 3600 });
  await rejects(session.fetch("/../../__admin/stats"), "invalid_config", (e) => assert.equal(e.field, "pathOrUrl"));
  // An access token issued to another client is warned about.
  const other = jwtLike({ exp: 2_000_000_000, cid: "someone-else", iat: Math.floor(Date.now() / 1000) });
  const answer = { access_token: other, token_type: "Bearer", expires_in: 86400, refresh_token: "r".repeat(40) };
  const mixed = new ConstantContactOAuth({ clientId: "c", fetch: async () => Response.json(answer) });
  const t = await mixed.refresh("r".repeat(40));
  assert.ok(
    t.warnings.some((w) => w.startsWith("client_mismatch")),
    t.warnings.join("\n"),
  );
});

test("a freed client: a later server-side call is a typed client_freed, not a crash in the bindings", async () => {
  const auth = new ConstantContactOAuth({ clientId: "cc-device", redirectUri: "https://a.example/cb" });
  auth.free();
  await assert.rejects(auth.startDeviceAuthorization(), (e) => e.code === "invalid_config" && /freed/.test(e.message));
});
