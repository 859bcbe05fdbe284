// Constant Contact's rules that oidc-provider lacks, each as its switch says (./README.md): the 1 request/s token
// limit, the refresh-token lifetimes (180 days idle, or the old 30 days from issue), a sign-in ending the earlier
// refresh tokens, unknown scopes refused, device-flow slow_down, CORS only for trusted origins, and the
// authorization redirect's iss.
import { DEVICE_GRANT, KNOWN_SCOPES, REFRESH_FIXED_MS, REFRESH_IDLE_MS } from "./constant-contact.mjs";
import { OKTA_SCOPE_TEXT, OKTA_TEXTS } from "./okta.mjs";
import { basicClientId, claimsOf, words } from "./requests.mjs";

/**
 * The rules over one server's state: `switches`, `redirectUris`, and the maps they keep (`refreshTokens`: value ->
 * { issuedAt, lastUsed (ms on ruleNow()'s clock), cid, sub, endedBySignIn? }; `lastTokenCall`: client id -> ms;
 * `lastDevicePoll`: device_code -> ms). `state.provider` is read when a sign-in ends refresh tokens.
 */
export function createRules(state) {
  const { switches, redirectUris, refreshTokens, lastTokenCall, lastDevicePoll } = state;

  /** Okta answers invalid_scope for a scope it does not know; oidc-provider drops it. */
  const refusesScope = (scope) =>
    switches.unknownScopes === "refuse" && words(scope).some((w) => !KNOWN_SCOPES.includes(w));

  /** "Now" for the refresh-token expiry rule: the clock moved by clockOffsetSeconds. */
  const ruleNow = () => Date.now() + switches.clockOffsetSeconds * 1000;

  /** Whether a refresh token this server issued has ended by CC's rule (unknown ones are the provider's to judge). */
  function refreshTokenEnded(value) {
    const r = refreshTokens.get(value);
    if (!r) return false;
    if (r.endedBySignIn) return true;
    if (switches.refreshTokenExpiry === "issue") return ruleNow() - r.issuedAt > REFRESH_FIXED_MS;
    return ruleNow() - r.lastUsed > REFRESH_IDLE_MS;
  }

  /** CC's rules that oidc-provider lacks, checked before it sees a token request: an answer, or null. */
  function tokenPrecheck(ctx, form, grant) {
    const clientId = basicClientId(ctx.get("authorization")) ?? form.get("client_id") ?? "?";
    const now = Date.now();
    if (switches.tokenRateLimit && now - (lastTokenCall.get(clientId) ?? 0) < switches.tokenRateLimitMs) {
      const error_description = "Too many requests to the token endpoint: at most 1 per second.";
      const headers = switches.tokenRetryAfter ? { "Retry-After": "1" } : {};
      return { status: 429, body: { error: "rate_limited", error_description }, headers };
    }
    lastTokenCall.set(clientId, now);
    if (grant === "refresh_token" && refreshTokenEnded(form.get("refresh_token"))) {
      const error_description = switches.errorTexts === "okta" ? OKTA_TEXTS.refreshToken : "grant request is invalid";
      return { status: 400, body: { error: "invalid_grant", error_description } };
    }
    if (refusesScope(form.get("scope"))) {
      return { status: 400, body: { error: "invalid_scope", error_description: OKTA_SCOPE_TEXT } };
    }
    if (grant === DEVICE_GRANT) {
      const code = form.get("device_code") ?? "";
      const last = lastDevicePoll.get(code);
      lastDevicePoll.set(code, now);
      // 100 ms of slack for timer jitter: a client that waits `interval` is never told to slow down.
      if (last !== undefined && now - last < switches.deviceInterval * 1000 - 100) {
        const error_description = "Polling too fast; wait `interval` seconds (5 more after each slow_down).";
        return { status: 400, body: { error: "slow_down", error_description } };
      }
    }
    return null;
  }

  /**
   * Issue and last-use times of the refresh tokens in a successful token answer (on the rule's clock), and who
   * they are for; with newSignInEndsRefreshTokens, a sign-in (code or device grant) ends the earlier ones of the
   * same client and user.
   */
  async function recordRefreshTokens(grant, presented, body) {
    const now = ruleNow();
    if (grant === "refresh_token" && refreshTokens.has(presented)) refreshTokens.get(presented).lastUsed = now;
    const issued = body.refresh_token;
    const { cid, sub } = claimsOf(body.access_token);
    const signIn = grant === "authorization_code" || grant === DEVICE_GRANT;
    if (signIn && switches.newSignInEndsRefreshTokens) {
      for (const [value, r] of refreshTokens) {
        if (r.cid !== cid || r.sub !== sub || value === issued || r.endedBySignIn) continue;
        r.endedBySignIn = true;
        // The provider forgets it too, so introspection agrees.
        await (await state.provider.RefreshToken.find(value, { ignoreExpiration: true }))?.destroy();
      }
    }
    if (typeof issued === "string" && !refreshTokens.has(issued)) {
      refreshTokens.set(issued, { issuedAt: now, lastUsed: now, cid, sub });
    }
  }

  /**
   * Okta gives CORS only to its Trusted Origins, an org-wide list (CC shows no setting for it): not to every
   * origin of a redirect URI, as this server did (corsFromRedirectUris restores that).
   */
  function corsAllowed(requestOrigin, uris = redirectUris) {
    if (switches.trustedOrigins.includes(requestOrigin)) return true;
    return switches.corsFromRedirectUris && uris.some((u) => URL.parse(u)?.origin === requestOrigin);
  }

  /** An answer of this server's own on a CORS route: a trusted page can read it, as it can the provider's. */
  function answer(ctx, { status, body, headers = {} }) {
    const requestOrigin = ctx.get("origin");
    if (requestOrigin && corsAllowed(requestOrigin)) {
      ctx.vary("Origin");
      ctx.set("Access-Control-Allow-Origin", requestOrigin);
    }
    for (const [k, v] of Object.entries(headers)) ctx.set(k, v);
    ctx.status = status;
    ctx.body = body;
  }

  /** The authorization redirect's iss (RFC 9207), which oidc-provider always adds, as switches.redirectIss says. */
  function rewriteRedirectIss(ctx) {
    const location = ctx.response.get("location");
    const url = location && switches.redirectIss !== true ? URL.parse(location) : null;
    if (!url) return;
    const apply = (params) => {
      if (!params.has("iss")) return false;
      if (switches.redirectIss === false) params.delete("iss");
      else params.set("iss", switches.redirectIss);
      return true;
    };
    // The query (url.href follows searchParams), else the fragment (response_mode=fragment); form_post pages keep
    // their iss field.
    let changed = apply(url.searchParams);
    const fragment = new URLSearchParams(url.hash.slice(1));
    if (!changed && apply(fragment)) {
      url.hash = fragment.toString();
      changed = true;
    }
    if (!changed) return;
    ctx.set("Location", url.href);
    ctx.type = "text";
    ctx.body = `Redirecting to ${url.href}.`;
  }

  return { refusesScope, ruleNow, tokenPrecheck, recordRefreshTokens, corsAllowed, answer, rewriteRedirectIss };
}
