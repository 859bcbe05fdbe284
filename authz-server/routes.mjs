// The routes after the admin switches and faults: CC's rules applied before oidc-provider sees a request (./rules.mjs)
// and to its answer after (Okta's texts, CORS, the redirect's iss, the device flow's interval), JWT access tokens at
// the revocation and introspection endpoints, the sign-in pages, and the discovery documents (404 unless switched
// on).
import { PATHS, V1 } from "./constant-contact.mjs";
import { oktaWords } from "./okta.mjs";
import { interaction } from "./pages.mjs";
import { readBody, words } from "./requests.mjs";

/**
 * The routes of one server: `state` holds its `provider`, `switches`, `stats`, `revokedJti` (the access tokens'
 * deny list, by jti), `origin`, `jwksPath` and `endpoints`; `rules` is ./rules.mjs's; `verifyAccessJwt(token)`
 * resolves to the claims of an access token this server signed. Resolves to { route, discovery }: koa handlers
 * taking (ctx, next), next being the provider's own routes.
 */
export function createRoutes(state, rules, verifyAccessJwt) {
  const { switches, stats, revokedJti, origin, jwksPath, endpoints } = state;

  async function route(ctx, next) {
    const path = ctx.path;
    let grant, presented; // of a token request: its grant_type and refresh_token
    if (path.startsWith("/interaction/")) return interaction(state.provider, ctx);

    // oidc-provider answers every preflight; for an untrusted origin the browser gets none of the CORS headers.
    const corsRoutes = [PATHS.token, PATHS.revoke, PATHS.introspect, PATHS.device];
    const requestOrigin = ctx.get("origin");
    if (ctx.method === "OPTIONS" && corsRoutes.includes(path) && requestOrigin && !rules.corsAllowed(requestOrigin)) {
      ctx.vary("Origin");
      ctx.status = 204;
      return;
    }

    if (path === PATHS.authorize) {
      stats.authorize += 1;
      // oidc-provider drops offline_access unless consent is prompted; CC keeps it. Ask for consent too.
      const q = ctx.query;
      if (words(q.scope).includes("offline_access")) {
        const prompts = new Set(words(q.prompt));
        prompts.add("consent");
        ctx.query = { ...q, prompt: [...prompts].join(" ") };
      }
    }

    if (path === PATHS.token && ctx.method === "POST") {
      // The form was read for the ledger (oidc-provider falls back to req.body), to apply CC's limits before the
      // provider too.
      const raw = ctx.req.body;
      const form = new URLSearchParams(raw);
      stats.token += 1;
      grant = form.get("grant_type") ?? "none";
      presented = form.get("refresh_token");
      stats.tokenByGrant[grant] = (stats.tokenByGrant[grant] ?? 0) + 1;
      stats.tokenTimes.push(Date.now());
      const early = rules.tokenPrecheck(ctx, form, grant);
      if (early) return rules.answer(ctx, early);
    }

    if ((path === PATHS.introspect || path === PATHS.revoke) && ctx.method === "POST") {
      const raw = ctx.req.body ?? (await readBody(ctx.req)); // a revocation's was read for the ledger
      ctx.req.body = raw;
      const form = new URLSearchParams(raw);
      stats[path.endsWith("revoke") ? "revoke" : "introspect"] += 1;
      const token = form.get("token") ?? "";
      // oidc-provider refuses JWT access tokens on both endpoints; handle them here (deny list by jti).
      if (token.split(".").length === 3) {
        const claims = await verifyAccessJwt(token).catch(() => null);
        if (path.endsWith("revoke")) {
          if (claims) revokedJti.add(claims.jti);
          if (ctx.state.ledgerEntry) ctx.state.ledgerEntry.processed = true;
          return rules.answer(ctx, { status: 200, body: "" });
        }
        if (!claims || revokedJti.has(claims.jti)) return rules.answer(ctx, { status: 200, body: { active: false } });
        const scope = (claims.scp ?? []).join(" ");
        const body = { active: true, ...claims, scope, client_id: claims.cid, username: claims.sub };
        return rules.answer(ctx, { status: 200, body });
      }
    }
    if (path === PATHS.device) stats.deviceAuthorize += 1;
    if (path === jwksPath) stats.keys += 1;

    if (ctx.state.ledgerEntry) ctx.state.ledgerEntry.processed = true; // it reaches oidc-provider
    await next();

    // ---- after the provider ----
    if (corsRoutes.includes(path)) oktaWords(switches, ctx, grant);
    if (path === PATHS.token && ctx.status === 200 && typeof ctx.body?.access_token === "string") {
      await rules.recordRefreshTokens(grant, presented, ctx.body);
    }
    if (path.startsWith(PATHS.authorize)) rules.rewriteRedirectIss(ctx); // also the resume path, /authorize/:uid
    if (corsRoutes.includes(path) && !ctx.response.get("access-control-allow-origin")) {
      // A refused origin: oidc-provider drops Allow-Origin but leaves Expose-Headers.
      for (const h of Object.keys(ctx.response.headers)) if (h.startsWith("access-control-")) ctx.remove(h);
    }
    if (path === PATHS.device && ctx.status === 200 && ctx.body && typeof ctx.body === "object") {
      ctx.body = { ...ctx.body, interval: switches.deviceInterval };
    }
  }

  /**
   * CC: "/.well-known/openid-configuration" and "oauth-authorization-server" answer 404 on authz. (a third-party
   * catalogue), so a client must not depend on them. With the switch on, both documents are served at the root
   * and under any /oauth2/<id>/ on either host, naming the real endpoints.
   */
  async function discovery(ctx, next) {
    const doc = /\/\.well-known\/(openid-configuration|oauth-authorization-server)$/.test(ctx.path);
    if (!switches.discovery || !doc) {
      ctx.status = 404;
      ctx.body = { error: "not_found", error_description: "Constant Contact serves no discovery document." };
      return;
    }
    ctx.path = "/.well-known/openid-configuration";
    await next();
    if (ctx.status !== 200 || typeof ctx.body !== "object") return;
    ctx.body = {
      ...ctx.body,
      authorization_endpoint: endpoints.authorize,
      token_endpoint: endpoints.token,
      device_authorization_endpoint: endpoints.deviceAuthorize,
      revocation_endpoint: endpoints.revoke,
      introspection_endpoint: `${origin}${PATHS.introspect}`,
      userinfo_endpoint: `${origin}${V1}/userinfo`,
      end_session_endpoint: `${origin}${V1}/logout`,
      jwks_uri: endpoints.jwks,
      authorization_response_iss_parameter_supported: switches.redirectIss !== false,
    };
  }

  return { route, discovery };
}
