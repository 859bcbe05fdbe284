// The bad-input corpus: one table of malformed inputs across every entry point of the package. Each row
// names the entry point, the input, the stable `code` it must produce, and the values that must not appear
// anywhere in the error (message, hint, description, any other field, its JSON and its string form). After
// every row, the same entry point must still answer a good call: a bad input never traps the module or
// leaves it in a state that breaks the next caller.
//
// It runs inside runSuite, so in every runtime the suite runs in (Node import and require, Chromium page,
// module worker and esbuild bundle, workerd, Deno, Bun, the packed tarball). Response rows use an
// injected `fetch` returning canned Responses: no network.
//
//   const rows = badInputRows(lib, { browser, token, payload });   // [{ entry, name, code, run, good, secrets }]

import { b64url, b64urlText } from "./b64.mjs";

const seg = (o) => b64urlText(typeof o === "string" ? o : JSON.stringify(o));

// Values that must never appear in an error. Long and distinctive so a leak cannot pass unnoticed.
export const SECRET = {
  code: "CODE-Wdvjb7a8T3Y4uSk8XW1nQ9z2bPvLqK0s",
  verifier: "VERIFIER-dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOE",
  refresh: "RT-gcOERFBLqO1bqS2sFz8kLxM3h0pvS8aYp3kS1vYp3",
  access: "AT-opaque-7Hq2LmZ9xW4vB1nC6kR3tY8uP5sD0fG",
  device: "DC-Zk1Xy2Wv3Ut4Sr5Qp6On7Ml8Kj9Ih0Gf",
  secret: "CS-Z9x8Y7w6V5u4T3s2R1q0P9o8",
};
const ALL_SECRETS = Object.values(SECRET);

const json = (status, body, headers = {}) =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
const html = (status, body) => new Response(body, { status, headers: { "content-type": "text/html" } });
const goodTokens = (token) => ({
  token_type: "Bearer",
  access_token: token,
  expires_in: 86400,
  refresh_token: SECRET.refresh,
  scope: "contact_data offline_access",
});

/** Every string an error exposes, in one text. */
export function errorText(e) {
  const parts = [String(e), e?.message, e?.stack];
  for (const [k, v] of Object.entries(e ?? {})) parts.push(k, typeof v === "string" ? v : JSON.stringify(v));
  try {
    parts.push(JSON.stringify(e));
  } catch {
    // a cyclic cause: the fields above are what is shown
  }
  return parts.join("\n");
}

