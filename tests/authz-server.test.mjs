// The local Constant Contact-compatible server's own behaviours that the library tests lean on: its
// Constant Contact defaults and each switch that restores a lenient behaviour, over real HTTP (Node's fetch).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
import { spawn } from "node:child_process";
import * as jose from "jose";
import { startAuthServer, CLIENTS, KNOWN_SCOPES } from "../authz-server/server.mjs";
import { ScriptedUser } from "./js/user-agent.mjs";

let s;
before(async () => {
  s = await startAuthServer();
});
after(() => s?.close());

const form = (body, headers = {}) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  body: new URLSearchParams(body),
});
const admin = (srv, path, body) =>
  fetch(`${srv.origin}/__admin/${path}`, { method: "POST", body: body && JSON.stringify(body) });
const basic = (c) => ({ authorization: `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString("base64")}` });
const AUD = "https://api.cc.email/v3";
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url"));

/** A PKCE pair (S256). */
function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** The authorize URL for a client of the server, with PKCE when the client is public. */
function authorizeUrl(srv, { kind = "pkce", scope = "contact_data offline_access", state = "st-1", extra = {} } = {}) {
  const { verifier, challenge } = pkce();
  const q = {
    client_id: CLIENTS[kind].id,
    response_type: "code",
    redirect_uri: `${srv.origin}/callback`,
    scope,
    state,
  };
  if (!CLIENTS[kind].secret) Object.assign(q, { code_challenge: challenge, code_challenge_method: "S256" });
  return { url: `${srv.endpoints.authorize}?${new URLSearchParams({ ...q, ...extra })}`, verifier, state };
}

/** Signs in through the server's pages; the redirect back (a URL) and the verifier for the exchange. */
async function signIn(srv, opts = {}) {
  const { url, verifier } = authorizeUrl(srv, opts);
  const redirect = await new ScriptedUser().authorize(url, {
    login: opts.login,
    redirectUri: `${srv.origin}/callback`,
  });
  return { redirect: new URL(redirect), verifier };
}

/** The token endpoint's answer for a code (public clients send the verifier, confidential ones Basic auth). */
function exchange(srv, code, { kind = "pkce", verifier, redirectUri = `${srv.origin}/callback` } = {}) {
  const c = CLIENTS[kind];
  const body = { grant_type: "authorization_code", code, redirect_uri: redirectUri };
  if (c.secret) return fetch(srv.endpoints.token, form(body, basic(c)));
  return fetch(srv.endpoints.token, form({ ...body, code_verifier: verifier, client_id: c.id }));
}

function refresh(srv, refreshToken, kind = "pkce") {
  const c = CLIENTS[kind];
  const body = { grant_type: "refresh_token", refresh_token: refreshToken };
  return fetch(srv.endpoints.token, form(c.secret ? body : { ...body, client_id: c.id }, c.secret ? basic(c) : {}));
}

