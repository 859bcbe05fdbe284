// The local Constant Contact-compatible server's own behaviours that the library tests lean on.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";

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

test("the device endpoint adds interval; the token limit answers 429 with Retry-After when switched on", async () => {
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
    assert.equal(limited.headers.get("retry-after"), "1");
  } finally {
    await fetch(`${s.origin}/__admin/config`, { method: "POST", body: JSON.stringify({ tokenRateLimit: false }) });
  }
});
