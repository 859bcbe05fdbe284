// A local authorization server that behaves like Constant Contact's (Okta-backed) one, for the demo and
// the tests: nothing here needs an account or the internet. Built on oidc-provider (a certified OAuth
// server); ../shared/reference/oidc-provider-notes.md explains each workaround below.
//
//   node authz-server/server.mjs [--port N] [--trusted-origin URL ...] [--single-origin] [--json]
//   import { startAuthServer } from "./authz-server/server.mjs"; const s = await startAuthServer({ port: 0 });
//
// The command line (port 4455 unless --port or AUTHZ_PORT) prints a few lines for people, the first naming the
// endpoints origin, then "endpoints:" and the endpoints object as JSON; with --json only one line of JSON,
// {"origin", "issuer", "endpoints": {authorize, token, deviceAuthorize, revoke, jwks, issuer, audience, apiBase},
// "clients", "trustedOrigins"}, for any tool to point a client at it.
//
// What it reproduces (../shared/reference/constant-contact-oauth.md):
// - /oauth2/default/v1/{authorize,token,device/authorize,revoke,introspect} and /activate; the key set under the
//   issuer on another host (below)
// - CC's scopes; a refresh token only when offline_access was asked for
// - RS256 JWT access tokens: aud https://api.cc.email/v3, exp = iat + 86400, cid, uid, sub, scp, platform_user_id
// - clients: confidential (Basic auth, rotating), long-lived (Basic auth, static refresh token), public (PKCE S256
//   required), device-flow (public)
// - 5-minute single-use codes; rotating refresh tokens (the old one then fails with invalid_grant)
// - the device flow with interval, slow_down, expiry and denial
// - Okta's browser rule: a token request carrying Origin from a confidential client without PKCE gets 401
//   invalid_client with Okta's text; CORS for public clients from trusted origins (below)
// - a switchable 1 request/s token-endpoint limit answering 429
// - an API stub (/v3/account/summary, /v3/account/user/privileges) checking the Bearer JWT against the key set,
//   answering 401 {"error_key":"unauthorized","error_message":"Unauthorized"}, switchable to 429
// - login and consent pages (with "deny") that a test can drive; request counters for round-trip assertions
// Test controls live under /__admin (stats, config, ledger, seed, reset); they exist only on this local server, and
// refuse a request with a foreign Origin (a web page) or a non-loopback Host (DNS rebinding). Node's fetch sends no
// Origin. Beside this file: adapter.mjs (storage that forgets nothing before its expiry), ledger.mjs (the record of
// every token and revocation request: GET /__admin/ledger, server.ledger()), faults.mjs (which request gets a
// fault), seed.mjs (accounts without the sign-in pages), provider.mjs (oidc-provider without its Node 20 warning).
//
// Constant Contact's behaviour is the default, so the local server hides no client bug; each switch brings back
// the lenient behaviour a test may need. Markers as in the reference: [DOC] CC's docs, [CC-SUPPORT] CC's support
// staff, [3P] third-party code, [OKTA] Okta's behaviour (CC's service is Okta), [INFERRED], [UNCONFIRMED].
// "option" = a startAuthServer option; "admin" = also POST /__admin/config {"name": value} at run time.
// - Two hosts [3P]: CC's endpoints are https://authz.constantcontact.com/oauth2/default/v1/..., but tokens say
//   iss https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8 and the key set is that issuer +
//   /v1/keys. Here the endpoints (and the API stub, /v3) are on http://127.0.0.1:PORT, the issuer and key set on
//   http://127.0.0.2:PORT/oauth2/aus1lm3ry9mF7x2Ja0h8; each host answers 404 for the other's paths (a key set
//   alias on authz. is [UNCONFIRMED]). Option singleOrigin: true (CLI --single-origin) restores one origin:
//   issuer http://127.0.0.1:PORT/oauth2/default, keys .../oauth2/default/v1/keys. Not admin: fixed at start.
// - redirectIss (option, admin), default false: the authorization redirect (code or error) carries no iss; no CC
//   page or client shows one [INFERRED], while oidc-provider always adds it (RFC 9207). true restores
//   oidc-provider's iss (the token issuer); a string sends that value (a redirect naming another issuer).
// - unknownScopes (option, admin), default "refuse": a scope CC does not know (KNOWN_SCOPES) gets invalid_scope
//   "One or more scopes are not configured for the authorization server resource." [OKTA] - at /authorize as a
//   redirect with state, at device authorization and the token endpoint as 400 JSON. "ignore" restores
//   oidc-provider's silent drop.
// - trustedOrigins (option, admin; CLI --trusted-origin URL, repeatable), default []: CORS on the token, revoke,
//   introspect and device endpoints only for these origins (Okta's "Trusted Origins" [OKTA]; CC shows no such
//   setting, and one PKCE demo on localhost:8080 reports CORS working [3P, low]); a preflight from any other
//   origin gets no Access-Control-* header, and a POST 400 without them. Never for confidential clients. The old
//   option name corsOrigins still works. corsFromRedirectUris (option, admin): true restores the old rule, CORS
//   for every origin of a registered redirect URI too. The key set answers every origin, as before [UNCONFIRMED].
// - refreshTokenExpiry (option, admin), default "idle": a refresh token, rotating or long-lived, ends once unused
//   for 180 days [CC-SUPPORT] (each use restarts the window; a rotated one's successor starts its own), answering
//   invalid_grant "The refresh token is invalid or expired."; "issue" restores the old rule, 30 days from issue.
//   clockOffsetSeconds (option, admin), default 0, moves this rule's "now" forward, so a test can cross day 150
//   and day 180 at once (token lifetimes, codes and the API stub keep the real clock).
// - tokenRetryAfter (option, admin), default false: the token endpoint's 429 (the 1 request/s limit
//   [CC-SUPPORT], switched on by tokenRateLimit) has no Retry-After, as a third-party catalogue of CC's errors shows
//   none [3P, low]; true restores Retry-After: 1. The fault kinds "429" / "429-retry" are unchanged.
// - errorTexts (option, admin), default "okta": Okta's error_description texts instead of oidc-provider's
//   generic "grant request is invalid": invalid_grant "The refresh token is invalid or expired." for a used,
//   unknown, revoked or expired refresh token [3P]; "The authorization code is invalid or has expired." for a
//   reused, unknown or expired code, "PKCE verification failed." for a wrong or missing verifier, "The
//   'redirect_uri' does not match the redirection URI used in the authorization request." [OKTA, UNCONFIRMED for
//   CC]; invalid_client "Client authentication failed. Either the client or the client credentials are invalid."
//   [OKTA] (the browser rule keeps its own). "oidc-provider" restores its texts (DEBUG=oidc-provider:error logs
//   the real reason).
// - discovery (option, admin), default false: /.well-known/* and /oauth2/*/.well-known/* answer 404 on both hosts
//   (a third-party catalogue reports CC's discovery documents missing [3P]); true serves openid-configuration and
//   oauth-authorization-server there, naming the endpoints above.
// - newSignInEndsRefreshTokens (option, admin), default false: when true, a code exchange or a device-flow
//   completion that issues tokens for a (client, user) ends every earlier refresh token of that client and user
//   (invalid_grant "The refresh token is invalid or expired."). A CC support answer says a new token set expires
//   all previous refresh tokens [CC-SUPPORT, from the old service; UNCONFIRMED for the new one, wording
//   ambiguous], hence off by default; tests of what a client does when that happens switch it on.
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { createHash, generateKeyPair, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import * as jose from "jose";
import { importProvider } from "./provider.mjs";
import { createMapAdapter, createTokenLocks } from "./adapter.mjs";
import { createLedger, tokenHash } from "./ledger.mjs";
import { AFTER_KINDS, FAULT_AT, isFaultSwitch, takeFault as pickFault } from "./faults.mjs";
import { seedGrant } from "./seed.mjs";

const { default: Provider, errors } = await importProvider();
export { tokenHash };

export const AUDIENCE = "https://api.cc.email/v3";
export const CC_SCOPES = ["account_read", "account_update", "contact_data", "campaign_data"];
/** The scopes CC knows (openid: oidc-provider's own); any other is refused with invalid_scope, as Okta does. */
export const KNOWN_SCOPES = [...CC_SCOPES, "offline_access", "openid"];
const OKTA_SCOPE_TEXT = "One or more scopes are not configured for the authorization server resource.";
const OKTA_BROWSER_RULE = "Browser requests to the token endpoint must use Proof Key for Code Exchange.";
/** Okta's words for the token errors a client meets most; oidc-provider's say "grant request is invalid". */
export const OKTA_TEXTS = {
  refreshToken: "The refresh token is invalid or expired.",
  code: "The authorization code is invalid or has expired.",
  pkce: "PKCE verification failed.",
  redirectUri: "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
  client: "Client authentication failed. Either the client or the client credentials are invalid.",
};
/** CC's Okta authorization server id: the issuer's path on the identity host. */
export const OKTA_SERVER_ID = "aus1lm3ry9mF7x2Ja0h8";
/** The local stand-in for identity.constantcontact.com (Linux routes all of 127/8 to loopback). */
export const IDENTITY_ADDRESS = "127.0.0.2";
/** Where CC's endpoints live on authz.constantcontact.com, and so on the local endpoints host. */
const V1 = "/oauth2/default/v1";
const PATHS = {
  authorize: `${V1}/authorize`,
  token: `${V1}/token`,
  device: `${V1}/device/authorize`,
  revoke: `${V1}/revoke`,
  introspect: `${V1}/introspect`,
};

export const CLIENTS = {
  confidential: { id: "cc-confidential", secret: "cc-confidential-secret-0123456789" },
  longLived: { id: "cc-long-lived", secret: "cc-long-lived-secret-0123456789" },
  pkce: { id: "cc-pkce" },
  device: { id: "cc-device" },
};

/** Settings tests may switch at run time through POST /__admin/config (JSON). */
const DEFAULT_SWITCHES = {
  tokenRateLimit: false, // 1 request/s per client at the token endpoint, 429 beyond
  tokenRateLimitMs: 1000, // that limit's window (tests that run time faster shrink it along with their clocks)
  tokenRetryAfter: false, // true: that 429 carries Retry-After: 1 (the old answer)
  errorTexts: "okta", // "okta": Okta's error_description texts | "oidc-provider": its own generic ones
  refreshTokenExpiry: "idle", // "idle": 180 days since the token's last use (CC) | "issue": 30 days from issue
  clockOffsetSeconds: 0, // moves this server's "now" forward for the refresh-token expiry rule
  discovery: false, // true: serve the discovery documents (CC's answer 404)
  newSignInEndsRefreshTokens: false, // true: a sign-in ends the earlier refresh tokens of that client and user
  redirectIss: false, // false: no iss on the authorization redirect | true: the issuer (oidc-provider) | a string
  unknownScopes: "refuse", // "refuse": invalid_scope (Okta) | "ignore": dropped silently (oidc-provider)
  trustedOrigins: [], // origins given CORS by the token, revoke, introspect and device endpoints (public clients)
  corsFromRedirectUris: false, // true: also the origins of the registered redirect URIs (the old rule)
  api429: null, // null | "throttled" | "quota_exceeded" | "queued" (no error_key: the bulk-activity queue)
  deviceInterval: 5, // seconds, sent as `interval` and enforced with slow_down
  // Fault injection: null, or { at: "token" | "keys" | "revoke" | "device" | "api", kind, times = 1 }, or a list
  // of such. The next `times` requests to that endpoint get the fault; or, with `probability` (0..1) and `seed`,
  // each request does with that probability, reproducibly (faults.mjs). Kinds: "500" | "502" | "503"
  // (Retry-After: 2) | "html200" | "truncated" (200 with JSON cut short; the request is not processed) | "reset"
  // (headers and part of a body, then the connection is destroyed) | "hang" (never answers) | "429" (no
  // Retry-After) | "429-retry" (Retry-After: 1) | "slow-body" (the real answer, trickled over `slowMs`, default
  // 1,500 ms) | "truncated-after" (the request IS processed, its real answer cut short: a rotated refresh token is
  // lost) | "hang-after" (the request IS processed, and no answer ever comes: a holder that dies after rotating) |
  // "reset-after" (the request IS processed, then the connection is reset before any byte of the answer).
  fault: null,
};
function oneOf(...values) {
  return (v) => values.includes(v);
}
const isBool = oneOf(true, false);
/** What each switch accepts: a misspelt name or a bad value is refused, as it would silently test nothing. */
const SWITCH_RULES = {
  tokenRateLimit: isBool,
  tokenRateLimitMs: (v) => Number.isFinite(v) && v > 0,
  tokenRetryAfter: isBool,
  errorTexts: oneOf("okta", "oidc-provider"),
  refreshTokenExpiry: oneOf("idle", "issue"),
  clockOffsetSeconds: Number.isFinite,
  discovery: isBool,
  newSignInEndsRefreshTokens: isBool,
  redirectIss: (v) => isBool(v) || (typeof v === "string" && v !== ""),
  unknownScopes: oneOf("refuse", "ignore"),
  trustedOrigins: (v) => Array.isArray(v) && v.every((o) => URL.parse(o)?.origin?.startsWith("http")),
  corsFromRedirectUris: isBool,
  api429: oneOf(null, "throttled", "quota_exceeded", "queued"),
  deviceInterval: (v) => Number.isFinite(v) && v >= 0,
  fault: isFaultSwitch,
};

/** The switches in `given` (all of its keys, or only the switch names when `only`), checked; throws a TypeError. */
function checkSwitches(given, { only = false } = {}) {
  const out = {};
  for (const [name, value] of Object.entries(given ?? {})) {
    if (!Object.hasOwn(SWITCH_RULES, name)) {
      if (only) continue;
      throw new TypeError(`unknown switch ${name}; known: ${Object.keys(SWITCH_RULES).join(", ")}`);
    }
    if (value === undefined && only) continue;
    if (!SWITCH_RULES[name](value)) throw new TypeError(`bad value for ${name}: ${JSON.stringify(value)}`);
    // An origin is compared with the Origin header, which has no path: "http://127.0.0.1:8080/" counts too.
    out[name] = name === "trustedOrigins" ? [...new Set(value.map((o) => new URL(o).origin))] : value;
  }
  return out;
}

const html = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const STYLE = [
  "body{font:16px/1.5 system-ui,sans-serif;background:#f4f6fa;color:#1d2433;margin:0}",
  "main{max-width:26rem;margin:3rem auto;background:#fff;border-radius:10px;padding:1.5rem;box-shadow:0 1px 3px #0002}",
  "h1{font-size:1.3rem;margin-top:0}.brand{color:#1856ed;font-weight:700}",
  "label{display:block;margin:.75rem 0;font-weight:600}",
  "input[type=text],input[type=password]{display:block;width:100%;box-sizing:border-box;padding:.5rem;font:inherit;",
  "border:1px solid #c9cfdb;border-radius:6px;margin-top:.25rem}",
  "button{font:inherit;padding:.55rem 1.1rem;border:0;border-radius:6px;background:#1856ed;color:#fff;cursor:pointer;",
  "margin-right:.5rem}button.deny{background:#e6ebf7;color:#1d2433}ul{padding-left:1.2rem}small{color:#5b6477}",
].join("");
const page = (title, body) =>
  '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
  `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${html(title)}</title>` +
  `<link rel="icon" href="data:,">\n<style>${STYLE}</style></head>\n` +
  `<body><main><p class="brand">Constant Contact (local test server)</p>${body}</main></body></html>`;

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

/** Stable fake ids for a login name; "unassigned..." logins get platform_user_id UNASSIGNED, as CC sub-users do. */
function accountIds(login) {
  const h = createHash("sha256").update(login).digest("hex");
  const platform = login.startsWith("unassigned")
    ? "UNASSIGNED"
    : `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return { uid: `00u${h.slice(0, 17)}`, platform };
}

/**
 * Starts the server on 127.0.0.1 (the endpoints) and 127.0.0.2 (issuer and key set), on one port. Options: port
 * (0 = a free one), singleOrigin (everything on 127.0.0.1, as before), redirectUris (added to the three redirect
 * clients), corsOrigins (the old name of trustedOrigins, added to it), deviceCodeTtl and codeTtl (seconds), plus
 * any of DEFAULT_SWITCHES (trustedOrigins among them). Resolves to { issuer, origin, identityOrigin, port,
 * endpoints, clients, stats, switches, close, ... }.
 */
export async function startAuthServer(options = {}) {
  // corsOrigins: the old name of trustedOrigins.
  const trusted = [...(options.trustedOrigins ?? []), ...(options.corsOrigins ?? [])];
  const configured = checkSwitches(
    { ...options, trustedOrigins: trusted.length ? trusted : undefined },
    { only: true },
  );
  // Copies: a fault's `times` counts down in place, and a reset must start from the configured values again.
  const initialSwitches = () => structuredClone({ ...DEFAULT_SWITCHES, ...configured });
  const switches = initialSwitches();
  const stats = {
    requests: 0,
    faults: 0,
    token: 0,
    tokenByGrant: {},
    deviceAuthorize: 0,
    revoke: 0,
    introspect: 0,
    keys: 0,
    api: 0,
    authorize: 0,
    tokenTimes: [], // when each refresh request arrived (ms): pacing tests read the gaps
  };
  const singleOrigin = options.singleOrigin === true;
  const { servers, port } = await listenAll(options.port ?? 0, singleOrigin ? [] : [IDENTITY_ADDRESS]);
  const origin = `http://127.0.0.1:${port}`;
  // CC: tokens name https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8 as iss and its key set
  // lives under that name, while every endpoint is on authz.constantcontact.com/oauth2/default.
  const identityOrigin = singleOrigin ? origin : `http://${IDENTITY_ADDRESS}:${port}`;
  const issuer = singleOrigin ? `${origin}/oauth2/default` : `${identityOrigin}/oauth2/${OKTA_SERVER_ID}`;
  const jwksPath = `${new URL(issuer).pathname}/v1/keys`;
  const FAULT_PATHS = { token: PATHS.token, keys: jwksPath, revoke: PATHS.revoke, device: PATHS.device, api: "/v3/" };
  /** Whether the host a request came to serves this path: the identity host only the key set, and back. */
  const hostServes = (ctx, path) =>
    singleOrigin || (ctx.req.socket.localAddress === IDENTITY_ADDRESS) === (path === jwksPath);
  const redirectUris = [
    ...new Set([
      `http://127.0.0.1:8080/www/`,
      `http://localhost:8080/www/`,
      `${origin}/callback`,
      ...(options.redirectUris ?? []),
    ]),
  ];

  // Not generateKeyPairSync: on Node 20 its job is freed by the GC, which can then run inside the export below
  // (same thread, the key's mutex held) and deadlock: now and then a start never finished (seen with gdb).
  const { privateKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  const signingJwk = { ...privateKey.export({ format: "jwk" }), kid: "cc-local-1", alg: "RS256", use: "sig" };
  const publicJwk = {
    kty: signingJwk.kty,
    n: signingJwk.n,
    e: signingJwk.e,
    kid: signingJwk.kid,
    alg: "RS256",
    use: "sig",
  };
  const publicKey = await jose.importJWK(publicJwk, "RS256");
  const revokedJti = new Set();
  const refreshTokens = new Map(); // value -> { issuedAt, lastUsed (ms on ruleNow()'s clock), cid, sub, ... }
  const lastTokenCall = new Map(); // client id -> ms, for the 1 request/s limit
  const lastDevicePoll = new Map(); // device_code -> ms, for slow_down
  const Adapter = createMapAdapter();
  // Requests presenting one refresh token are handled one after another (adapter.mjs says why).
  const oneAtATime = createTokenLocks();

  const redirectClient = (c, extra) => ({
    client_id: c.id,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    redirect_uris: redirectUris,
    ...extra,
  });
  const provider = new Provider(issuer, {
    adapter: Adapter,
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
      deviceFlow: {
        enabled: true,
        charset: "base-20",
        mask: "****-****",
        async userCodeInputSource(ctx, form, _out, err) {
          const denied = err && (err.name === "AbortedError" || err.error === "access_denied");
          const msg = denied
            ? "<p><strong>Access was denied.</strong> The device was not connected.</p>"
            : err
              ? "<p><strong>That code did not work.</strong> Check it and try again.</p>"
              : "<p>Enter the code shown on your device.</p>";
          ctx.body = page(
            "Activate a device",
            `<h1>Activate a device</h1>${msg}${form}<button type="submit" form="op.deviceInputForm">Next</button>`,
          );
        },
        async userCodeConfirmSource(ctx, form, client, _info, userCode) {
          ctx.body = page(
            "Confirm the device",
            `<h1>Confirm the device</h1><p><strong>${html(client.clientId)}</strong> shows the code ` +
              `<code>${html(userCode)}</code>.</p>${form}` +
              '<button type="submit" form="op.deviceConfirmForm">Continue</button>' +
              '<button class="deny" type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Cancel</button>',
          );
        },
        async successSource(ctx) {
          ctx.body = page(
            "Device connected",
            "<h1>Device connected</h1><p>You can close this page and return to your device.</p>",
          );
        },
      },
      resourceIndicators: {
        enabled: true,
        // Called once the client and redirect_uri are known, so an error here is redirected with state.
        defaultResource(ctx) {
          if (
            ["authorization", "device_authorization"].includes(ctx.oidc.route) &&
            refusesScope(ctx.oidc.params.scope)
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
      return client.clientAuthMethod === "none" && corsAllowed(requestOrigin, client.redirectUris);
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = page(
        "Error",
        `<h1>Something went wrong</h1><p><code>${html(out.error)}</code> ${html(out.error_description ?? "")}</p>`,
      );
    },
  });
  provider.proxy = false;
  const ledger = createLedger({
    provider,
    paths: { token: PATHS.token, revoke: PATHS.revoke },
    clientIdOf: (ctx, form) => basicClientId(ctx.get("authorization")) || form.get("client_id") || null,
  });

  // ---- middleware before the provider's own routes ----
  provider.use(async (ctx, next) => {
    stats.requests += 1;
    const path = ctx.path;

    if (path.startsWith("/__admin/")) return admin(ctx);
    if (/^(\/oauth2\/[^/]+)?\/\.well-known\//.test(path)) return discovery(ctx, next);
    if (!hostServes(ctx, path)) {
      ctx.status = 404;
      ctx.body = { error: "not_found", error_description: `${ctx.host} does not serve ${path} (see endpoints)` };
      return;
    }
    // Nothing above waits, so ledger entries and fault decisions are made in arrival order.
    const entry = ledger.begin(ctx, path);
    const fault = takeFault(path);
    const faultEntry = fault ? ledger.fault(fault, entry) : null;
    const refreshToken = entry ? await ledger.readForm(ctx, entry) : null;
    const handle = () =>
      oneAtATime(refreshToken, async () => {
        await (path.startsWith("/v3/") ? api(ctx) : route(ctx, next));
        if (entry) await ledger.settle(ctx, entry);
      });
    if (fault && !AFTER_KINDS.includes(fault.kind)) {
      injectFault(ctx, fault);
      if (entry) ledger.settleFault(ctx, entry, fault);
      return;
    }
    if (fault) {
      await faultAfter(ctx, fault, handle);
      faultEntry.processed = entry ? entry.processed : true;
      return;
    }
    return handle();
  });

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

  /** The next fault for this path (faults.mjs), counted down; null when none applies. */
  function takeFault(path) {
    const at = path.startsWith(FAULT_PATHS.api) ? "api" : FAULT_AT.find((a) => a !== "api" && FAULT_PATHS[a] === path);
    const f = pickFault(switches, at ?? null);
    if (f) stats.faults += 1;
    return f;
  }

  /** Faults answered before the request reaches the provider: server state is untouched. */
  function injectFault(ctx, fault) {
    const send = (status, type, body, headers = {}) => {
      ctx.status = status;
      for (const [k, v] of Object.entries(headers)) ctx.set(k, v);
      ctx.type = type;
      ctx.body = body;
    };
    switch (fault.kind) {
      case "500":
        return send(500, "json", { errorCode: "E0000009", errorSummary: "Internal Server Error" });
      case "502":
        return send(502, "html", "<html><body><h1>502 Bad Gateway</h1></body></html>");
      case "503":
        return send(503, "html", "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>", {
          "Retry-After": "2",
        });
      case "html200":
        return send(200, "html", page("Maintenance", "<h1>We'll be right back</h1>"));
      case "truncated":
        return send(
          200,
          "json",
          '{"token_type":"Bearer","expires_in":86400,"access_token":"eyJraWQiOiJjYy1sb2NhbC0xIiwiYWxnIjoiUlMy',
        );
      case "429":
        return send(429, "json", { error: "rate_limited", error_description: "Too many requests." });
      case "429-retry":
        return send(
          429,
          "json",
          { error: "rate_limited", error_description: "Too many requests." },
          { "Retry-After": "1" },
        );
      case "reset": {
        ctx.respond = false;
        ctx.res.writeHead(200, { "content-type": "application/json", "content-length": "400" });
        ctx.res.write('{"token_type":"Bearer","access_token":"eyJ');
        setTimeout(() => ctx.req.socket.destroy(), 20);
        return;
      }
      case "hang":
        ctx.respond = false; // the socket stays open until the client gives up or the server closes
        return;
      default:
        return send(500, "text", `unknown fault kind ${fault.kind}`);
    }
  }

  /** Faults applied to the real answer: the request was processed (a refresh rotated). */
  async function faultAfter(ctx, fault, handle) {
    await handle();
    if (fault.kind === "hang-after") {
      ctx.respond = false; // processed, never answered: the socket stays open until the client goes
      return;
    }
    if (fault.kind === "reset-after") {
      // Processed, then the connection is reset (RST) before any byte of the answer is written.
      ctx.respond = false;
      const socket = ctx.req.socket;
      if (socket.writable && !socket.writableEnded) socket.resetAndDestroy();
      else socket.destroy();
      return;
    }
    const text =
      typeof ctx.body === "string" || Buffer.isBuffer(ctx.body) ? String(ctx.body) : JSON.stringify(ctx.body ?? "");
    const status = ctx.status;
    if (fault.kind === "truncated-after") {
      ctx.status = status;
      ctx.type = "json";
      ctx.body = text.slice(0, Math.floor(text.length / 2));
      return;
    }
    const slowMs = fault.slowMs ?? 1500;
    const chunks = 10;
    const step = Math.ceil(text.length / chunks);
    ctx.status = status;
    ctx.type = "json";
    const body = Readable.from(
      (async function* () {
        for (let i = 0; i < text.length; i += step) {
          await new Promise((r) => setTimeout(r, slowMs / chunks));
          yield text.slice(i, i + step);
        }
      })(),
    );
    // A client that gives up mid-body is the point of this fault, not a server error worth logging.
    ctx.res.once("close", () => body.destroy());
    body.on("error", () => {});
    ctx.body = body;
  }

  // ---- the routes (after the admin switches and faults) ----
  async function route(ctx, next) {
    const path = ctx.path;
    let grant, presented; // of a token request: its grant_type and refresh_token
    if (path.startsWith("/interaction/")) return interaction(ctx);

    // oidc-provider answers every preflight; for an untrusted origin the browser gets none of the CORS headers.
    const corsRoutes = [PATHS.token, PATHS.revoke, PATHS.introspect, PATHS.device];
    const requestOrigin = ctx.get("origin");
    if (ctx.method === "OPTIONS" && corsRoutes.includes(path) && requestOrigin && !corsAllowed(requestOrigin)) {
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
      const early = tokenPrecheck(ctx, form, grant);
      if (early) return answer(ctx, early);
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
          return answer(ctx, { status: 200, body: "" });
        }
        if (!claims || revokedJti.has(claims.jti)) return answer(ctx, { status: 200, body: { active: false } });
        const scope = (claims.scp ?? []).join(" ");
        const body = { active: true, ...claims, scope, client_id: claims.cid, username: claims.sub };
        return answer(ctx, { status: 200, body });
      }
    }
    if (path === PATHS.device) stats.deviceAuthorize += 1;
    if (path === jwksPath) stats.keys += 1;

    if (ctx.state.ledgerEntry) ctx.state.ledgerEntry.processed = true; // it reaches oidc-provider
    await next();

    // ---- after the provider ----
    if (corsRoutes.includes(path)) oktaWords(ctx, grant);
    if (path === PATHS.token && ctx.status === 200 && typeof ctx.body?.access_token === "string") {
      await recordRefreshTokens(grant, presented, ctx.body);
    }
    if (path.startsWith(PATHS.authorize)) rewriteRedirectIss(ctx); // also the resume path, /authorize/:uid
    if (corsRoutes.includes(path) && !ctx.response.get("access-control-allow-origin")) {
      // A refused origin: oidc-provider drops Allow-Origin but leaves Expose-Headers.
      for (const h of Object.keys(ctx.response.headers)) if (h.startsWith("access-control-")) ctx.remove(h);
    }
    if (path === PATHS.device && ctx.status === 200 && ctx.body && typeof ctx.body === "object") {
      ctx.body = { ...ctx.body, interval: switches.deviceInterval };
    }
  }

  /**
   * Okta's error_description for oidc-provider's errors, chosen by the reason oidc-provider logs (error_detail,
   * kept by the *.error listeners below); other errors keep oidc-provider's words.
   */
  function oktaWords(ctx, grant) {
    const body = ctx.body;
    if (switches.errorTexts !== "okta" || ctx.status < 400 || typeof body?.error !== "string") return;
    const detail = String(ctx.state.oidcError?.error_detail ?? "");
    let text;
    if (body.error === "invalid_client" && body.error_description !== OKTA_BROWSER_RULE) text = OKTA_TEXTS.client;
    else if (body.error === "invalid_grant" && grant === "refresh_token") text = OKTA_TEXTS.refreshToken;
    else if (body.error === "invalid_grant" && grant === "authorization_code") {
      if (/code_verifier|PKCE/i.test(detail)) text = OKTA_TEXTS.pkce;
      else if (/redirect_uri/.test(detail)) text = OKTA_TEXTS.redirectUri;
      else text = OKTA_TEXTS.code; // not found, consumed, expired, another client's
    }
    if (text) ctx.body = { ...body, error_description: text };
  }

  /** Okta answers invalid_scope for a scope it does not know; oidc-provider drops it. */
  const refusesScope = (scope) =>
    switches.unknownScopes === "refuse" && words(scope).some((w) => !KNOWN_SCOPES.includes(w));

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
   * An account signed in without the pages (seed.mjs): a grant and a rotating (or, for the long-lived client,
   * static) refresh token, with an entry of type "seed" in the ledger. Resolves to { refreshToken, grantId,
   * clientId, sub }.
   */
  async function seed({ clientId = CLIENTS.confidential.id, sub, scope = "account_read contact_data" } = {}) {
    const out = await seedGrant(provider, { clientId, sub, scope, audience: AUDIENCE, ccScopes: CC_SCOPES });
    const now = ruleNow();
    refreshTokens.set(out.refreshToken, { issuedAt: now, lastUsed: now, cid: clientId, sub });
    ledger.seeded({ clientId, sub, ...out });
    return { ...out, clientId, sub };
  }

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
        await (await provider.RefreshToken.find(value, { ignoreExpiration: true }))?.destroy();
      }
    }
    if (typeof issued === "string" && !refreshTokens.has(issued)) {
      refreshTokens.set(issued, { issuedAt: now, lastUsed: now, cid, sub });
    }
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

  /**
   * Okta gives CORS only to its Trusted Origins, an org-wide list (CC shows no setting for it): not to every
   * origin of a redirect URI, as this server did (corsFromRedirectUris restores that).
   */
  function corsAllowed(requestOrigin, uris = redirectUris) {
    if (switches.trustedOrigins.includes(requestOrigin)) return true;
    return switches.corsFromRedirectUris && uris.some((u) => URL.parse(u)?.origin === requestOrigin);
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

  function basicClientId(header) {
    const m = /^Basic\s+(.+)$/i.exec(header ?? "");
    if (!m) return null;
    try {
      return decodeURIComponent(Buffer.from(m[1], "base64").toString("utf8").split(":")[0] ?? "");
    } catch {
      return null; // malformed: the provider answers invalid_client
    }
  }

  async function verifyAccessJwt(token) {
    const { payload } = await jose.jwtVerify(token, publicKey, { issuer, audience: AUDIENCE, algorithms: ["RS256"] });
    return payload;
  }

  // The API stub: Bearer JWT checked against the key set, CC's error shapes.
  async function api(ctx) {
    stats.api += 1;
    ctx.set("Access-Control-Allow-Origin", "*");
    ctx.set("Access-Control-Allow-Headers", "Content-Type,X-Amz-Date,Authorization,X-Api-Key");
    ctx.set("Access-Control-Allow-Methods", "GET,POST,PUT,DELETE,PATCH,OPTIONS");
    if (ctx.method === "OPTIONS") {
      ctx.status = 204;
      return;
    }
    if (switches.api429 === "throttled") {
      ctx.status = 429;
      ctx.body = [{ error_key: "throttled", error_message: "Too Many Requests" }];
      return;
    }
    if (switches.api429 === "quota_exceeded") {
      ctx.status = 429;
      ctx.body = { error_key: "quota_exceeded", error_message: "Limit Exceeded" };
      return;
    }
    if (switches.api429 === "queued") {
      // As a third-party catalogue of CC's errors shows the bulk-activity limit: no error_key.
      ctx.status = 429;
      ctx.body = [{ error_key: null, error_message: "You exceeded 1,000 queued activities" }];
      return;
    }
    const m = /^Bearer\s+(\S+)$/.exec(ctx.get("authorization"));
    const claims = m ? await verifyAccessJwt(m[1]).catch(() => null) : null;
    if (!claims || revokedJti.has(claims.jti)) {
      ctx.status = 401;
      ctx.set("WWW-Authenticate", "Bearer realm=api.cc.email");
      ctx.type = "application/json";
      ctx.body = '{"error_key":"unauthorized","error_message":"Unauthorized"}';
      return;
    }
    if (ctx.path === "/v3/account/user/privileges" && ctx.method === "GET") {
      ctx.body = [
        { privilege_id: "1", privilege_name: "account:read" },
        { privilege_id: "2", privilege_name: "contacts:write" },
      ];
      return;
    }
    if (ctx.path === "/v3/account/summary" && ctx.method === "GET") {
      if (!(claims.scp ?? []).includes("account_read")) {
        ctx.status = 403;
        ctx.body = [{ error_key: "unauthorized", error_message: "This token lacks the account_read scope." }];
        return;
      }
      ctx.body = {
        encoded_account_id: claims.platform_user_id,
        contact_email: claims.sub,
        organization_name: "Local Test Co.",
        country_code: "US",
        time_zone_id: "US/Eastern",
      };
      return;
    }
    ctx.status = 404;
    ctx.body = [{ error_key: "not_found", error_message: "No such resource in the local API stub." }];
  }

  // Login and consent, as plain forms a test (or a person) can drive.
  async function interaction(ctx) {
    const [, , uid, action] = ctx.path.split("/");
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (e) {
      ctx.status = 400;
      ctx.body = page("Expired", `<h1>This sign-in has expired</h1><p>${html(e.message)}</p>`);
      return;
    }
    if (details.uid !== uid) {
      ctx.status = 400;
      ctx.body = page("Error", "<h1>Unknown sign-in</h1>");
      return;
    }
    const form = ctx.method === "POST" ? new URLSearchParams(await readBody(ctx.req)) : null;
    const finish = async (result) => {
      const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
      ctx.status = 303;
      ctx.redirect(to);
    };
    const { prompt, params } = details;
    if (prompt.name === "login") {
      if (action === "login" && form) {
        const login = (form.get("login") ?? "").trim();
        if (!login) {
          ctx.body = loginPage(uid, "Enter a user name.");
          return;
        }
        return finish({ login: { accountId: login } });
      }
      if (action === "abort")
        return finish({ error: "access_denied", error_description: "End-User aborted interaction" });
      ctx.body = loginPage(uid);
      return;
    }
    // consent
    if (action === "confirm" && form) {
      if (form.get("decision") !== "allow") {
        return finish({ error: "access_denied", error_description: "The user denied access." });
      }
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      const missing = prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
        grant.addResourceScope(indicator, scopes.join(" "));
      const grantId = await grant.save();
      return finish({ consent: { grantId } });
    }
    const requested = words(params.scope);
    ctx.body = page(
      "Allow access",
      `<h1>Allow access?</h1><p><strong>${html(params.client_id)}</strong> asks to:</p>` +
        `<ul>${requested.map((s) => `<li><code>${html(s)}</code></li>`).join("")}</ul>\n` +
        `<form method="post" action="/interaction/${uid}/confirm">` +
        '<button type="submit" name="decision" value="allow" id="allow">Allow</button>' +
        '<button class="deny" type="submit" name="decision" value="deny" id="deny">Deny</button></form>',
    );
  }

  function loginPage(uid, error) {
    return page(
      "Sign in",
      `<h1>Sign in</h1>${error ? `<p><strong>${html(error)}</strong></p>` : ""}` +
        `<form method="post" action="/interaction/${uid}/login" id="login-form">\n` +
        '<label>User name <input type="text" name="login" id="login" value="owner@example.com" ' +
        'autocomplete="username"></label>\n' +
        '<label>Password <input type="password" name="password" id="password" value="any password works"></label>\n' +
        '<button type="submit" id="sign-in">Sign in</button></form>' +
        `<p><small><a href="/interaction/${uid}/abort" id="cancel">Cancel</a> · any user name works on this local ` +
        "server; <code>unassigned@…</code> gets <code>platform_user_id: UNASSIGNED</code>.</small></p>",
    );
  }

  /**
   * The admin routes reconfigure a running server (the demo's too): refuse a web page's request (an Origin that is
   * not this server's own) and a Host that is not a loopback name with this port (DNS rebinding).
   */
  function adminRefusal(ctx) {
    const loopback = (authority) => {
      const u = URL.parse(`http://${authority}`);
      const hostOk = u && /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/.test(u.hostname);
      return Boolean(hostOk && u.port === String(port) && u.host === authority.toLowerCase());
    };
    if (!loopback(ctx.get("host"))) return "Host is not this server's loopback address and port";
    const requestOrigin = ctx.get("origin");
    const own = URL.parse(requestOrigin);
    if (requestOrigin && !(own?.protocol === "http:" && own.origin === requestOrigin && loopback(own.host))) {
      return "a request from a web page (foreign Origin)";
    }
    return null;
  }

  async function admin(ctx) {
    ctx.set("cache-control", "no-store");
    const refusal = adminRefusal(ctx);
    if (refusal) {
      ctx.status = 403;
      ctx.body = { error: "forbidden", error_description: `${refusal}: /__admin refused` };
      return;
    }
    if (ctx.path === "/__admin/stats") {
      ctx.body = stats;
      return;
    }
    if (ctx.path === "/__admin/seed" && ctx.method === "POST") {
      // {"subs": ["a", ...], "clientId"?, "scope"?}: accounts signed in without the pages (seed() below).
      try {
        const { subs, ...rest } = JSON.parse((await readBody(ctx.req)) || "{}");
        if (!Array.isArray(subs)) throw new TypeError("subs must be an array of user names");
        const out = [];
        for (const sub of subs) out.push(await seed({ ...rest, sub }));
        ctx.body = out;
      } catch (e) {
        ctx.status = 400;
        ctx.body = { error: "bad_seed", error_description: e.message };
      }
      return;
    }
    if (ctx.path === "/__admin/ledger" && ctx.method === "GET") {
      // ?since=N: only the entries after seq N (a checker polling as it goes).
      ctx.body = ledger.entries(Number(ctx.query.since ?? 0) || 0);
      return;
    }
    if (ctx.path === "/__admin/config" && ctx.method === "POST") {
      try {
        Object.assign(switches, checkSwitches(JSON.parse((await readBody(ctx.req)) || "{}")));
      } catch (e) {
        ctx.status = 400;
        ctx.body = { error: "bad_config", error_description: e.message };
        return;
      }
      ctx.body = switches;
      return;
    }
    if (ctx.path === "/__admin/reset" && ctx.method === "POST") {
      for (const k of Object.keys(stats))
        stats[k] = Array.isArray(stats[k]) ? [] : typeof stats[k] === "object" ? {} : 0;
      Object.assign(switches, initialSwitches());
      lastTokenCall.clear();
      lastDevicePoll.clear();
      ledger.clear();
      ctx.body = { ok: true };
      return;
    }
    ctx.status = 404;
  }

  // The reason behind a generic error (e.g. "refresh token not found"), for oktaWords.
  for (const event of ["grant.error", "device_authorization.error", "revocation.error", "introspection.error"]) {
    provider.on(event, (ctx, err) => {
      ctx.state.oidcError = err;
    });
  }
  // Koa's default logger, minus the premature closes that "slow-body" and "hang" faults cause on purpose.
  provider.on("error", (err) => {
    if (err?.code !== "ERR_STREAM_PREMATURE_CLOSE" && err?.status !== 404 && !err?.expose) console.error(err);
  });
  const sockets = new Set();
  for (const server of servers) {
    server.on("request", provider.callback());
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
  }

  const endpoints = {
    authorize: `${origin}${PATHS.authorize}`,
    token: `${origin}${PATHS.token}`,
    deviceAuthorize: `${origin}${PATHS.device}`,
    revoke: `${origin}${PATHS.revoke}`,
    jwks: `${identityOrigin}${jwksPath}`,
    issuer,
    audience: AUDIENCE,
    apiBase: `${origin}/v3`,
  };
  return {
    issuer,
    origin,
    identityOrigin,
    singleOrigin,
    port,
    endpoints,
    clients: CLIENTS,
    redirectUris,
    stats,
    switches,
    seed,
    /** The ledger's entries after seq `since` (default all), as GET /__admin/ledger gives them. */
    ledger: (since = 0) => ledger.entries(since),
    /** What the storage holds (adapter.mjs): { entries, grants, byModel }. */
    storage: () => Adapter.stats(),
    /** Mints an access token signed with the server's key (for verification tests). */
    signAccessToken: (claims) =>
      new jose.SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: signingJwk.kid }).sign(privateKey),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        Promise.all(servers.map((server) => new Promise((r) => server.close(r)))).then(() => resolve());
      }),
  };
}