/** A token set from a full sign-in (JSON of a 200). */
async function tokensFor(srv, { kind = "pkce", ...opts } = {}) {
  const { redirect, verifier } = await signIn(srv, { kind, ...opts });
  const res = await exchange(srv, redirect.searchParams.get("code"), { kind, verifier });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

/** The error answer of a token-endpoint request: status and JSON body. */
async function failure(res) {
  return { status: res.status, body: await res.json() };
}

test("API stub: CC's 401 body and CORS headers, 200 with a valid token, both 429 kinds when switched", async () => {
  const summary = `${s.endpoints.apiBase}/account/summary`;
  const res = await fetch(summary, { headers: { authorization: "Bearer nope" } });
  assert.equal(res.status, 401);
  assert.equal(await res.text(), '{"error_key":"unauthorized","error_message":"Unauthorized"}');
  assert.equal(res.headers.get("www-authenticate"), "Bearer realm=api.cc.email");
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.equal(res.headers.get("access-control-allow-headers"), "Content-Type,X-Amz-Date,Authorization,X-Api-Key");
  const now = Math.floor(Date.now() / 1000);
  const token = await s.signAccessToken({
    iss: s.issuer,
    aud: "https://api.cc.email/v3",
    iat: now,
    exp: now + 60,
    cid: "c",
    sub: "me",
    jti: "t1",
    scp: ["account_read"],
    platform_user_id: "p",
  });
  assert.equal((await fetch(summary, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  const noScope = await s.signAccessToken({
    iss: s.issuer,
    aud: "https://api.cc.email/v3",
    iat: now,
    exp: now + 60,
    cid: "c",
    sub: "me",
    jti: "t2",
    scp: [],
  });
  assert.equal((await fetch(summary, { headers: { authorization: `Bearer ${noScope}` } })).status, 403);
  assert.equal(
    (await fetch(`${s.endpoints.apiBase}/account/user/privileges`, { headers: { authorization: `Bearer ${noScope}` } }))
      .status,
    200,
    "privileges needs no scope",
  );
  for (const [kind, body] of [
    ["throttled", [{ error_key: "throttled", error_message: "Too Many Requests" }]],
    ["quota_exceeded", { error_key: "quota_exceeded", error_message: "Limit Exceeded" }],
  ]) {
    await fetch(`${s.origin}/__admin/config`, { method: "POST", body: JSON.stringify({ api429: kind }) });
    const r = await fetch(summary, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 429);
    assert.deepEqual(await r.json(), body);
  }
  await fetch(`${s.origin}/__admin/config`, { method: "POST", body: JSON.stringify({ api429: null }) });
});

test("JWT access tokens can be introspected and revoked (by jti); the API then refuses them", async () => {
  const now = Math.floor(Date.now() / 1000);
  const token = await s.signAccessToken({
    iss: s.issuer,
    aud: "https://api.cc.email/v3",
    iat: now,
    exp: now + 60,
    cid: CLIENTS.pkce.id,
    sub: "me",
    jti: "revoke-me",
    scp: ["account_read"],
  });
  const introspect = async () =>
    (
      await fetch(s.endpoints.revoke.replace("revoke", "introspect"), form({ token, client_id: CLIENTS.pkce.id }))
    ).json();
  assert.equal((await introspect()).active, true);
  assert.equal((await fetch(s.endpoints.revoke, form({ token, client_id: CLIENTS.pkce.id }))).status, 200);
  assert.equal((await introspect()).active, false);
  assert.equal(
    (await fetch(`${s.endpoints.apiBase}/account/summary`, { headers: { authorization: `Bearer ${token}` } })).status,
    401,
  );
});

test("device interval; the token limit answers 429 without Retry-After (CC), with it when switched", async () => {
  const d = await (
    await fetch(s.endpoints.deviceAuthorize, form({ client_id: CLIENTS.device.id, scope: "contact_data" }))
  ).json();
  assert.equal(d.interval, 5);
  assert.equal(d.expires_in, 600);
  await fetch(`${s.origin}/__admin/config`, { method: "POST", body: JSON.stringify({ tokenRateLimit: true }) });
  try {
    const poll = () =>
      fetch(
        s.endpoints.token,
        form({
          grant_type: "urn:ietf:params:oauth:grant-type:device_code",
          device_code: d.device_code,
          client_id: CLIENTS.device.id,
        }),
      );
    assert.equal((await poll()).status, 400, "authorization_pending");
    const limited = await poll();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.has("retry-after"), false, "CC's 429 names no Retry-After");
    assert.equal((await limited.json()).error, "rate_limited");
    await admin(s, "config", { tokenRetryAfter: true });
    const old = await poll();
    assert.equal(old.status, 429);
    assert.equal(old.headers.get("retry-after"), "1", "tokenRetryAfter: true restores it");
  } finally {
    await admin(s, "config", { tokenRateLimit: false, tokenRetryAfter: false });
  }
});

test("CC layout: endpoints on 127.0.0.1, issuer and key set on 127.0.0.2; neither serves the other's", async () => {
  const port = new URL(s.origin).port;
  assert.deepEqual(s.endpoints, {
    authorize: `http://127.0.0.1:${port}/oauth2/default/v1/authorize`,
    token: `http://127.0.0.1:${port}/oauth2/default/v1/token`,
    deviceAuthorize: `http://127.0.0.1:${port}/oauth2/default/v1/device/authorize`,
    revoke: `http://127.0.0.1:${port}/oauth2/default/v1/revoke`,
    jwks: `http://127.0.0.2:${port}/oauth2/aus1lm3ry9mF7x2Ja0h8/v1/keys`,
    issuer: `http://127.0.0.2:${port}/oauth2/aus1lm3ry9mF7x2Ja0h8`,
    audience: "https://api.cc.email/v3",
    apiBase: `http://127.0.0.1:${port}/v3`,
  });
  assert.equal(s.issuer, s.endpoints.issuer);
  assert.equal(s.identityOrigin, `http://127.0.0.2:${port}`);
  const tokens = await tokensFor(s);
  const keys = jose.createRemoteJWKSet(new URL(s.endpoints.jwks));
  const { payload } = await jose.jwtVerify(tokens.access_token, keys, { issuer: s.issuer, audience: AUD });
  assert.equal(payload.iss, `http://127.0.0.2:${port}/oauth2/aus1lm3ry9mF7x2Ja0h8`);
  for (const wrong of [
    `${s.origin}/oauth2/aus1lm3ry9mF7x2Ja0h8/v1/keys`, // the key set's path on the endpoints host
    `${s.origin}/oauth2/default/v1/keys`, // Okta's alias on authz.: not confirmed for CC
    `${s.identityOrigin}/oauth2/default/v1/authorize`,
    `${s.identityOrigin}/v3/account/user/privileges`,
  ]) {
    assert.equal((await fetch(wrong)).status, 404, wrong);
  }
  const onIdentity = await fetch(s.endpoints.token.replace(s.origin, s.identityOrigin), form({ grant_type: "x" }));
  assert.equal(onIdentity.status, 404, "no token endpoint on the identity host");
  const res = await fetch(`${s.endpoints.apiBase}/account/user/privileges`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  assert.equal(res.status, 200, "the API stub stays on the endpoints origin");
});

test("singleOrigin: true restores the one-origin layout (issuer .../oauth2/default, keys under it)", async () => {
  const one = await startAuthServer({ singleOrigin: true });
  try {
    assert.equal(one.issuer, `${one.origin}/oauth2/default`);
    assert.equal(one.endpoints.jwks, `${one.origin}/oauth2/default/v1/keys`);
    assert.equal(one.identityOrigin, one.origin);
    assert.equal(one.endpoints.token, `${one.origin}/oauth2/default/v1/token`);
    const tokens = await tokensFor(one);
    assert.equal(claimsOf(tokens.access_token).iss, one.issuer);
    const keys = jose.createRemoteJWKSet(new URL(one.endpoints.jwks));
    await jose.jwtVerify(tokens.access_token, keys, { issuer: one.issuer, audience: AUD });
  } finally {
    await one.close();
  }
});

test("no iss on the authorization redirect by default, for a code and for an error", async () => {
  const { redirect } = await signIn(s);
  assert.ok(redirect.searchParams.get("code"));
  assert.equal(redirect.searchParams.get("state"), "st-1");
  assert.equal(redirect.searchParams.has("iss"), false, redirect.href);
  const { url } = authorizeUrl(s);
  const denied = new URL(
    await new ScriptedUser().authorize(url, { decision: "deny", redirectUri: `${s.origin}/callback` }),
  );
  assert.equal(denied.searchParams.get("error"), "access_denied");
  assert.equal(denied.searchParams.has("iss"), false, denied.href);
});

test("redirectIss: true sends oidc-provider's iss (the token issuer); a string sends that value", async () => {
  try {
    assert.equal((await admin(s, "config", { redirectIss: true })).status, 200);
    const { redirect, verifier } = await signIn(s);
    assert.equal(redirect.searchParams.get("iss"), s.issuer);
    const tokens = await (await exchange(s, redirect.searchParams.get("code"), { verifier })).json();
    assert.equal(claimsOf(tokens.access_token).iss, s.issuer, "the same issuer as the tokens");
    await admin(s, "config", { redirectIss: "https://identity.example/oauth2/other" });
    const other = await signIn(s);
    assert.equal(other.redirect.searchParams.get("iss"), "https://identity.example/oauth2/other");
    assert.equal(other.redirect.searchParams.getAll("iss").length, 1);
  } finally {
    await admin(s, "config", { redirectIss: false });
  }
  const opt = await startAuthServer({ redirectIss: true });
  try {
    assert.equal((await signIn(opt)).redirect.searchParams.get("iss"), opt.issuer, "as a startAuthServer option");
  } finally {
    await opt.close();
  }
});

const SCOPE_TEXT = "One or more scopes are not configured for the authorization server resource.";

test("unknown scopes get invalid_scope: a redirect with state at /authorize, 400 at device and token", async () => {
  assert.deepEqual([...KNOWN_SCOPES].sort(), [
    "account_read",
    "account_update",
    "campaign_data",
    "contact_data",
    "offline_access",
    "openid",
  ]);
  const { url } = authorizeUrl(s, { scope: "contact_data made_up", state: "st-9" });
  const res = await fetch(url, { redirect: "manual" });
  assert.equal(res.status, 303);
  const back = new URL(res.headers.get("location"));
  assert.equal(`${back.origin}${back.pathname}`, `${s.origin}/callback`);
  assert.deepEqual(Object.fromEntries(back.searchParams), {
    error: "invalid_scope",
    error_description: SCOPE_TEXT,
    state: "st-9",
  });
  const device = await fetch(s.endpoints.deviceAuthorize, form({ client_id: CLIENTS.device.id, scope: "made_up" }));
  assert.deepEqual(await failure(device), {
    status: 400,
    body: { error: "invalid_scope", error_description: SCOPE_TEXT },
  });
  const tokens = await tokensFor(s);
  const body = { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: CLIENTS.pkce.id };
  const token = await fetch(s.endpoints.token, form({ ...body, scope: "contact_data made_up" }));
  assert.deepEqual(await failure(token), {
    status: 400,
    body: { error: "invalid_scope", error_description: SCOPE_TEXT },
  });
  assert.equal((await fetch(s.endpoints.token, form({ ...body, scope: "contact_data" }))).status, 200, "known: fine");
});

test('unknownScopes: "ignore" restores oidc-provider\'s silent drop', async () => {
  try {
    await admin(s, "config", { unknownScopes: "ignore" });
    const { redirect, verifier } = await signIn(s, { scope: "contact_data made_up offline_access" });
    const tokens = await (await exchange(s, redirect.searchParams.get("code"), { verifier })).json();
    assert.deepEqual(claimsOf(tokens.access_token).scp, ["contact_data"]);
    const device = await fetch(s.endpoints.deviceAuthorize, form({ client_id: CLIENTS.device.id, scope: "made_up" }));
    assert.equal(device.status, 200);
  } finally {
    await admin(s, "config", { unknownScopes: "refuse" });
  }
});

test("admin config refuses an unknown switch or a bad value (400, unchanged); options are checked too", async () => {
  for (const bad of [{ redirectISS: true }, { unknownScopes: "drop" }, { fault: { at: "nowhere", kind: "500" } }]) {
    const res = await admin(s, "config", bad);
    assert.equal(res.status, 400, JSON.stringify(bad));
    assert.equal((await res.json()).error, "bad_config");
  }
  assert.equal(s.switches.unknownScopes, "refuse");
  await assert.rejects(startAuthServer({ redirectIss: 1 }), /bad value for redirectIss/);
});

const PAGE = "http://127.0.0.1:8080"; // the origin of a registered redirect URI (http://127.0.0.1:8080/www/)
const preflight = (srv, url, origin) =>
  fetch(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
  });
const corsHeaders = (res) => [...res.headers.keys()].filter((k) => k.startsWith("access-control-"));

test("CORS only for trusted origins: none by default, not even for a registered redirect URI's origin", async () => {
  assert.deepEqual(s.switches.trustedOrigins, []);
  for (const url of [s.endpoints.token, s.endpoints.revoke, s.endpoints.deviceAuthorize]) {
    const pre = await preflight(s, url, PAGE);
    assert.equal(pre.status, 204, url);
    assert.deepEqual(corsHeaders(pre), [], url);
  }
  const tokens = await tokensFor(s);
  const body = { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: CLIENTS.pkce.id };
  const post = await fetch(s.endpoints.token, form(body, { origin: PAGE }));
  assert.equal(post.status, 400);
  assert.deepEqual(corsHeaders(post), []);
  assert.equal((await post.json()).error, "invalid_request");
  assert.equal(
    (await fetch(s.endpoints.token, form(body))).status,
    200,
    "the refresh token still works without Origin",
  );
});

test("trustedOrigins: preflight and POST get CORS for a trusted origin only (public clients, device too)", async () => {
  try {
    await admin(s, "config", { trustedOrigins: [`${PAGE}/`] });
    assert.deepEqual(s.switches.trustedOrigins, [PAGE], "kept as an origin");
    const pre = await preflight(s, s.endpoints.token, PAGE);
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), PAGE);
    assert.match(pre.headers.get("access-control-allow-methods"), /POST/);
    assert.deepEqual(corsHeaders(await preflight(s, s.endpoints.token, "http://127.0.0.1:8081")), []);
    const tokens = await tokensFor(s);
    const body = { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: CLIENTS.pkce.id };
    const post = await fetch(s.endpoints.token, form(body, { origin: PAGE }));
    assert.equal(post.status, 200);
    assert.equal(post.headers.get("access-control-allow-origin"), PAGE);
    const device = await fetch(s.endpoints.deviceAuthorize, form({ client_id: CLIENTS.device.id }, { origin: PAGE }));
    assert.equal(device.status, 200);
    assert.equal(device.headers.get("access-control-allow-origin"), PAGE);
    const own = await fetch(s.endpoints.token, form({ ...body, scope: "made_up" }, { origin: PAGE }));
    assert.equal(own.status, 400, "an answer of the server's own (invalid_scope) ...");
    assert.equal(own.headers.get("access-control-allow-origin"), PAGE, "... is readable by a trusted page too");
    const c = CLIENTS.confidential;
    const secret = await fetch(
      s.endpoints.token,
      form({ grant_type: "refresh_token", refresh_token: "x" }, { ...basic(c), origin: PAGE }),
    );
    assert.equal(secret.headers.get("access-control-allow-origin"), null, "never for a confidential client");
  } finally {
    await admin(s, "config", { trustedOrigins: [] });
  }
  const opt = await startAuthServer({ trustedOrigins: ["http://a.example:1"], corsOrigins: ["http://b.example:2/x"] });
  await opt.close();
  assert.deepEqual(opt.switches.trustedOrigins, ["http://a.example:1", "http://b.example:2"], "corsOrigins: old name");
});

test("corsFromRedirectUris: true restores CORS for the registered redirect URIs' origins", async () => {
  try {
    await admin(s, "config", { corsFromRedirectUris: true });
    const pre = await preflight(s, s.endpoints.token, PAGE);
    assert.equal(pre.headers.get("access-control-allow-origin"), PAGE);
    const tokens = await tokensFor(s);
    const body = { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: CLIENTS.pkce.id };
    const post = await fetch(s.endpoints.token, form(body, { origin: PAGE }));
    assert.equal(post.status, 200);
    assert.equal(post.headers.get("access-control-allow-origin"), PAGE);
    assert.deepEqual(corsHeaders(await preflight(s, s.endpoints.token, "http://127.0.0.1:8081")), []);
  } finally {
    await admin(s, "config", { corsFromRedirectUris: false });
  }
});

test("token errors in Okta's words: refresh token, code, PKCE, redirect_uri, client authentication", async () => {
  const expectError = async (res, status, error, error_description) =>
    assert.deepEqual(await failure(res), { status, body: { error, error_description } });
  // refresh tokens: unknown, used (rotated away), revoked
  await expectError(
    await refresh(s, "no-such-token"),
    400,
    "invalid_grant",
    "The refresh token is invalid or expired.",
  );
  const first = await tokensFor(s);
  assert.equal((await refresh(s, first.refresh_token)).status, 200);
  await expectError(
    await refresh(s, first.refresh_token),
    400,
    "invalid_grant",
    "The refresh token is invalid or expired.",
  );
  const other = await tokensFor(s);
  const revoke = { token: other.refresh_token, client_id: CLIENTS.pkce.id, token_type_hint: "refresh_token" };
  assert.equal((await fetch(s.endpoints.revoke, form(revoke))).status, 200);
  await expectError(
    await refresh(s, other.refresh_token),
    400,
    "invalid_grant",
    "The refresh token is invalid or expired.",
  );
  // codes: reused and unknown; a wrong verifier; another redirect_uri than the authorization's
  const CODE = "The authorization code is invalid or has expired.";
  const { redirect, verifier } = await signIn(s);
  const code = redirect.searchParams.get("code");
  await expectError(
    await exchange(s, code, { verifier: "x".repeat(43) }),
    400,
    "invalid_grant",
    "PKCE verification failed.",
  );
  const again = await signIn(s);
  const code2 = again.redirect.searchParams.get("code");
  assert.equal((await exchange(s, code2, { verifier: again.verifier })).status, 200);
  await expectError(await exchange(s, code2, { verifier: again.verifier }), 400, "invalid_grant", CODE);
  await expectError(await exchange(s, "no-such-code", { verifier }), 400, "invalid_grant", CODE);
  const conf = await signIn(s, { kind: "confidential" });
  const elsewhere = "http://127.0.0.1:8080/www/"; // registered, but not the one the authorization used
  await expectError(
    await exchange(s, conf.redirect.searchParams.get("code"), { kind: "confidential", redirectUri: elsewhere }),
    400,
    "invalid_grant",
    "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
  );
  // client authentication
  const wrongSecret = { ...CLIENTS.confidential, secret: "not-the-secret" };
  const res = await fetch(
    s.endpoints.token,
    form({ grant_type: "refresh_token", refresh_token: "x" }, basic(wrongSecret)),
  );
  const CLIENT = "Client authentication failed. Either the client or the client credentials are invalid.";
  await expectError(res, 401, "invalid_client", CLIENT);
  const unknown = await fetch(
    s.endpoints.token,
    form({ grant_type: "refresh_token", refresh_token: "x", client_id: "nobody" }),
  );
  await expectError(unknown, 401, "invalid_client", CLIENT);
});

test('errorTexts: "oidc-provider" restores its own generic texts', async () => {
  try {
    await admin(s, "config", { errorTexts: "oidc-provider" });
    assert.deepEqual(await failure(await refresh(s, "no-such-token")), {
      status: 400,
      body: { error: "invalid_grant", error_description: "grant request is invalid" },
    });
    const wrongSecret = { ...CLIENTS.confidential, secret: "not-the-secret" };
    const res = await fetch(
      s.endpoints.token,
      form({ grant_type: "refresh_token", refresh_token: "x" }, basic(wrongSecret)),
    );
    assert.deepEqual(await failure(res), {
      status: 401,
      body: { error: "invalid_client", error_description: "client authentication failed" },
    });
  } finally {
    await admin(s, "config", { errorTexts: "okta" });
  }
});

const DAY = 86400;
const REFRESH_TEXT = "The refresh token is invalid or expired.";

test("refresh tokens end after 180 days unused, rotating and long-lived; each use restarts the window", async () => {
  const longLived = (await tokensFor(s, { kind: "longLived" })).refresh_token;
  let rotating = (await tokensFor(s, { kind: "confidential" })).refresh_token;
  const idle = (await tokensFor(s)).refresh_token; // never used
  const at = (days) => admin(s, "config", { clockOffsetSeconds: days * DAY });
  try {
    await at(150);
    const l1 = await refresh(s, longLived, "longLived");
    assert.equal(l1.status, 200);
    assert.equal((await l1.json()).refresh_token, longLived, "long-lived: the same token back");
    const r1 = await refresh(s, rotating, "confidential");
    assert.equal(r1.status, 200);
    rotating = (await r1.json()).refresh_token;

    await at(181);
    assert.deepEqual(await failure(await refresh(s, idle)), {
      status: 400,
      body: { error: "invalid_grant", error_description: REFRESH_TEXT },
    });
    assert.equal((await refresh(s, longLived, "longLived")).status, 200, "used on day 150: 31 days idle");
    const r2 = await refresh(s, rotating, "confidential");
    assert.equal(r2.status, 200, "issued on day 150");
    rotating = (await r2.json()).refresh_token;
    const fresh = await tokensFor(s);
    assert.ok(Math.abs(claimsOf(fresh.access_token).iat - Date.now() / 1000) < 60, "tokens keep the real clock");

    await at(181 + 181);
    for (const [token, kind] of [
      [longLived, "longLived"],
      [rotating, "confidential"],
    ]) {
      assert.deepEqual(await failure(await refresh(s, token, kind)), {
        status: 400,
        body: { error: "invalid_grant", error_description: REFRESH_TEXT },
      });
    }
  } finally {
    await at(0);
  }
});

test('refreshTokenExpiry: "issue" restores the old 30 days from issue, however recently used', async () => {
  const longLived = (await tokensFor(s, { kind: "longLived" })).refresh_token;
  const at = (days) => admin(s, "config", { clockOffsetSeconds: days * DAY });
  try {
    await admin(s, "config", { refreshTokenExpiry: "issue" });
    await at(29);
    assert.equal((await refresh(s, longLived, "longLived")).status, 200);
    await at(31);
    assert.deepEqual(await failure(await refresh(s, longLived, "longLived")), {
      status: 400,
      body: { error: "invalid_grant", error_description: REFRESH_TEXT },
    });
    await admin(s, "config", { refreshTokenExpiry: "idle" });
    assert.equal((await refresh(s, longLived, "longLived")).status, 200, "2 days idle by the CC rule");
  } finally {
    await admin(s, "config", { refreshTokenExpiry: "idle", clockOffsetSeconds: 0 });
  }
});

const discoveryUrls = (srv) => [
  `${srv.origin}/.well-known/openid-configuration`,
  `${srv.origin}/.well-known/oauth-authorization-server`,
  `${srv.origin}/oauth2/default/.well-known/openid-configuration`,
  `${srv.origin}/oauth2/default/.well-known/oauth-authorization-server`,
  `${srv.issuer}/.well-known/openid-configuration`,
  `${srv.issuer}/.well-known/oauth-authorization-server`,
];

test("no discovery document: /.well-known/* and /oauth2/*/.well-known/* answer 404 on both hosts", async () => {
  for (const url of [...discoveryUrls(s), `${s.identityOrigin}/.well-known/openid-configuration`]) {
    const res = await fetch(url);
    assert.equal(res.status, 404, url);
    assert.equal((await res.json()).error, "not_found");
  }
});

test("discovery: true serves the documents, naming the real endpoints and key set", async () => {
  try {
    await admin(s, "config", { discovery: true });
    for (const url of discoveryUrls(s)) {
      const res = await fetch(url);
      assert.equal(res.status, 200, url);
      const doc = await res.json();
      assert.equal(doc.issuer, s.issuer, url);
      assert.equal(doc.authorization_endpoint, s.endpoints.authorize);
      assert.equal(doc.token_endpoint, s.endpoints.token);
      assert.equal(doc.device_authorization_endpoint, s.endpoints.deviceAuthorize);
      assert.equal(doc.revocation_endpoint, s.endpoints.revoke);
      assert.equal(doc.jwks_uri, s.endpoints.jwks);
      assert.equal(doc.authorization_response_iss_parameter_supported, false, "as redirectIss says");
    }
  } finally {
    await admin(s, "config", { discovery: false });
  }
});

/** A device-flow token set: authorization, the user's approval through the pages, one poll. */
async function deviceTokens(srv, login = "owner@example.com") {
  const d = await (
    await fetch(
      srv.endpoints.deviceAuthorize,
      form({ client_id: CLIENTS.device.id, scope: "contact_data offline_access" }),
    )
  ).json();
  await new ScriptedUser().approveDevice(d.verification_uri, d.user_code, { login });
  const grant = { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: d.device_code };
  const res = await fetch(srv.endpoints.token, form({ ...grant, client_id: CLIENTS.device.id }));
  assert.equal(res.status, 200);
  return res.json();
}

test("by default a new sign-in leaves the earlier refresh tokens of that client and user working", async () => {
  const first = await tokensFor(s);
  await tokensFor(s);
  assert.equal((await refresh(s, first.refresh_token)).status, 200);
});

test("newSignInEndsRefreshTokens: a code or device sign-in ends the client+user's earlier refresh tokens", async () => {
  const ended = { status: 400, body: { error: "invalid_grant", error_description: REFRESH_TEXT } };
  try {
    await admin(s, "config", { newSignInEndsRefreshTokens: true });
    const mine = await tokensFor(s); // owner@example.com, cc-pkce
    const rotated = await (await refresh(s, mine.refresh_token)).json();
    const otherUser = await tokensFor(s, { login: "someone@example.com" });
    const otherClient = await tokensFor(s, { kind: "longLived" });
    const confidential = await tokensFor(s, { kind: "confidential" });
    const again = await tokensFor(s); // the new sign-in
    assert.deepEqual(await failure(await refresh(s, rotated.refresh_token)), ended, "the earlier token (rotated)");
    assert.equal((await refresh(s, again.refresh_token)).status, 200, "the new one works");
    assert.equal((await refresh(s, otherUser.refresh_token)).status, 200, "another user's");
    assert.equal((await refresh(s, otherClient.refresh_token, "longLived")).status, 200, "another client's");
    assert.equal((await refresh(s, confidential.refresh_token, "confidential")).status, 200);
    const intro = { token: rotated.refresh_token, client_id: CLIENTS.pkce.id };
    assert.equal(
      (await (await fetch(s.endpoints.revoke.replace("revoke", "introspect"), form(intro))).json()).active,
      false,
    );

    await admin(s, "config", { deviceInterval: 0 });
    const device = await deviceTokens(s);
    const device2 = await deviceTokens(s);
    assert.deepEqual(await failure(await refresh(s, device.refresh_token, "device")), ended, "device flow too");
    assert.equal((await refresh(s, device2.refresh_token, "device")).status, 200);
  } finally {
    await admin(s, "config", { newSignInEndsRefreshTokens: false, deviceInterval: 5 });
  }
});

/** A raw request with any Host header (fetch would set its own): the status. */
const rawStatus = (srv, path, headers, method = "GET") =>
  new Promise((resolve, reject) => {
    const req = request(`${srv.origin}${path}`, { method, headers }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on("error", reject);
    req.end(method === "POST" ? JSON.stringify({ tokenRateLimit: true }) : undefined);
  });

test("/__admin refuses a foreign Origin and a non-loopback Host; this server's own names pass", async () => {
  const port = new URL(s.origin).port;
  for (const origin of ["http://127.0.0.1:8080", "https://evil.example", "null", `http://127.0.0.1:${port}/x`]) {
    const res = await fetch(`${s.origin}/__admin/stats`, { headers: { origin } });
    assert.equal(res.status, 403, origin);
    assert.equal((await res.json()).error, "forbidden");
    const post = await fetch(`${s.origin}/__admin/config`, {
      method: "POST",
      headers: { origin },
      body: JSON.stringify({ tokenRateLimit: true }),
    });
    assert.equal(post.status, 403, origin);
  }
  assert.equal(s.switches.tokenRateLimit, false, "nothing was changed");
  for (const host of [
    `evil.example:${port}`,
    `127.0.0.1:${Number(port) + 1}`,
    "127.0.0.1",
    `127.0.0.1.evil.example:${port}`,
  ]) {
    assert.equal(await rawStatus(s, "/__admin/stats", { host }), 403, host);
    assert.equal(await rawStatus(s, "/__admin/config", { host }, "POST"), 403, host);
  }
  assert.equal(s.switches.tokenRateLimit, false);
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `127.0.0.2:${port}`]) {
    assert.equal(await rawStatus(s, "/__admin/stats", { host }), 200, host);
  }
  const own = await fetch(`${s.origin}/__admin/stats`, { headers: { origin: s.origin } });
  assert.equal(own.status, 200, "this server's own origin");
  assert.equal((await fetch(`${s.origin}/__admin/stats`)).status, 200, "Node's fetch: no Origin");
});

