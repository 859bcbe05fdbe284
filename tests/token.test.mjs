// Every token-endpoint flow from Node against the local Constant Contact-compatible server: a real OAuth
// server (oidc-provider) on 127.0.0.1, driven through its real login and consent pages.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { generateKeyPairSync } from "node:crypto";
import { inspect } from "node:util";
import * as jose from "jose";
import { ConstantContactOAuth, decodeAccessToken } from "ctct-oauth";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
import { ScriptedUser } from "./js/user-agent.mjs";
import { rejects } from "./js/report.mjs";

let s;
before(async () => {
  s = await startAuthServer({ deviceInterval: 1 });
});
after(() => s?.close());

const reset = () => fetch(`${s.origin}/__admin/reset`, { method: "POST" });
const configure = (o) => fetch(`${s.origin}/__admin/config`, { method: "POST", body: JSON.stringify(o) });
const stats = async () => (await fetch(`${s.origin}/__admin/stats`)).json();

function client(kind, extra = {}) {
  const c = CLIENTS[kind];
  return new ConstantContactOAuth({
    clientId: c.id,
    clientSecret: c.secret,
    redirectUri: kind === "device" ? undefined : `${s.origin}/callback`,
    endpoints: s.endpoints,
    allowInsecureLoopback: true,
    ...extra,
  });
}

/** The whole redirect flow: authorize URL, a scripted user signing in and allowing, the redirect parsed. */
async function authorize(auth, { login, decision, ...opts } = {}) {
  const req = auth.authorizationUrl(opts);
  const back = await new ScriptedUser().authorize(req.url, { login, decision, redirectUri: `${s.origin}/callback` });
  return { ...req, back };
}

test("PKCE (public client): authorize, parse the redirect, exchange; a CC-shaped token set", async () => {
  await reset();
  const auth = client("pkce", { scopes: ["account_read", "contact_data"] });
  const { back, state, codeVerifier } = await authorize(auth);
  const { code, iss } = auth.parseRedirect(back, { state });
  assert.equal(iss, undefined, "Constant Contact's redirects carry no iss (the local server's default)");
  const tokens = await auth.exchangeCode(code, { codeVerifier });
  assert.equal(tokens.tokenType, "Bearer");
  assert.ok(tokens.refreshToken, "offline_access was added, so a refresh token came");
  assert.deepEqual(tokens.warnings, []);
  const claims = decodeAccessToken(tokens.accessToken);
  assert.equal(claims.clientId, CLIENTS.pkce.id);
  assert.equal(claims.aud, "https://api.cc.email/v3");
  assert.equal(claims.exp - claims.iat, 86400);
  assert.equal(tokens.expiresAt, claims.exp, "expiresAt from exp, computed at receipt");
  assert.ok(Math.abs(tokens.receivedAt - Date.now() / 1000) < 5);
  assert.deepEqual(claims.scopes.sort(), ["account_read", "contact_data"]);
  assert.equal((await stats()).token, 1, "one round trip");
  // The token works at the API stub.
  const res = await fetch(`${s.endpoints.apiBase}/account/summary`, {
    headers: { authorization: `Bearer ${tokens.accessToken}` },
  });
  assert.equal(res.status, 200);
});

test("confidential client: Basic auth, no verifier; the code works once", async () => {
  const auth = client("confidential");
  const { back, state } = await authorize(auth);
  const { code } = auth.parseRedirect(back, { state });
  const tokens = await auth.exchangeCode(code);
  assert.ok(tokens.accessToken && tokens.refreshToken);
  await rejects(auth.exchangeCode(code), "invalid_grant", (e) => {
    assert.equal(e.status, 400);
    assert.ok(!e.message.includes(code) && !String(e.description).includes(code), "no code in the error");
  });
});

test("a wrong PKCE verifier is rejected", async () => {
  const auth = client("pkce");
  const { back, state } = await authorize(auth);
  const { code } = auth.parseRedirect(back, { state });
  await rejects(auth.exchangeCode(code, { codeVerifier: "x".repeat(43) }), "invalid_grant");
});