/**
 * One HTTP server per address, all on the same port: 127.0.0.1 first (port 0 picks a free one), then the extra
 * addresses; a port taken on those is retried with another free one when the port was not given.
 */
async function listenAll(wanted, extra) {
  const listen = (server, port, host) =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  for (let attempt = 1; ; attempt++) {
    const servers = [createServer()];
    await listen(servers[0], wanted, "127.0.0.1");
    const port = servers[0].address().port;
    try {
      for (const host of extra) {
        const server = createServer();
        await listen(server, port, host);
        servers.push(server);
      }
      return { servers, port };
    } catch (e) {
      await Promise.all(servers.map((server) => new Promise((r) => server.close(r))));
      if (e.code !== "EADDRINUSE" || wanted !== 0 || attempt === 5) throw e;
    }
  }
}

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const DAY_MS = 86400 * 1000;
const REFRESH_IDLE_MS = 180 * DAY_MS; // CC: unused for 180 days, a refresh token ends (either kind)
const REFRESH_FIXED_MS = 30 * DAY_MS; // this server's old rule: 30 days from issue

/** A JWT's claims, unverified ({} for anything else). */
function claimsOf(jwt) {
  try {
    return jose.decodeJwt(jwt);
  } catch {
    return {};
  }
}

function words(s) {
  const all = String(s ?? "").split(" ");
  return all.filter(Boolean);
}