/** Runs the command line until its stdout satisfies `done`, then `use(out)` while it runs; stopped either way. */
async function cli(args, done, use = () => {}) {
  const child = spawn(process.execPath, ["authz-server/server.mjs", ...args], {
    cwd: new URL("..", import.meta.url),
    env: { ...process.env, AUTHZ_PORT: "" },
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${args}: no output in time: ${out} (stderr: ${err})`)), 15_000);
      child.stdout.on("data", (d) => {
        out += d;
        if (done(out)) {
          clearTimeout(timer);
          Promise.resolve(use(out)).then(() => resolve(out), reject);
        }
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
  } finally {
    child.kill();
  }
}

test("command line: --json prints one line of JSON; the endpoints work and --trusted-origin is applied", async () => {
  let allowed;
  const out = await cli(
    ["--port", "0", "--json", "--trusted-origin", PAGE, "--trusted-origin", "http://x.example"],
    (o) => o.includes("\n"),
    async (o) => {
      const pre = await preflight(null, JSON.parse(o).endpoints.token, PAGE);
      allowed = pre.headers.get("access-control-allow-origin");
    },
  );
  assert.equal(allowed, PAGE, "the token endpoint answers, with CORS for the trusted origin");
  const lines = out.trim().split("\n");
  assert.equal(lines.length, 1, out);
  const info = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(info), ["origin", "issuer", "endpoints", "clients", "trustedOrigins"]);
  assert.deepEqual(Object.keys(info.endpoints), [
    "authorize",
    "token",
    "deviceAuthorize",
    "revoke",
    "jwks",
    "issuer",
    "audience",
    "apiBase",
  ]);
  assert.match(info.endpoints.token, /^http:\/\/127\.0\.0\.1:\d+\/oauth2\/default\/v1\/token$/);
  assert.match(info.endpoints.jwks, /^http:\/\/127\.0\.0\.2:\d+\/oauth2\/aus1lm3ry9mF7x2Ja0h8\/v1\/keys$/);
  assert.deepEqual(info.clients.pkce, { id: CLIENTS.pkce.id });
  assert.deepEqual(info.trustedOrigins, [PAGE, "http://x.example"]);
});

test("command line: line 1 names the endpoints origin alone (scripts/test.sh), then the endpoints JSON", async () => {
  const out = await cli(["--port", "0"], (o) => /\n}\n/.test(o));
  const lines = out.split("\n");
  // As scripts/test.sh: the first line containing http://127.0.0.1: has exactly that origin once.
  const first = lines.find((l) => l.includes("http://127.0.0.1:"));
  assert.equal(first, lines[0]);
  assert.equal(first.match(/http:\/\/127\.0\.0\.1:[0-9]*/g).length, 1);
  const origin = first.match(/http:\/\/127\.0\.0\.1:[0-9]*/)[0];
  const endpoints = JSON.parse(out.slice(out.indexOf("endpoints:\n") + "endpoints:\n".length));
  assert.equal(endpoints.token, `${origin}/oauth2/default/v1/token`);
  assert.ok(endpoints.issuer.startsWith(origin.replace("127.0.0.1", "127.0.0.2")));
  const single = await cli(["--port", "0", "--single-origin"], (o) => /\n}\n/.test(o));
  const singleOrigin = single.match(/http:\/\/127\.0\.0\.1:[0-9]*/)[0];
  assert.match(single, new RegExp(`"jwks": "${singleOrigin}/oauth2/default/v1/keys"`), "--single-origin");
});
