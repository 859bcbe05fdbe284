// oidc-provider set up as Constant Contact's authorization server: its clients, routes, lifetimes, features
// (device flow, revocation, introspection, resource indicators for the API audience), Okta's JWT access token
// shape, and the browser rule for confidential clients. The rules it lacks are ./rules.mjs's.
import { randomBytes } from "node:crypto";
import { importProvider } from "./provider.mjs";
import { AUDIENCE, CC_SCOPES, CLIENTS, PATHS, accountIds } from "./constant-contact.mjs";
import { OKTA_BROWSER_RULE, OKTA_SCOPE_TEXT } from "./okta.mjs";
import { DEVICE_PAGES, renderError } from "./pages.mjs";
import { words } from "./requests.mjs";

const { default: Provider, errors } = await importProvider();

/**
 * The provider for `issuer`, its key set at `jwksPath`, signing with `signingJwk`, storing through `adapter`.
 * `redirectUris` are the redirect clients'; `rules` (./rules.mjs) gives refusesScope and corsAllowed; `options`
 * are startAuthServer's (accessTokenTtl, codeTtl, deviceCodeTtl in seconds).
 */
export function createProvider({ issuer, jwksPath, redirectUris, signingJwk, adapter, rules, options }) {
  const redirectClient = (c, extra) => ({
    client_id: c.id,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    redirect_uris: redirectUris,
    ...extra,
  });
  const provider = new Provider(issuer, {
    adapter,
    clients: [
      redirectClient(CLIENTS.confidential, {
        client_secret: CLIENTS.confidential.secret,
        token_endpoint_auth_method: "client_secret_basic",
      }),
      redirectClient(CLIENTS.longLived, {
        client_secret: CLIENTS.longLived.secret,
        token_endpoint_auth_method: "client_secret_basic",
        "urn:cc:refresh_token_rotation": "static",
      }),
      redirectClient(CLIENTS.pkce, { token_endpoint_auth_method: "none" }),
      {
        client_id: CLIENTS.device.id,
        token_endpoint_auth_method: "none",
        grant_types: ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
        response_types: [],
        redirect_uris: [],
      },
    ],
    extraClientMetadata: {
      properties: ["urn:cc:refresh_token_rotation"],
      validator(_ctx, key, value) {
        if (key === "urn:cc:refresh_token_rotation" && value !== undefined && value !== "rotate" && value !== "static")
          throw new errors.InvalidClientMetadata(`${key} must be rotate or static`);
      },
    },
    jwks: { keys: [signingJwk] },
    scopes: ["openid", "offline_access"],
    responseTypes: ["code"],
    pkce: { required: (_ctx, client) => client.clientAuthMethod === "none" },
    routes: {
      authorization: PATHS.authorize,
      token: PATHS.token,
      device_authorization: PATHS.device,
      revocation: PATHS.revoke,
      introspection: PATHS.introspect,
      jwks: jwksPath,
      userinfo: "/oauth2/default/v1/userinfo",
      end_session: "/oauth2/default/v1/logout",
      code_verification: "/activate",
    },
    ttl: {
      AccessToken: options.accessTokenTtl ?? 86400,
      AuthorizationCode: options.codeTtl ?? 300,
      DeviceCode: options.deviceCodeTtl ?? 600,
      // Refresh-token life is the refreshTokenExpiry rule's (on the shifted clock), not the provider's.
      RefreshToken: 10 * 365 * 86400,
      Grant: 10 * 365 * 86400,
      Interaction: 3600,
      Session: 86400,
    },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      // oidc-provider's own rule, written out so that it does not log a notice (after --json's one line).
      revocation: {
        enabled: true,
        async allowedPolicy(ctx, client, token) {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === "none") return false;
          throw new errors.InvalidRequest("client is not authorized to revoke the presented token");
        },
      },
      introspection: { enabled: true, allowedPolicy: async () => true },
      deviceFlow: { enabled: true, charset: "base-20", mask: "****-****", ...DEVICE_PAGES },
      resourceIndicators: {
        enabled: true,
        // Called once the client and redirect_uri are known, so an error here is redirected with state.
        defaultResource(ctx) {
          if (
            ["authorization", "device_authorization"].includes(ctx.oidc.route) &&
            rules.refusesScope(ctx.oidc.params.scope)
          ) {
            throw new errors.InvalidScope(OKTA_SCOPE_TEXT); // (without the scope: Okta names none)
          }
          return AUDIENCE;
        },
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: CC_SCOPES.join(" "),
          audience: AUDIENCE,
          accessTokenTTL: options.accessTokenTtl ?? 86400,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    rotateRefreshToken: (ctx) => ctx.oidc.client["urn:cc:refresh_token_rotation"] !== "static",
    async findAccount(_ctx, sub) {
      return { accountId: sub, claims: async () => ({ sub }) };
    },
    extraTokenClaims(_ctx, token) {
      if (token.kind !== "AccessToken") return undefined;
      const ids = accountIds(token.accountId);
      return {
        cid: token.clientId,
        uid: ids.uid,
        scp: words(token.scope),
        platform_user_id: ids.platform,
      };
    },
    formats: {
      customizers: {
        jwt(_ctx, _token, jwt) {
          // Okta's shape: {alg, kid} header, cid/scp instead of client_id/scope.
          delete jwt.payload.client_id;
          delete jwt.payload.scope;
          jwt.payload.ver = 1;
          jwt.header = { typ: undefined };
          return jwt;
        },
      },
    },
    clientBasedCORS(ctx, requestOrigin, client) {
      // Okta: a browser (Origin) token request from a confidential client must use PKCE.
      if (ctx.oidc.route === "token" && client.clientAuthMethod !== "none") {
        const params = ctx.oidc.params ?? {};
        if (params.grant_type === "authorization_code" && !params.code_verifier) {
          const e = new errors.InvalidClient(OKTA_BROWSER_RULE);
          e.error_description = OKTA_BROWSER_RULE;
          e.status = e.statusCode = 401;
          throw e;
        }
        return false;
      }
      return client.clientAuthMethod === "none" && rules.corsAllowed(requestOrigin, client.redirectUris);
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError,
  });
  provider.proxy = false;
  return provider;
}