test("a public client must send its verifier (caught before any request)", async () => {
  await reset();
  await rejects(client("pkce").exchangeCode("some-code"), "invalid_config", (e) =>
    assert.equal(e.field, "codeVerifier"),
  );
  assert.equal((await stats()).token, 0);
});

test("an expired code is rejected (5-minute life, shortened here)", async () => {
  const short = await startAuthServer({ codeTtl: 1 });
  try {
    const auth = new ConstantContactOAuth({
      clientId: CLIENTS.pkce.id,
      redirectUri: `${short.origin}/callback`,
      endpoints: short.endpoints,
      allowInsecureLoopback: true,
    });
    const req = auth.authorizationUrl();
    const back = await new ScriptedUser().authorize(req.url, { redirectUri: `${short.origin}/callback` });
    const { code } = auth.parseRedirect(back, { state: req.state });
    await new Promise((r) => setTimeout(r, 2100));
    await rejects(auth.exchangeCode(code, { codeVerifier: req.codeVerifier }), "invalid_grant");
  } finally {
    await short.close();
  }
});

test("rotating refresh tokens: each refresh rotates; the old one is then rejected", async () => {
  const auth = client("confidential");
  const { back, state } = await authorize(auth);
  const first = await auth.exchangeCode(auth.parseRedirect(back, { state }).code);
  const second = await auth.refresh(first);
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.notEqual(second.accessToken, first.accessToken);
  await rejects(auth.refresh(first.refreshToken), "invalid_grant");
});

test("a long-lived client gets the same refresh token back, and it keeps working", async () => {
  const auth = client("longLived");
  const { back, state } = await authorize(auth);
  const first = await auth.exchangeCode(auth.parseRedirect(back, { state }).code);
  const a = await auth.refresh(first.refreshToken);
  const b = await auth.refresh(first.refreshToken);
  assert.equal(a.refreshToken, first.refreshToken);
  assert.equal(b.refreshToken, first.refreshToken);
});

test("without offline_access there is no refresh token, and refresh says why", async () => {
  const auth = client("pkce", { offline: false });
  const { back, state, codeVerifier } = await authorize(auth);
  const tokens = await auth.exchangeCode(auth.parseRedirect(back, { state }).code, { codeVerifier });
  assert.equal(tokens.refreshToken, undefined);
  await rejects(auth.refresh(tokens), "reauthorization_required", (e) => assert.equal(e.reason, "no_refresh_token"));
});

test("a revoked refresh token is rejected afterwards", async () => {
  const auth = client("pkce");
  const { back, state, codeVerifier } = await authorize(auth);
  const tokens = await auth.exchangeCode(auth.parseRedirect(back, { state }).code, { codeVerifier });
  await auth.revoke(tokens.refreshToken);
  await rejects(auth.refresh(tokens), "invalid_grant");
});

test("device flow: user code, scripted approval, polling at the interval", async () => {
  await reset();
  const auth = client("device", { scopes: ["contact_data"] });
  const device = await auth.startDeviceAuthorization();
  assert.match(device.userCode, /^[A-Z]{4}-[A-Z]{4}$/);
  assert.equal(device.interval, 1);
  assert.ok(device.verificationUriComplete.includes(device.userCode));
  const pending = [];
  setTimeout(() => new ScriptedUser().approveDevice(device.verificationUri, device.userCode), 1500);
  const tokens = await auth.pollDeviceAuthorization(device, { onPending: (p) => pending.push(p) });
  assert.ok(tokens.refreshToken, "device tokens carry a refresh token with offline_access");
  assert.equal(decodeAccessToken(tokens.accessToken).clientId, CLIENTS.device.id);
  const st = await stats();
  assert.ok(pending.length >= 1 && pending.every((p) => p.status === "pending"), JSON.stringify(pending));
  assert.equal(
    st.tokenByGrant["urn:ietf:params:oauth:grant-type:device_code"],
    pending.length + 1,
    "one request per poll",
  );
});

