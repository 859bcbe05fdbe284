// The switches: Constant Contact's behaviour by default, each one bringing back a lenient behaviour a test may
// need. What each means, and the evidence for the default, is in ./README.md. Set at start (startAuthServer's
// options) and at run time (POST /__admin/config); a misspelt name or a bad value is refused.
import { isFaultSwitch } from "./faults.mjs";

/** Settings tests may switch at run time through POST /__admin/config (JSON). */
export const DEFAULT_SWITCHES = {
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
export function checkSwitches(given, { only = false } = {}) {
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
