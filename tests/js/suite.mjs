// Behaviour of the published package, written once and run unchanged in every runtime we claim:
// Node (import and require), Chromium (native ESM and an esbuild bundle), workerd, Deno, and a fresh
// project that installed the packed tarball. It uses only what all of them have: WebCrypto, URL,
// TextEncoder, btoa.
//
//   const results = await runSuite(lib, { browser: boolean });   // [{ name, ok, error?, exports? }]

import { badInputRows, runRow } from "./bad-inputs.mjs";

import { enc, b64url, b64urlText } from "./b64.mjs";

function assert(cond, message) {
  if (!cond) throw new Error(message);
}
function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

/** Runs fn, which must throw a CtctOAuthError with this code; returns the error. */
function throwsCode(lib, fn, code, what, secrets = []) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert(err, `${what}: expected ${code}, nothing was thrown`);
  assert(err instanceof lib.CtctOAuthError, `${what}: not a CtctOAuthError: ${err}`);
  assert(err instanceof Error, `${what}: not an Error`);
  equal(err.code, code, `${what}: code (message: ${err.message})`);
  assert(typeof err.message === "string" && err.message.length > 20, `${what}: message must say what to do`);
  for (const s of secrets) {
    if (s.length >= 6) {
      assert(
        !err.message.includes(s) && !String(err.hint ?? "").includes(s) && !String(err.description ?? "").includes(s),
        `${what}: error text contains an input secret`,
      );
    }
  }
  return err;
}

/** A real RS256 JWT shaped like Constant Contact's (~1,000 characters), signed with WebCrypto. */
export async function makeCcToken(claims = {}) {
  const { privateKey } = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  );
  // Issued now, as a token arriving in a response is: the module measures this clock's offset from `iat`.
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    ver: 1,
    jti: "AT.gC8wB0mQ3Yx2K7Yc6kqVbG0I1Q6hW5l2jv3S5o9dN1E",
    iss: "https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8",
    aud: "https://api.cc.email/v3",
    iat: now,
    exp: now + 86400,
    cid: "0b3e6c62-6f1f-4b5e-9a55-8a5a2e2f7c11",
    uid: "00u3a8cd24ff24eb8d7c",
    scp: ["account_read", "contact_data", "campaign_data", "offline_access"],
    auth_time: now - 30,
    sub: "owner@example.com",
    platform_user_id: "3a8cd24f-f24e-b8d7-c02d-0eb2d46d151a",
    ...claims,
  };
  const header = b64urlText(JSON.stringify({ kid: "cc-test-1", alg: "RS256" }));
  const input = `${header}.${b64urlText(JSON.stringify(payload))}`;
  const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", privateKey, enc.encode(input));
  return { token: `${input}.${b64url(sig)}`, payload };
}