test("device flow: slow_down adds 5 s to the interval", async () => {
  await reset();
  const auth = client("device");
  const device = await auth.startDeviceAuthorization();
  const a = await auth.pollDeviceAuthorizationOnce(device);
  assert.deepEqual([a.status, a.interval], ["pending", 1]);
  const b = await auth.pollDeviceAuthorizationOnce(device); // immediately: too fast
  assert.deepEqual([b.status, b.interval], ["slow_down", 6]);
  assert.equal((await stats()).tokenByGrant["urn:ietf:params:oauth:grant-type:device_code"], 2);
});

test("device flow: denial, expiry and abort", async () => {
  const auth = client("device");
  const denied = await auth.startDeviceAuthorization();
  await new ScriptedUser().approveDevice(denied.verificationUri, denied.userCode, { decision: "deny" });
  await rejects(auth.pollDeviceAuthorization(denied), "access_denied");

  const ac = new AbortController();
  const toAbort = await auth.startDeviceAuthorization();
  setTimeout(() => ac.abort(), 300);
  await rejects(auth.pollDeviceAuthorization(toAbort, { signal: ac.signal }), "aborted");

  const short = await startAuthServer({ deviceCodeTtl: 2, deviceInterval: 1 });
  try {
    const a2 = new ConstantContactOAuth({
      clientId: CLIENTS.device.id,
      endpoints: short.endpoints,
      allowInsecureLoopback: true,
    });
    const device = await a2.startDeviceAuthorization();
    const t0 = Date.now();
    await rejects(a2.pollDeviceAuthorization(device), "expired_token");
    assert.ok(Date.now() - t0 < 4000, "stops at expires_in");
  } finally {
    await short.close();
  }
});

test("the token endpoint's 1 request/s limit maps to rate_limited with retryAfter", async () => {
  await reset();
  await configure({ tokenRateLimit: true });
  try {
    const auth = client("longLived");
    const { back, state } = await authorize(auth);
    const tokens = await auth.exchangeCode(auth.parseRedirect(back, { state }).code);
    await rejects(auth.refresh(tokens), "rate_limited", (e) => {
      assert.equal(e.status, 429);
      assert.equal(e.retryAfter, 1);
    });
  } finally {
    await configure({ tokenRateLimit: false });
  }
});

test("Okta's browser rule: a confidential code exchange carrying Origin gets a clear invalid_client", async () => {
  // What a Worker that forwards the browser's headers does: the Origin reaches the token endpoint.
  const forwardingFetch = (url, init) =>
    fetch(url, { ...init, headers: { ...init.headers, origin: "http://127.0.0.1:1" } });
  const auth = client("confidential", { fetch: forwardingFetch });
  const { back, state } = await authorize(auth);
  await rejects(auth.exchangeCode(auth.parseRedirect(back, { state }).code), "invalid_client", (e) => {
    assert.equal(e.status, 401);
    assert.match(e.description, /must use Proof Key for Code Exchange/);
    assert.match(e.hint, /PKCE|server/);
  });
});