export function badInputRows(lib, { browser, token, payload }) {
  const rows = [];
  const cb = "https://a.example/cb";
  const add = (entry, name, code, run, good, secrets = ALL_SECRETS) =>
    rows.push({ entry, name, code, run, good, secrets });
  const big = "x".repeat(1 << 20);

  // Sync entry points: their good calls.
  const auth = new lib.ConstantContactOAuth({ clientId: "cc-pkce", redirectUri: cb });
  const goodDecode = () => {
    if (lib.decodeAccessToken(token).exp !== payload.exp) throw new Error("good decode gave the wrong exp");
  };
  const goodExp = () => {
    if (lib.tokenExpiresAt(token) !== payload.exp) throw new Error("good tokenExpiresAt gave the wrong value");
  };
  const goodIsExpired = () => {
    if (lib.isExpired(token, { now: payload.exp - 3600 }) !== false)
      throw new Error("good isExpired gave the wrong answer");
  };
  const goodRedirect = () => {
    if (auth.parseRedirect(`${cb}?code=ok&state=s`, { state: "s" }).code !== "ok")
      throw new Error("good redirect not parsed");
  };
  const goodUrl = () => {
    if (!auth.authorizationUrl().url.startsWith(lib.ENDPOINTS.authorize)) throw new Error("good authorize URL wrong");
  };
  const goodConfig = () => new lib.ConstantContactOAuth({ clientId: "cc-pkce", redirectUri: cb });
  const goodPkce = () => {
    if (
      lib.createPkce({ codeVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" }).codeChallenge !==
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
      throw new Error("good PKCE wrong");
  };

  // 1. Access tokens: decodeAccessToken and tokenExpiresAt.
  const badTokens = [
    ["empty", "", "invalid_jwt"],
    ["two parts", "a.b", "invalid_jwt"],
    ["four parts", "a.b.c.d", "invalid_jwt"],
    ["five parts (JWE)", "a.b.c.d.e", "invalid_jwt"],
    ["empty payload segment", "eyJhbGciOiJSUzI1NiJ9..sig", "invalid_jwt"],
    ["not base64url", "eyJ.@@@.sig", "invalid_jwt"],
    ["payload not JSON", `h.${seg("not json")}.s`, "invalid_jwt"],
    ["payload an array", `h.${seg([1, 2])}.s`, "invalid_jwt"],
    ["payload null", `h.${seg("null")}.s`, "invalid_jwt"],
    ["payload truncated JSON", `h.${seg('{"exp":1795540450,"cid":"ab')}.s`, "invalid_jwt"],
    ["no exp", `h.${seg({})}.s`, "invalid_jwt"],
    ["exp a string", `h.${seg({ exp: "tomorrow" })}.s`, "invalid_jwt"],
    ["exp past year 9999", `h.${seg({ exp: 1e300 })}.s`, "invalid_jwt"],
    ["exp negative", `h.${seg({ exp: -5 })}.s`, "invalid_jwt"],
    ["exp duplicated", `h.${seg('{"exp":1,"exp":2}')}.s`, "invalid_jwt"],
    ["scp of numbers", `h.${seg({ exp: 1, scp: [1, 2] })}.s`, "invalid_jwt"],
    ["payload not UTF-8", `h.${b64url(new Uint8Array([0xff, 0xfe, 0xfd]))}.s`, "invalid_jwt"],
    ["payload nested 1,000 deep", `h.${seg(`{"exp":1,"a":${"[".repeat(1000)}${"]".repeat(1000)}}`)}.s`, "invalid_jwt"],
    ["1 MB of x", big, "invalid_jwt"],
    ["3 MB of parts", `${big}.${big}.${big}`, "invalid_jwt"],
    ["Bearer prefix", `Bearer ${token}`, "invalid_jwt"],
    ["a number", 42, "invalid_jwt"],
    ["null", null, "invalid_jwt"],
    ["undefined", undefined, "invalid_jwt"],
    ["a token set", { accessToken: token }, "invalid_jwt"],
    ["an authorization code", SECRET.code, "authorization_code_not_token"],
    ["a pasted redirect URL", `${cb}?code=${SECRET.code}&state=s`, "authorization_code_not_token"],
  ];
  for (const [name, input, code] of badTokens) {
    add("decodeAccessToken", name, code, () => lib.decodeAccessToken(input), goodDecode);
  }
  for (const [name, input, code] of badTokens.filter((_, i) => i % 2 === 0)) {
    add("tokenExpiresAt", name, code, () => lib.tokenExpiresAt(input), goodExp);
  }

  // 2. isExpired: tokens, token sets, options.
  add(
    "isExpired",
    "an authorization code",
    "authorization_code_not_token",
    () => lib.isExpired(SECRET.code),
    goodIsExpired,
  );
  add(
    "isExpired",
    "a millisecond now",
    "invalid_config",
    () => lib.isExpired(token, { now: Date.now() }),
    goodIsExpired,
  );
  add(
    "isExpired",
    "an invalid Date",
    "invalid_config",
    () => lib.isExpired(token, { now: new Date("nope") }),
    goodIsExpired,
  );
  add(
    "isExpired",
    "a negative leeway",
    "invalid_config",
    () => lib.isExpired(token, { leewaySeconds: -1 }),
    goodIsExpired,
  );
  add("isExpired", "an unknown option", "invalid_config", () => lib.isExpired(token, { leeway: 5 }), goodIsExpired);
  add(
    "isExpired",
    "a token set with an opaque token and no expiry",
    "authorization_code_not_token",
    () => lib.isExpired({ accessToken: SECRET.access }),
    goodIsExpired,
  );
  add(
    "isExpired",
    "a token set with no readable expiry",
    "invalid_config",
    () => lib.isExpired({ refreshToken: SECRET.refresh }),
    goodIsExpired,
  );
  add(
    "isExpired",
    "a token set whose accessToken is a number",
    "invalid_config",
    () => lib.isExpired({ accessToken: 5, refreshToken: SECRET.refresh }),
    goodIsExpired,
  );
  add(
    "isExpired",
    "a token set with a string expiresIn",
    "invalid_config",
    () => lib.isExpired({ accessToken: SECRET.access, receivedAt: 1, expiresIn: "3600" }),
    goodIsExpired,
  );
  add(
    "isExpired",
    "a 2 MB token set",
    "invalid_config",
    () => lib.isExpired({ accessToken: big.repeat(2) }),
    goodIsExpired,
  );
  add(
    "isExpired",
    "a cyclic token set",
    "invalid_config",
    () => {
      const set = { accessToken: SECRET.access };
      set.self = set;
      return lib.isExpired(set);
    },
    goodIsExpired,
  );

  // 3. parseRedirect.
  const badUrls = [
    ["empty", "", "missing_code"],
    ["no parameters", cb, "missing_code"],
    ["not a URL", "not a url at all", "missing_code"],
    ["code twice", `${cb}?code=${SECRET.code}&code=b&state=s`, "invalid_redirect"],
    ["state twice", `${cb}?code=${SECRET.code}&state=s&state=s`, "invalid_redirect"],
    ["invalid UTF-8 escape", `${cb}?code=%FF&state=s`, "invalid_redirect"],
    ["truncated UTF-8 escape", `${cb}?code=%E0%A4&state=s`, "invalid_redirect"],
    ["bad percent escape", `${cb}?code=%G1&state=s`, "invalid_redirect"],
    ["1 MB code", `${cb}?code=${big}&state=s`, "invalid_redirect"],
    [
      "query and fragment both carry a response",
      `${cb}?code=${SECRET.code}&state=s#access_token=${SECRET.access}`,
      "invalid_redirect",
    ],
    ["markup in error", `${cb}?error=%3Cb%3E&state=s`, "invalid_redirect"],
    ["state mismatch", `${cb}?code=${SECRET.code}&state=forged`, "state_mismatch"],
    ["state missing", `${cb}?code=${SECRET.code}`, "state_mismatch"],
    ["foreign iss", `${cb}?code=${SECRET.code}&state=s&iss=https%3A%2F%2Fevil.example`, "issuer_mismatch"],
    [
      "server error access_denied",
      `${cb}?error=access_denied&error_description=End-User+aborted&state=s`,
      "access_denied",
    ],
    ["server error in the fragment", `${cb}#error=invalid_scope&state=s`, "invalid_scope"],
    [
      "implicit fragment with a MAC token_type",
      `${cb}#access_token=${SECRET.access}&token_type=mac&expires_in=28800&state=s`,
      "invalid_redirect",
    ],
    [
      "implicit fragment with a non-number expires_in",
      `${cb}#access_token=${SECRET.access}&token_type=Bearer&expires_in=soon&state=s`,
      "invalid_redirect",
    ],
    ["a number", 42, "invalid_redirect"],
    ["an object", {}, "invalid_redirect"],
  ];
  for (const [name, url, code] of badUrls) {
    add("parseRedirect", name, code, () => auth.parseRedirect(url, { state: "s" }), goodRedirect);
  }
  add(
    "parseRedirect",
    "options not an object",
    "invalid_config",
    () => auth.parseRedirect(`${cb}?code=x&state=s`, "s"),
    goodRedirect,
  );
  add(
    "parseRedirect",
    "no expected state",
    "invalid_config",
    () => auth.parseRedirect(`${cb}?code=${SECRET.code}&state=s`),
    goodRedirect,
  );

  // 4. authorizationUrl options and createPkce.
  for (const bad of [
    { pkce: "yes" },
    { scopes: "contact_data" },
    { scopes: [""] },
    { scopes: ["a b"] },
    { prompt: 1 },
    { state: "has space" },
    { codeVerifier: "short" },
    { bogus: 1 },
    "options",
    { pkce: false },
  ]) {
    add("authorizationUrl", JSON.stringify(bad), "invalid_config", () => auth.authorizationUrl(bad), goodUrl);
  }
  for (const bad of [
    { codeVerifier: "short" },
    { codeVerifier: "a".repeat(129) },
    { codeVerifier: `${"a".repeat(42)} ` },
    { codeVerifier: 5 },
    { bogus: true },
  ]) {
    add("createPkce", JSON.stringify(bad).slice(0, 40), "invalid_config", () => lib.createPkce(bad), goodPkce);
  }

  // 5. Configuration.
  for (const bad of [
    undefined,
    null,
    1,
    "x",
    [],
    { clientId: "" },
    { clientId: "a b" },
    { clientId: "c", scopes: [] },
    { clientId: "c", redirectUri: "https://a/cb#frag" },
    { client_id: "c" },
    { clientId: "c", fetch: "no" },
    { clientId: "c", endpoints: { tokn: "https://a.example" } },
  ]) {
    add(
      "ConstantContactOAuth",
      JSON.stringify(bad) ?? "undefined",
      "invalid_config",
      () => new lib.ConstantContactOAuth(bad),
      goodConfig,
    );
  }
  add(
    "ConstantContactOAuth",
    "http token endpoint",
    "insecure_endpoint",
    () => new lib.ConstantContactOAuth({ clientId: "c", endpoints: { token: "http://authz.example/token" } }),
    goodConfig,
  );
  add(
    "ConstantContactOAuth",
    "loopback http without opt-in",
    "insecure_endpoint",
    () => new lib.ConstantContactOAuth({ clientId: "c", endpoints: { token: "http://127.0.0.1:9/token" } }),
    goodConfig,
  );
  if (browser) {
    add(
      "ConstantContactOAuth",
      "client secret in a browser",
      "secret_in_browser",
      () => new lib.ConstantContactOAuth({ clientId: "c", clientSecret: SECRET.secret }),
      goodConfig,
    );
  }

  // 6. Token endpoint responses (exchangeCode, refresh), through an injected fetch.
  let canned;
  const fetch = async () => {
    const r = canned;
    if (r instanceof Error) throw r;
    return typeof r === "function" ? r() : r.clone();
  };
  const client = new lib.ConstantContactOAuth({ clientId: "cc-pkce", redirectUri: cb, fetch });
  const exchange = () => client.exchangeCode(SECRET.code, { codeVerifier: SECRET.verifier });
  const goodExchange = async () => {
    canned = json(200, goodTokens(token));
    const t = await exchange();
    if (t.accessToken !== token || t.refreshToken !== SECRET.refresh)
      throw new Error("good exchange returned the wrong tokens");
  };
  const tokenBodies = [
    ["200 not JSON", () => json(200, "hello"), "invalid_response"],
    ["200 HTML page", () => html(200, "<!doctype html><title>Sign in</title>"), "invalid_response"],
    [
      "200 truncated JSON",
      () => json(200, `{"token_type":"Bearer","access_token":"${SECRET.access}","expires_in":86`),
      "invalid_response",
    ],
    ["200 JSON array", () => json(200, [goodTokens(SECRET.access)]), "invalid_response"],
    ["200 empty object", () => json(200, {}), "invalid_response"],
    ["200 empty body", () => json(200, ""), "invalid_response"],
    [
      "200 without access_token",
      () => json(200, { token_type: "Bearer", expires_in: 86400, refresh_token: SECRET.refresh }),
      "invalid_response",
    ],
    [
      "200 access_token a number",
      () => json(200, { token_type: "Bearer", access_token: 5, expires_in: 86400 }),
      "invalid_response",
    ],
    ["200 token_type MAC", () => json(200, { ...goodTokens(SECRET.access), token_type: "mac" }), "invalid_response"],
    [
      "200 expires_in a word",
      () => json(200, { ...goodTokens(SECRET.access), expires_in: "soon" }),
      "invalid_response",
    ],
    ["200 expires_in negative", () => json(200, { ...goodTokens(SECRET.access), expires_in: -1 }), "invalid_response"],
    [
      "200 duplicate access_token",
      () =>
        json(
          200,
          `{"token_type":"Bearer","access_token":"${SECRET.access}","access_token":"${SECRET.refresh}","expires_in":1}`,
        ),
      "invalid_response",
    ],
    [
      "200 body over 64 KB",
      () => json(200, { ...goodTokens(SECRET.access), pad: "p".repeat(70000) }),
      "invalid_response",
    ],
    [
      "400 invalid_grant",
      () =>
        json(400, { error: "invalid_grant", error_description: "The authorization code is invalid or has expired." }),
      "invalid_grant",
    ],
    ["400 not JSON", () => html(400, "<h1>Bad Request</h1>"), "invalid_response"],
    ["400 error with markup", () => json(400, { error: "<script>" }), "invalid_response"],
    [
      "401 invalid_client",
      () => json(401, { error: "invalid_client", error_description: "Client authentication failed." }),
      "invalid_client",
    ],
    ["429 without Retry-After", () => json(429, { error: "too_many_requests" }), "rate_limited"],
    ["500 empty", () => json(500, ""), "server_error"],
    ["502 HTML", () => html(502, "<html>Bad gateway</html>"), "server_error"],
    ["503 Retry-After", () => json(503, "", { "retry-after": "7" }), "server_error"],
    [
      "302 redirect to a login page",
      () => new Response(null, { status: 302, headers: { location: "https://login.example" } }),
      "invalid_response",
    ],
  ];
  for (const [name, make, code] of tokenBodies) {
    add(
      "exchangeCode",
      name,
      code,
      () => {
        canned = make;
        return exchange();
      },
      goodExchange,
    );
  }
  add(
    "exchangeCode",
    "fetch rejects (network down)",
    "network_error",
    () => {
      canned = new TypeError("fetch failed");
      return exchange();
    },
    goodExchange,
  );
  add(
    "exchangeCode",
    "no code",
    "invalid_config",
    () => client.exchangeCode(undefined, { codeVerifier: SECRET.verifier }),
    goodExchange,
  );
  add(
    "exchangeCode",
    "public client without a verifier",
    "invalid_config",
    () => client.exchangeCode(SECRET.code),
    goodExchange,
  );
  add(
    "exchangeCode",
    "options with an unknown key",
    "invalid_config",
    () => client.exchangeCode(SECRET.code, { codeVerifier: SECRET.verifier, redirect_uri: cb }),
    goodExchange,
  );

  const goodRefresh = async () => {
    canned = json(200, goodTokens(token));
    if ((await client.refresh(SECRET.refresh)).accessToken !== token)
      throw new Error("good refresh returned the wrong token");
  };
  for (const [name, make, code] of [
    [
      "400 invalid_grant (rotated token reused)",
      () => json(400, { error: "invalid_grant", error_description: "The refresh token is invalid or expired." }),
      "invalid_grant",
    ],
    [
      "400 whose description echoes the refresh token",
      () => json(400, { error: "invalid_grant", error_description: `Refresh token ${SECRET.refresh} is not valid.` }),
      "invalid_grant",
    ],
    ["200 HTML page", () => html(200, "<html>maintenance</html>"), "invalid_response"],
    [
      "200 refresh_token a number",
      () => json(200, { ...goodTokens(SECRET.access), refresh_token: 7 }),
      "invalid_response",
    ],
  ]) {
    add(
      "refresh",
      name,
      code,
      () => {
        canned = make;
        return client.refresh(SECRET.refresh);
      },
      goodRefresh,
    );
  }
  add(
    "refresh",
    "a token set without a refresh token",
    "reauthorization_required",
    () => client.refresh({ accessToken: SECRET.access }),
    goodRefresh,
  );

  // 7. Revocation and the device flow.
  const goodRevoke = async () => {
    canned = () => new Response(null, { status: 200 });
    await client.revoke(SECRET.refresh);
  };
  add(
    "revoke",
    "400 unsupported_token_type",
    "unsupported_token_type",
    () => {
      canned = () => json(400, { error: "unsupported_token_type" });
      return client.revoke(SECRET.refresh);
    },
    goodRevoke,
  );
  add(
    "revoke",
    "500 HTML",
    "server_error",
    () => {
      canned = () => html(500, "<html>oops</html>");
      return client.revoke(SECRET.refresh);
    },
    goodRevoke,
  );
  add("revoke", "an unknown hint", "invalid_config", () => client.revoke(SECRET.refresh, "id_token"), goodRevoke);

  const device = {
    device_code: SECRET.device,
    user_code: "WDJB-MJHT",
    verification_uri: "https://authz.example/activate",
    expires_in: 600,
    interval: 5,
  };
  const goodDevice = async () => {
    canned = () => json(200, device);
    if ((await client.startDeviceAuthorization()).userCode !== "WDJB-MJHT") throw new Error("good device start wrong");
  };
  for (const [name, body, code] of [
    ["no device_code", { ...device, device_code: undefined }, "invalid_response"],
    ["http verification_uri", { ...device, verification_uri: "http://authz.example/activate" }, "invalid_response"],
    ["interval a word", { ...device, interval: "fast" }, "invalid_response"],
    ["expires_in zero", { ...device, expires_in: 0 }, "invalid_response"],
  ]) {
    add(
      "startDeviceAuthorization",
      name,
      code,
      () => {
        canned = () => json(200, body);
        return client.startDeviceAuthorization();
      },
      goodDevice,
    );
  }
  const polling = { deviceCode: SECRET.device, interval: 5, expiresAt: Math.floor(Date.now() / 1000) + 600 };
  const goodPoll = async () => {
    canned = () => json(400, { error: "authorization_pending" });
    if ((await client.pollDeviceAuthorizationOnce(polling)).status !== "pending") throw new Error("good poll wrong");
  };
  for (const [name, make, code] of [
    ["expired_token", () => json(400, { error: "expired_token" }), "expired_token"],
    ["access_denied", () => json(400, { error: "access_denied" }), "access_denied"],
    ["200 without access_token", () => json(200, { token_type: "Bearer" }), "invalid_response"],
  ]) {
    add(
      "pollDeviceAuthorizationOnce",
      name,
      code,
      () => {
        canned = make;
        return client.pollDeviceAuthorizationOnce(polling);
      },
      goodPoll,
    );
  }
  add(
    "pollDeviceAuthorizationOnce",
    "past its expiry",
    "expired_token",
    () => client.pollDeviceAuthorizationOnce({ ...polling, expiresAt: 1 }),
    goodPoll,
  );

  // 8. verifyAccessToken: bad tokens and bad key sets (fetched from the injected fetch).
  const verifier = new lib.ConstantContactOAuth({
    clientId: payload.cid,
    fetch,
    endpoints: { jwks: `https://keys-${Math.random().toString(36).slice(2)}.example/keys` },
  });
  const header = (h) => `${seg(h)}.${token.split(".")[1]}.${token.split(".")[2]}`;
  add(
    "verifyAccessToken",
    "alg none",
    "jwt_signature_invalid",
    () => verifier.verifyAccessToken(`${seg({ alg: "none" })}.${token.split(".")[1]}.`),
    undefined,
  );
  add(
    "verifyAccessToken",
    "alg HS256",
    "jwt_signature_invalid",
    () => verifier.verifyAccessToken(header({ alg: "HS256", kid: "cc-test-1" })),
    undefined,
  );
  add(
    "verifyAccessToken",
    "no kid, two keys in the set",
    "jwks_key_not_found",
    () => {
      const key = { kty: "RSA", alg: "RS256", use: "sig", n: "AQAB", e: "AQAB" };
      canned = () =>
        json(200, {
          keys: [
            { ...key, kid: "a" },
            { ...key, kid: "b" },
          ],
        });
      return verifier.verifyAccessToken(header({ alg: "RS256" }));
    },
    undefined,
  );
  add(
    "verifyAccessToken",
    "an authorization code",
    "authorization_code_not_token",
    () => verifier.verifyAccessToken(SECRET.code),
    undefined,
  );
  for (const [name, make, code] of [
    ["key set not JSON", () => html(200, "<html>"), "invalid_response"],
    ["key set without keys", () => json(200, { kes: [] }), "invalid_response"],
    ["key set 503", () => json(503, ""), "server_error"],
    [
      "key set without the kid",
      () => json(200, { keys: [{ kty: "RSA", kid: "other", alg: "RS256", use: "sig", n: "AQAB", e: "AQAB" }] }),
      "jwks_key_not_found",
    ],
  ]) {
    add(
      "verifyAccessToken",
      name,
      code,
      () => {
        canned = make;
        return new lib.ConstantContactOAuth({
          clientId: payload.cid,
          fetch,
          endpoints: { jwks: `https://keys-${Math.random().toString(36).slice(2)}.example/keys` },
        }).verifyAccessToken(token);
      },
      undefined,
    );
  }
  for (const row of rows) {
    // Verification's good path is tested against the real server.
    if (row.entry === "verifyAccessToken") row.good = goodDecode;
  }
  return rows;
}

/** Runs one row: the error's code and text, then the entry point's good call. */
export async function runRow(lib, row) {
  let err;
  try {
    await row.run();
  } catch (e) {
    err = e;
  }
  if (!err) throw new Error(`expected ${row.code}, nothing was thrown`);
  if (!(err instanceof lib.CtctOAuthError)) throw new Error(`not a CtctOAuthError: ${err?.stack ?? err}`);
  if (err.code !== row.code) throw new Error(`code: expected ${row.code}, got ${err.code} (${err.message})`);
  if (typeof err.message !== "string" || err.message.length < 20) throw new Error("the message must say what to do");
  const text = errorText(err);
  for (const s of row.secrets) {
    if (text.includes(s)) throw new Error(`the error exposes an input secret (${s.slice(0, 4)}...)`);
  }
  await row.good();
}