export async function runSuite(lib, { browser }) {
  const { token, payload } = await makeCcToken();
  const tests = [];
  const test = (name, fn) => tests.push({ name, fn });

  // The names themselves are checked by tests/js/report.mjs against pkg/lib/index.js, the one list.
  test("exports every name of pkg/lib/index.js (report.mjs compares), constants frozen", () => {
    equal(
      Object.keys(lib.ENDPOINTS),
      ["authorize", "token", "deviceAuthorize", "revoke", "jwks", "issuer", "redirectIssuer", "audience", "apiBase"],
      "ENDPOINTS keys",
    );
    equal(
      lib.ENDPOINTS.redirectIssuer,
      lib.ENDPOINTS.issuer,
      "a redirect's iss is checked against the token issuer unless set apart",
    );
    equal(lib.ENDPOINTS.token, "https://authz.constantcontact.com/oauth2/default/v1/token", "token endpoint");
    equal(lib.ENDPOINTS.issuer, "https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8", "issuer");
    equal(lib.SCOPES, ["account_read", "account_update", "contact_data", "campaign_data", "offline_access"], "SCOPES");
    assert(Object.isFrozen(lib.ENDPOINTS) && Object.isFrozen(lib.SCOPES), "constants are frozen");
    return { exports: Object.keys(lib).sort() };
  });

  test("createPkce: S256 of a 43-char verifier, checked against this runtime's own SHA-256", async () => {
    const p = lib.createPkce();
    equal(p.codeChallengeMethod, "S256", "method");
    assert(/^[A-Za-z0-9_-]{43}$/.test(p.codeVerifier), "verifier shape");
    const digest = await crypto.subtle.digest("SHA-256", enc.encode(p.codeVerifier));
    equal(p.codeChallenge, b64url(digest), "challenge");
    assert(lib.createPkce().codeVerifier !== p.codeVerifier, "fresh each time");
    equal(
      lib.createPkce({ codeVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" }).codeChallenge,
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      "RFC 7636 appendix B",
    );
  });

  test("generateState: 43 base64url chars, fresh", () => {
    const s = lib.generateState();
    assert(/^[A-Za-z0-9_-]{43}$/.test(s), "shape");
    assert(s !== lib.generateState(), "fresh");
  });

  test("authorizationUrl: exactly what Constant Contact expects", () => {
    const auth = new lib.ConstantContactOAuth({
      clientId: "cc-pkce",
      redirectUri: "https://app.example/callback",
      scopes: ["contact_data", "campaign_data"],
    });
    const r = auth.authorizationUrl({ prompt: "login" });
    const u = new URL(r.url);
    equal(u.origin + u.pathname, lib.ENDPOINTS.authorize, "endpoint");
    equal(
      [...u.searchParams.keys()],
      [
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
        "prompt",
      ],
      "parameters, once each",
    );
    equal(u.searchParams.get("scope"), "contact_data campaign_data offline_access", "offline_access added");
    assert(r.url.includes("scope=contact_data%20campaign_data%20offline_access"), "spaces as %20");
    assert(!r.url.includes("%2B"), "never %2B");
    equal(u.searchParams.get("state"), r.state, "state");
    equal(u.searchParams.get("code_challenge"), r.codeChallenge, "challenge");
    equal(u.searchParams.get("response_type"), "code", "response_type");
    assert(!r.url.includes(r.codeVerifier), "verifier stays out of the URL");
    const noOffline = new URL(auth.authorizationUrl({ offline: false }).url);
    equal(noOffline.searchParams.get("scope"), "contact_data campaign_data", "offline: false");
    equal(noOffline.searchParams.get("prompt"), null, "no prompt unless asked");
    const fixed = auth.authorizationUrl({ state: "my-state-123" });
    equal(fixed.state, "my-state-123", "given state kept");
    throwsCode(
      lib,
      () => new lib.ConstantContactOAuth({ clientId: "c" }).authorizationUrl(),
      "invalid_config",
      "redirectUri needed for redirect flows",
    );
  });

  test("parseRedirect: code, state check, server errors, implicit fragment", () => {
    const auth = new lib.ConstantContactOAuth({ clientId: "cc-pkce", redirectUri: "https://app.example/callback" });
    const { state } = auth.authorizationUrl();
    const cb = "https://app.example/callback";
    const ok = auth.parseRedirect(`${cb}?code=Wdvjb7a8T3Y4uSk&state=${state}`, { state });
    equal([ok.type, ok.code, ok.state], ["code", "Wdvjb7a8T3Y4uSk", state], "code response");
    equal(auth.parseRedirect(new URL(`${cb}?code=x&state=${state}`), { state }).code, "x", "URL objects too");
    const wrong = throwsCode(
      lib,
      () => auth.parseRedirect(`${cb}?code=Wdvjb7a8T3Y4uSk&state=forged`, { state }),
      "state_mismatch",
      "state mismatch",
      ["Wdvjb7a8T3Y4uSk"],
    );
    equal(wrong.field, "state", "field");
    throwsCode(lib, () => auth.parseRedirect(`${cb}?code=x`, { state }), "state_mismatch", "state missing");
    const denied = throwsCode(
      lib,
      () =>
        auth.parseRedirect(`${cb}?error=access_denied&error_description=End-User+aborted+interaction&state=${state}`, {
          state,
        }),
      "access_denied",
      "denied",
    );
    equal(denied.description, "End-User aborted interaction", "server description passed through");
    throwsCode(lib, () => auth.parseRedirect(`${cb}?state=${state}`, { state }), "missing_code", "missing code");
    throwsCode(
      lib,
      () => auth.parseRedirect(`${cb}?code=x&state=${state}&iss=https%3A%2F%2Fevil.example`, { state }),
      "issuer_mismatch",
      "iss",
    );
    throwsCode(lib, () => auth.parseRedirect(`${cb}?code=x&state=${state}`), "invalid_config", "state is required");
    const fragment = `${cb}#access_token=${token}&token_type=Bearer&expires_in=28800&scope=contact_data&state=${state}`;
    const implicit = auth.parseImplicitRedirect(fragment, { state });
    equal(
      [implicit.type, implicit.tokens.accessToken === token, implicit.tokens.expiresAt],
      ["implicit", true, payload.exp],
      "implicit fragment",
    );
    throwsCode(
      lib,
      () => auth.parseRedirect(fragment, { state }),
      "invalid_redirect",
      "an implicit fragment is not a code redirect",
    );
    throwsCode(
      lib,
      () => auth.parseImplicitRedirect(`${cb}?code=x&state=${state}`, { state }),
      "invalid_redirect",
      "nor the reverse",
    );
  });

  test("decodeAccessToken: Constant Contact's claims from a real RS256 token", () => {
    assert(token.length > 900, `token is realistic (${token.length} chars)`);
    const d = lib.decodeAccessToken(token);
    equal(
      [d.iss, d.aud, d.sub, d.exp, d.iat, d.jti, d.clientId, d.userId, d.platformUserId, d.scopes, d.expiresAt],
      [
        payload.iss,
        payload.aud,
        payload.sub,
        payload.exp,
        payload.iat,
        payload.jti,
        payload.cid,
        payload.uid,
        payload.platform_user_id,
        payload.scp,
        payload.exp,
      ],
      "claims",
    );
    equal(d.raw, payload, "raw has every claim");
    equal(lib.tokenExpiresAt(token), payload.exp, "tokenExpiresAt");
  });

  test("the classic mistake: an authorization code where a token belongs", () => {
    const e = throwsCode(
      lib,
      () => lib.decodeAccessToken("Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK-0s"),
      "authorization_code_not_token",
      "code as token",
      ["Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK-0s"],
    );
    assert(
      /exchange it first/i.test(e.message) && /refresh token/.test(e.message),
      "message names the code and the refresh token",
    );
    throwsCode(
      lib,
      () => lib.tokenExpiresAt("https://app.example/callback?code=Wdvjb7a8T3Y4uSk&state=s"),
      "authorization_code_not_token",
      "pasted redirect URL",
    );
    throwsCode(
      lib,
      () => lib.isExpired("Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK"),
      "authorization_code_not_token",
      "isExpired too",
    );
    const short = throwsCode(lib, () => lib.decodeAccessToken("not-a-jwt"), "invalid_jwt", "too short to be a code");
    assert(!/authorization code/.test(short.message), "only said when likely");
  });

  test("isExpired: exp minus a 60 s default leeway; token sets fall back to receivedAt + expiresIn", () => {
    equal(lib.isExpired(token, { now: payload.exp - 61 }), false, "61 s before");
    equal(lib.isExpired(token, { now: payload.exp - 60 }), true, "60 s before");
    equal(lib.isExpired(token, { now: payload.exp - 1, leewaySeconds: 0 }), false, "no leeway");
    equal(lib.isExpired(token, { now: new Date((payload.exp + 1) * 1000) }), true, "Date accepted");
    throwsCode(lib, () => lib.isExpired(token, { now: Date.now() }), "invalid_config", "milliseconds refused");
    equal(
      lib.isExpired({ accessToken: "opaque-token", receivedAt: 1000, expiresIn: 86400 }, { now: 1000 + 86400 - 61 }),
      false,
      "fallback",
    );
    equal(
      lib.isExpired({ accessToken: token, expiresAt: 1 }, { now: payload.exp - 3600 }),
      true,
      "expiresAt (this clock) wins",
    );
    equal(lib.isExpired({ accessToken: token }, { now: payload.exp - 3600 }), false, "else the token's exp");
    assert(lib.isExpired(token) === true || lib.isExpired(token) === false, "real clock works");
  });

  test("configuration: validated, secret refused in a browser context", () => {
    const secret = "Z9x8Y7w6V5u4T3s2";
    if (browser) {
      throwsCode(
        lib,
        () => new lib.ConstantContactOAuth({ clientId: "c", clientSecret: secret }),
        "secret_in_browser",
        "secret in browser",
        [secret],
      );
    } else {
      const auth = new lib.ConstantContactOAuth({
        clientId: "c",
        clientSecret: secret,
        redirectUri: "https://a.example/cb",
      });
      const shown = JSON.stringify(auth);
      assert(!shown.includes(secret) && shown.includes("[redacted]"), "toJSON redacts");
    }
    throwsCode(lib, () => new lib.ConstantContactOAuth({ client_id: "c" }), "invalid_config", "snake_case option");
    throwsCode(
      lib,
      () => new lib.ConstantContactOAuth({ clientId: "c", endpoints: { token: "http://authz.example/token" } }),
      "insecure_endpoint",
      "http endpoint",
    );
    throwsCode(
      lib,
      () => new lib.ConstantContactOAuth({ clientId: "c", endpoints: { token: "http://127.0.0.1:9/token" } }),
      "insecure_endpoint",
      "loopback without opt-in",
    );
    new lib.ConstantContactOAuth({
      clientId: "device",
      endpoints: { token: "http://127.0.0.1:9/token" },
      allowInsecureLoopback: true,
    });
  });

  // The bad-input corpus (tests/js/bad-inputs.mjs): one named check per row.
  const rows = badInputRows(lib, { browser, token, payload });
  rows.forEach((row, i) =>
    test(`bad input ${String(i + 1).padStart(3, "0")}: ${row.entry}, ${row.name} -> ${row.code}`, () =>
      runRow(lib, { ...row, secrets: [...row.secrets, token] })),
  );
  test("bad-input corpus: at least 60 rows across every entry point", () => {
    assert(rows.length >= 60, `${rows.length} rows`);
    const entries = new Set(rows.map((r) => r.entry));
    for (const e of [
      "decodeAccessToken",
      "tokenExpiresAt",
      "isExpired",
      "parseRedirect",
      "authorizationUrl",
      "createPkce",
      "ConstantContactOAuth",
      "exchangeCode",
      "refresh",
      "revoke",
      "startDeviceAuthorization",
      "pollDeviceAuthorizationOnce",
      "verifyAccessToken",
    ]) {
      assert(entries.has(e), `no row for ${e}`);
    }
  });

  const results = [];
  for (const t of tests) {
    try {
      const exports = (await t.fn())?.exports;
      results.push({ name: t.name, ok: true, ...(exports ? { exports } : {}) });
    } catch (e) {
      results.push({ name: t.name, ok: false, error: String(e?.stack ?? e) });
    }
  }
  return results;
}