test("requests: POST, form body, Accept JSON, nothing in the URL", async () => {
  const seen = [];
  const spy = (url, init) => (seen.push({ url, ...init }), fetch(url, init));
  const auth = client("confidential", { fetch: spy });
  const { back, state } = await authorize(auth);
  const tokens = await auth.exchangeCode(auth.parseRedirect(back, { state }).code);
  await auth.refresh(tokens);
  for (const r of seen) {
    assert.equal(r.method, "POST");
    assert.equal(r.url, s.endpoints.token);
    assert.equal(r.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(r.headers.accept, "application/json");
    assert.match(r.headers.authorization, /^Basic /);
    assert.equal(r.headers.origin, undefined);
  }
  assert.match(seen[0].body, /^grant_type=authorization_code&code=[^&]+&redirect_uri=/);
  assert.match(seen[1].body, /^grant_type=refresh_token&refresh_token=/);
});

test("transport failures: network error, timeout, abort, non-JSON answers", async () => {
  const hang = createServer(() => {}); // never answers
  const html = createServer((_q, r) =>
    r
      .writeHead(200, { "content-type": "text/html" })
      .end("<html><body>Maintenance. code=Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK-0s</body></html>"),
  );
  const down = createServer((_q, r) => r.writeHead(503).end("Service Unavailable"));
  const huge = createServer((_q, r) =>
    r.writeHead(200, { "content-type": "application/json" }).end(`{"access_token":"${"a".repeat(3_000_000)}"}`),
  );
  for (const srv of [hang, html, down, huge]) await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const at = (srv) => ({ ...s.endpoints, token: `http://127.0.0.1:${srv.address().port}/token` });
  try {
    const closed = client("longLived", { endpoints: { ...s.endpoints, token: "http://127.0.0.1:1/token" } });
    await rejects(closed.refresh("rt"), "network_error", (e) =>
      assert.equal(e.hint, undefined, "no CORS hint outside a browser"),
    );
    const t0 = Date.now();
    await rejects(client("longLived", { endpoints: at(hang) }).refresh("rt", { timeoutMs: 300 }), "timeout");
    assert.ok(Date.now() - t0 < 2000);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await rejects(client("longLived", { endpoints: at(hang) }).refresh("rt", { signal: ac.signal }), "aborted");
    await rejects(client("longLived", { endpoints: at(html) }).refresh("rt"), "invalid_response", (e) => {
      assert.equal(e.status, 200);
      assert.match(e.description, /Maintenance/);
      assert.ok(!e.description.includes("Wdvjb7a8T3Y4uSk"), "token-like text masked");
    });
    await rejects(client("longLived", { endpoints: at(down) }).refresh("rt"), "server_error", (e) =>
      assert.equal(e.status, 503),
    );
    await rejects(client("longLived", { endpoints: at(huge) }).refresh("rt"), "invalid_response", (e) =>
      assert.match(e.message, /too large/),
    );
  } finally {
    for (const srv of [hang, html, down, huge]) srv.close();
  }
});

test("verifyAccessToken: signature by the key set, then iss, aud, exp and cid", async () => {
  await reset();
  const auth = client("pkce");
  const { back, state, codeVerifier } = await authorize(auth);
  const tokens = await auth.exchangeCode(auth.parseRedirect(back, { state }).code, { codeVerifier });
  const claims = await auth.verifyAccessToken(tokens.accessToken);
  assert.equal(claims.clientId, CLIENTS.pkce.id);
  assert.deepEqual(claims.warnings, []);
  await auth.verifyAccessToken(tokens.accessToken);
  assert.equal((await stats()).keys, 1, "the key set is cached");

  const [h, p, sig] = tokens.accessToken.split(".");
  const payload = JSON.parse(Buffer.from(p, "base64url"));
  const altered = { ...payload, cid: "someone-else", scp: ["account_update"] };
  const forged = `${h}.${Buffer.from(JSON.stringify(altered)).toString("base64url")}.${sig}`;
  await rejects(auth.verifyAccessToken(forged), "jwt_signature_invalid");
  const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${p}.`;
  await rejects(auth.verifyAccessToken(none), "jwt_signature_invalid");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const wrongKey = await new jose.SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", kid: "cc-local-1" })
    .sign(privateKey);
  await rejects(auth.verifyAccessToken(wrongKey), "jwt_signature_invalid");
  const unknownKid = await new jose.SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", kid: "rotated-away" })
    .sign(privateKey);
  await rejects(auth.verifyAccessToken(unknownKid), "jwks_key_not_found");

  await rejects(client("confidential").verifyAccessToken(tokens.accessToken), "claim_mismatch", (e) =>
    assert.equal(e.field, "cid"),
  );
  const prodIssuer = client("pkce", {
    endpoints: { ...s.endpoints, issuer: "https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8" },
  });
  await rejects(prodIssuer.verifyAccessToken(tokens.accessToken), "claim_mismatch", (e) =>
    assert.equal(e.field, "iss"),
  );
  await rejects(auth.verifyAccessToken(tokens.accessToken, { now: payload.exp + 61 }), "jwt_expired");
  assert.ok(await auth.verifyAccessToken(tokens.accessToken, { now: payload.exp + 59 }), "within the leeway");
  await rejects(
    auth.verifyAccessToken(tokens.accessToken, { requiredScopes: ["billing_data"] }),
    "claim_mismatch",
    (e) => assert.equal(e.field, "scp"),
  );
});

test("verifyAccessToken flags platform_user_id UNASSIGNED", async () => {
  const auth = client("pkce");
  const { back, state, codeVerifier } = await authorize(auth, { login: "unassigned@example.com" });
  const tokens = await auth.exchangeCode(auth.parseRedirect(back, { state }).code, { codeVerifier });
  const claims = await auth.verifyAccessToken(tokens.accessToken);
  assert.equal(claims.platformUserId, "UNASSIGNED");
  assert.match(claims.warnings[0], /^platform_user_unassigned/);
});

test("denied consent comes back as access_denied from parseRedirect", async () => {
  const auth = client("pkce");
  const { back, state } = await authorize(auth, { decision: "deny" });
  assert.throws(
    () => auth.parseRedirect(back, { state }),
    (e) => e.code === "access_denied" && e.description === "The user denied access.",
  );
});

test("token sets print redacted; JSON keeps them for storage", async () => {
  const auth = client("longLived");
  const { back, state } = await authorize(auth);
  const tokens = await auth.exchangeCode(auth.parseRedirect(back, { state }).code);
  const shown = inspect(tokens);
  assert.ok(!shown.includes(tokens.accessToken) && !shown.includes(tokens.refreshToken), shown);
  assert.match(shown, /\[redacted\]/);
  assert.equal(JSON.parse(JSON.stringify(tokens)).refreshToken, tokens.refreshToken);
});

test("verifyAccessToken refetches the key set once for an unknown kid, after the 30 s cooldown", async () => {
  // A key set we control, to rotate keys the way an authorization server does.
  const k1 = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const k2 = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = (k, kid) => ({ ...k.publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" });
  let keys = [jwk(k1, "k1")];
  let fetches = 0;
  const srv = createServer(
    (_q, r) => (fetches++, r.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }))),
  );
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  try {
    const jwks = `http://127.0.0.1:${srv.address().port}/keys`;
    const auth = client("pkce", { endpoints: { ...s.endpoints, jwks } });
    const t0 = Math.floor(Date.now() / 1000);
    const sign = (k, kid) =>
      new jose.SignJWT({ cid: CLIENTS.pkce.id, scp: [] })
        .setProtectedHeader({ alg: "RS256", kid })
        .setIssuer(s.issuer)
        .setAudience("https://api.cc.email/v3")
        .setIssuedAt(t0)
        .setExpirationTime(t0 + 86400)
        .sign(k.privateKey);
    await auth.verifyAccessToken(await sign(k1, "k1"), { now: t0 });
    assert.equal(fetches, 1);
    // The server rotates in k2 and signs with it.
    keys = [jwk(k2, "k2"), jwk(k1, "k1")];
    const rotated = await sign(k2, "k2");
    await rejects(auth.verifyAccessToken(rotated, { now: t0 + 10 }), "jwks_key_not_found");
    assert.equal(fetches, 1, "within the cooldown the key set is not fetched again");
    const claims = await auth.verifyAccessToken(rotated, { now: t0 + 31 });
    assert.equal(claims.clientId, CLIENTS.pkce.id);
    assert.equal(fetches, 2, "one refetch for the unknown kid");
    await auth.verifyAccessToken(rotated, { now: t0 + 32 });
    await auth.verifyAccessToken(await sign(k1, "k1"), { now: t0 + 33 });
    assert.equal(fetches, 2, "then both keys are cached");
    await rejects(auth.verifyAccessToken(await sign(k2, "k9"), { now: t0 + 34 }), "jwks_key_not_found");
    assert.equal(fetches, 2, "an unknown kid right after a fetch does not refetch");
  } finally {
    srv.close();
  }
});
