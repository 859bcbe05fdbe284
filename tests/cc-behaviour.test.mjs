// Constant Contact as it really behaves (docs/constant-contact.md), against the local server's CC defaults
// (issuer and key set on another host, no iss on the redirect, trusted origins only, Okta's texts): what a
// real account would hit, and what the client makes of it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ConstantContactOAuth, decodeAccessToken } from "ctct-oauth";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
import { ScriptedUser } from "./js/user-agent.mjs";
import { rejects } from "./js/report.mjs";
import { localServer, expired } from "./js/local-server.mjs";

let s;
before(async () => {
  s = await startAuthServer({ deviceInterval: 1 });
});
after(() => s?.close());

const { admin, stats, client } = localServer(() => s);
const DAY = 86_400;
const nowSecs = () => Math.floor(Date.now() / 1000);
const callback = () => `${s.origin}/callback`;

/** The redirect flow as `login`, with `auth`'s configuration: the token set and the parsed redirect. */
async function signIn(auth, { login, codeVerifier } = {}) {
  const req = auth.authorizationUrl();
  const back = await new ScriptedUser().authorize(req.url, { login, redirectUri: callback() });
  const redirect = auth.parseRedirect(back, { state: req.state });
  const tokens = await auth.exchangeCode(redirect.code, {
    codeVerifier: codeVerifier ?? req.codeVerifier,
    scopes: req.scopes,
  });
  return { tokens, redirect };
}

const unassigned = (warnings) => warnings.some((w) => w.startsWith("platform_user_unassigned"));

test("platform_user_id UNASSIGNED is warned on every token set: exchange, refresh, device, implicit", async () => {
  await admin("reset");
  const auth = client();
  const { tokens } = await signIn(auth, { login: "unassigned@example.com" });
  assert.ok(unassigned(tokens.warnings), tokens.warnings.join("\n"));
  assert.match(
    tokens.warnings.find((w) => w.startsWith("platform_user")),
    /prompt: "login"/,
    "says what to do",
  );
  const next = await auth.refresh(tokens);
  assert.ok(unassigned(next.warnings), "refresh");
  const ordinary = await signIn(auth, { login: "owner@example.com" });
  assert.ok(!unassigned(ordinary.tokens.warnings), "only when it is so");

  const device = new ConstantContactOAuth({
    clientId: CLIENTS.device.id,
    endpoints: s.endpoints,
    allowInsecureLoopback: true,
  });
  const start = await device.startDeviceAuthorization({ scopes: ["account_read"] });
  await new ScriptedUser().approveDevice(start.verificationUri, start.userCode, { login: "unassigned@example.com" });
  const polled = await device.pollDeviceAuthorization(start);
  assert.ok(unassigned(polled.warnings), "device flow");

  const token = await s.signAccessToken({
    iss: s.issuer,
    aud: "https://api.cc.email/v3",
    cid: CLIENTS.pkce.id,
    platform_user_id: "UNASSIGNED",
    iat: nowSecs(),
    exp: nowSecs() + 28800,
  });
  const pkce = client("pkce");
  const fragment = `${callback()}#access_token=${token}&token_type=Bearer&expires_in=28800&state=st-implicit-1`;
  assert.ok(unassigned(pkce.parseImplicitRedirect(fragment, { state: "st-implicit-1" }).tokens.warnings), "implicit");
});

test("the redirect's iss and the token's iss are two settings: absent, equal, another one", async () => {
  await admin("reset");
  const auth = client();
  // Constant Contact's default: no iss on the redirect, and the tokens verify against the identity host.
  const plain = await signIn(auth);
  assert.equal(plain.redirect.iss, undefined);
  assert.equal((await auth.verifyAccessToken(plain.tokens.accessToken)).iss, s.issuer);
  assert.notEqual(new URL(s.issuer).host, new URL(s.endpoints.token).host, "issuer and endpoints on two hosts");
  // A redirect naming the token issuer passes with the default configuration.
  await admin("config", { redirectIss: true });
  assert.equal((await signIn(auth)).redirect.iss, s.issuer);
  // A redirect naming an issuer of its own: refused by default, accepted once endpoints.redirectIssuer says
  // so, and verification (the token issuer) is not touched by that setting.
  const other = "https://login.example/redirect-issuer";
  await admin("config", { redirectIss: other });
  await rejects(signIn(auth), "issuer_mismatch", (e) => assert.match(e.hint, /redirectIssuer/));
  const both = new ConstantContactOAuth({
    clientId: CLIENTS.confidential.id,
    clientSecret: CLIENTS.confidential.secret,
    redirectUri: callback(),
    endpoints: { ...s.endpoints, redirectIssuer: other },
    allowInsecureLoopback: true,
    scopes: ["account_read", "contact_data"],
  });
  const signed = await signIn(both);
  assert.equal(signed.redirect.iss, other);
  assert.equal((await both.verifyAccessToken(signed.tokens.accessToken)).iss, s.issuer);
  await admin("config", { redirectIss: false });
});

