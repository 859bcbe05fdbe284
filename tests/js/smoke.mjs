// The smoke test every runtime runs against the local authorization server: PKCE, an authorize URL,
// the redirect parsed, a real code exchange, the token decoded and verified against the key set, and a
// rotating refresh. The Node side (prepareSmoke in tests/js/smoke-node.mjs) signs in through the real
// pages and hands over the redirect URL, state and verifier, because a runtime like Deno or a browser
// under WebDriver cannot be clicked through from here as easily; everything after that runs in the
// runtime under test.
//
//   const results = await runSmoke(lib, { config, redirectUrl, state, codeVerifier });   // [{ name, ok, error? }]

export async function runSmoke(lib, { config, redirectUrl, state, codeVerifier }) {
  const results = [];
  const step = async (name, fn) => {
    try {
      await fn();
      results.push({ name: `smoke: ${name}`, ok: true });
      return true;
    } catch (e) {
      results.push({ name: `smoke: ${name}`, ok: false, error: String(e?.stack ?? e) });
      return false;
    }
  };
  const check = (cond, what) => {
    if (!cond) throw new Error(what);
  };
  const auth = new lib.ConstantContactOAuth(config);
  let code;
  let tokens;
  await step("a PKCE pair", () => {
    const p = lib.createPkce();
    check(/^[A-Za-z0-9_-]{43}$/.test(p.codeVerifier) && p.codeChallengeMethod === "S256", "PKCE shape");
  });
  await step("an authorize URL for the local server", () => {
    const r = auth.authorizationUrl();
    const u = new URL(r.url);
    check(u.origin + u.pathname === config.endpoints.authorize, `endpoint ${u.origin + u.pathname}`);
    check(
      u.searchParams.get("code_challenge") === r.codeChallenge && u.searchParams.get("client_id") === config.clientId,
      "parameters",
    );
  });
  await step("the redirect parsed, state checked", () => {
    code = auth.parseRedirect(redirectUrl, { state }).code;
    check(typeof code === "string" && code.length > 10, "a code");
  });
  await step("the code exchanged at the local server", async () => {
    tokens = await auth.exchangeCode(code, { codeVerifier });
    check(
      tokens.accessToken.split(".").length === 3 && typeof tokens.refreshToken === "string",
      "a JWT and a refresh token",
    );
  });
  await step("the access token decoded", () => {
    const claims = lib.decodeAccessToken(tokens.accessToken);
    check(claims.clientId === config.clientId, `cid ${claims.clientId}`);
    check(lib.tokenExpiresAt(tokens.accessToken) === tokens.expiresAt, "expiresAt");
    check(lib.isExpired(tokens) === false, "fresh");
  });
  await step("the access token verified against the key set", async () => {
    const claims = await auth.verifyAccessToken(tokens.accessToken);
    check(claims.clientId === config.clientId, "verified claims");
  });
  await step("the refresh token rotated", async () => {
    await new Promise((r) => setTimeout(r, 1100)); // the token endpoint's 1 request/s
    const next = await auth.refresh(tokens);
    check(next.accessToken !== tokens.accessToken && next.refreshToken !== tokens.refreshToken, "a new pair");
  });
  return results;
}