const USAGE = "usage: node authz-server/server.mjs [--port N] [--trusted-origin URL ...] [--single-origin] [--json]";

/** The command line's flags: { port, trustedOrigins, singleOrigin, json }; throws with the usage line. */
export function parseArgs(argv, env = {}) {
  const out = { port: Number(env.AUTHZ_PORT ?? 4455), trustedOrigins: [], singleOrigin: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (flag === "--port") out.port = Number(value());
    else if (flag === "--trusted-origin") out.trustedOrigins.push(value());
    else if (flag === "--single-origin") out.singleOrigin = true;
    else if (flag === "--json") out.json = true;
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error(`bad port\n${USAGE}`);
  return out;
}

// `node authz-server/server.mjs --port 4455`: the endpoints as JSON after a few lines for people; with --json,
// one line of JSON only, for a tool to point a client at the server.
if (import.meta.url === `file://${process.argv[1]}`) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2), process.env);
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  const { json, ...options } = args;
  const s = await startAuthServer(options);
  const info = { origin: s.origin, issuer: s.issuer, endpoints: s.endpoints, clients: CLIENTS };
  if (json) {
    console.log(JSON.stringify({ ...info, trustedOrigins: s.switches.trustedOrigins }));
  } else {
    // The first line names the endpoints origin alone: scripts/test.sh reads it from there.
    console.log(`Local Constant Contact-compatible authorization server on ${s.origin}`);
    const where = s.singleOrigin ? "(one origin)" : "(the identity host, as CC's; --single-origin for one origin)";
    console.log(`  issuer and key set: ${s.issuer} ${where}`);
    console.log(
      `  clients: ${CLIENTS.pkce.id} (public, PKCE), ${CLIENTS.device.id} (device flow), ` +
        `${CLIENTS.confidential.id} / ${CLIENTS.confidential.secret} (confidential, rotating), ` +
        `${CLIENTS.longLived.id} / ${CLIENTS.longLived.secret} (long-lived)`,
    );
    console.log(`  any user name signs in; the API stub is at ${s.endpoints.apiBase}`);
    console.log(`  CORS for: ${s.switches.trustedOrigins.join(", ") || "no origin (--trusted-origin URL)"}`);
    console.log(`endpoints:\n${JSON.stringify(s.endpoints, null, 2)}`);
  }
}