for (const offset of [2 * 3600, -2 * 3600, 25 * 3600, -25 * 3600]) {
  const skew = `${offset > 0 ? "ahead" : "behind"} by ${Math.abs(offset) / 3600} h`;
  test(`a local clock ${skew}: expiry on this clock, no extra refresh`, async () => {
    await admin("reset");
    const clock = () => Date.now() / 1000 + offset;
    const auth = new ConstantContactOAuth({
      clientId: CLIENTS.confidential.id,
      clientSecret: CLIENTS.confidential.secret,
      redirectUri: callback(),
      endpoints: s.endpoints,
      allowInsecureLoopback: true,
      scopes: ["account_read", "contact_data"],
      clock,
    });
    const { tokens } = await signIn(auth);
    assert.ok(Math.abs(tokens.clockSkew + offset) < 5, `clockSkew ${tokens.clockSkew} for an offset of ${offset}`);
    assert.ok(Math.abs(tokens.expiresAt - clock() - DAY) < 5, "expires in a day, on this machine's clock");
    assert.ok(
      tokens.warnings.some((w) => w.startsWith("clock_skew")),
      tokens.warnings.join("\n"),
    );
    const exp = decodeAccessToken(tokens.accessToken).exp;
    assert.ok(Math.abs(exp - tokens.expiresAt + offset) <= 2, "exp itself stays the server's time");
    const session = auth.session();
    await session.setTokens(tokens);
    await admin("reset");
    // Ahead: a naive client would find the token expired and refresh on every call. Behind: it would
    // keep sending an expired one. Here: no refresh, and the API accepts the token.
    for (let i = 0; i < 3; i++) assert.equal(await session.accessToken(), tokens.accessToken);
    assert.equal((await session.json("/account/summary")).contact_email, "owner@example.com");
    assert.equal((await stats()).tokenByGrant.refresh_token ?? 0, 0);
  });
}

test("API 429 without an error_key (the bulk-activity queue) reports the API's words, not the 4/s limit", async () => {
  const auth = client();
  const session = auth.session();
  await session.setTokens((await signIn(auth)).tokens);
  await admin("config", { api429: "queued" });
  try {
    await rejects(session.json("/account/summary"), "rate_limited", (e) => {
      assert.equal(e.errorKey, null);
      assert.deepEqual(e.errors, [{ errorKey: null, errorMessage: "You exceeded 1,000 queued activities" }]);
      assert.doesNotMatch(e.message, /4 a second/);
      assert.match(e.message, /1,000 queued/);
    });
  } finally {
    await admin("config", { api429: null });
  }
});

test("tokens of the retired services are recognised: a V2 token, an idfed-issued JWT", async () => {
  const auth = client();
  assert.throws(
    () => decodeAccessToken("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
    (e) => /retired V2/.test(e.message),
  );
  const idfed = await s.signAccessToken({
    iss: "https://idfed.constantcontact.com",
    aud: "https://api.cc.email/v3",
    cid: CLIENTS.confidential.id,
    iat: nowSecs(),
    exp: nowSecs() + 3600,
  });
  await rejects(auth.verifyAccessToken(idfed), "claim_mismatch", (e) => {
    assert.equal(e.field, "iss");
    assert.match(e.hint, /retired OAuth service/);
  });
});

test("an out-of-range expires_in: the token's exp is used and the field warned about", async () => {
  const token = await s.signAccessToken({ iss: s.issuer, cid: "c", iat: nowSecs(), exp: nowSecs() + 3600 });
  for (const expires_in of [-5, 1e12, "soon"]) {
    const answer = { access_token: token, token_type: "Bearer", expires_in, refresh_token: "r".repeat(40) };
    const auth = new ConstantContactOAuth({ clientId: "c", fetch: async () => Response.json(answer) });
    const t = await auth.refresh("r".repeat(40));
    assert.equal(t.expiresAt, decodeAccessToken(token).exp, JSON.stringify(expires_in));
    assert.equal(t.expiresIn, undefined);
    assert.ok(t.warnings.some((w) => w.startsWith("expires_in_invalid")));
  }
});

test("refresh tokens end after 180 idle days: a warning from day 150, reauthorization_required/expired", async () => {
  await admin("reset");
  const auth = client();
  const { tokens } = await signIn(auth);
  let days = 0;
  const session = auth.session({ clock: () => nowSecs() + days * DAY });
  await session.setTokens(tokens);
  days = 151;
  await admin("config", { clockOffsetSeconds: 151 * DAY });
  const { warnings } = await session.status();
  assert.match(warnings[0], /^refresh_token_idle: the refresh token was last used 151 days ago/);
  days = 181;
  await admin("config", { clockOffsetSeconds: 181 * DAY });
  await rejects(session.accessToken(), "reauthorization_required", (e) => {
    assert.equal(e.reason, "expired");
    assert.match(e.message, /180 days/);
  });
  assert.equal((await stats()).tokenByGrant.refresh_token, 1, "one refused request, no loop");
  await admin("config", { clockOffsetSeconds: 0 });
});

test("a new sign-in ends earlier refresh tokens (switch on): the error says a newer sign-in may be why", async () => {
  await admin("reset");
  await admin("config", { newSignInEndsRefreshTokens: true });
  try {
    const auth = client();
    const first = await signIn(auth); // one device
    await signIn(auth); // the same user on another device
    const session = auth.session();
    await session.setTokens(expired(first.tokens));
    await rejects(session.accessToken(), "reauthorization_required", (e) => {
      assert.equal(e.reason, "rotated");
      assert.match(e.message, /newer sign-in/);
    });
  } finally {
    await admin("config", { newSignInEndsRefreshTokens: false });
  }
});
