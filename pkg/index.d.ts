// Types for ctct-oauth. Times are whole seconds since 1970 (like a JWT's `exp`), everywhere.

/** Constant Contact's production endpoints; override any of them by name with the `endpoints` option. */
export interface Endpoints {
  /** `https://authz.constantcontact.com/oauth2/default/v1/authorize` */
  authorize: string;
  /** `https://authz.constantcontact.com/oauth2/default/v1/token` */
  token: string;
  /** `https://authz.constantcontact.com/oauth2/default/v1/device/authorize` */
  deviceAuthorize: string;
  /** `https://authz.constantcontact.com/oauth2/default/v1/revoke` */
  revoke: string;
  /** The key set that signs access tokens (on the `identity.` host). */
  jwks: string;
  /** The access token's `iss`: `https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8`, not the `authz.` host. */
  issuer: string;
  /** The access token's `aud`: `https://api.cc.email/v3`. */
  audience: string;
  /** `https://api.cc.email/v3` */
  apiBase: string;
}

export declare const ENDPOINTS: Readonly<Endpoints>;

/** Constant Contact's scopes. `offline_access` is what gets you a refresh token. */
export type Scope = "account_read" | "account_update" | "contact_data" | "campaign_data" | "offline_access";
export declare const SCOPES: readonly ["account_read", "account_update", "contact_data", "campaign_data", "offline_access"];

/** Stable error codes (see the README for what to do about each). Server errors pass through as their own code. */
export type ErrorCode =
  | "invalid_config"
  | "secret_in_browser"
  | "insecure_endpoint"
  | "unsupported_runtime"
  | "state_mismatch"
  | "missing_code"
  | "issuer_mismatch"
  | "invalid_redirect"
  | "access_denied"
  | "invalid_scope"
  | "invalid_request"
  | "unauthorized_client"
  | "server_error"
  | "temporarily_unavailable"
  | "invalid_jwt"
  | "authorization_code_not_token"
  | "jwt_expired"
  | "jwt_signature_invalid"
  | "jwks_key_not_found"
  | "claim_mismatch"
  | "invalid_grant"
  | "invalid_client"
  | "unsupported_grant_type"
  | "rate_limited"
  | "invalid_response"
  | "network_error"
  | "timeout"
  | "aborted"
  | "expired_token"
  | "reauthorization_required"
  | "store_error"
  | "api_error"
  | (string & {});

/** The only error type this package throws. */
export declare class CtctOAuthError extends Error {
  readonly name: "CtctOAuthError";
  /** Stable; branch on this, not on the message. */
  readonly code: ErrorCode;
  /** What happened and what to do. Never contains a token, code or secret. */
  readonly message: string;
  /** The option, parameter or claim at fault. */
  readonly field?: string;
  /** HTTP status, for errors from a response. */
  readonly status?: number;
  /** The server's own `error_description`. */
  readonly description?: string;
  /** The server's `error_uri`. */
  readonly errorUri?: string;
  /** A further hint for the most common cause. */
  readonly hint?: string;
  /** Seconds to wait (`rate_limited`), from `Retry-After` when the server sent one. */
  readonly retryAfter?: number;
  /** Why (`reauthorization_required`): `"rotated"`, `"expired"`, `"revoked"` or `"no_refresh_token"`. */
  readonly reason?: "rotated" | "expired" | "revoked" | "no_refresh_token" | (string & {});
  /** Constant Contact API errors (`api_error`, `rate_limited` from session.fetch), whatever shape the body had. */
  readonly errors?: { errorKey: string; errorMessage: string }[];
  /** The first error's key: `"throttled"` or `"quota_exceeded"` for API rate limits. */
  readonly errorKey?: string;
}

export interface Pkce {
  /** Keep it (server side, or sessionStorage) until the code exchange. */
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: "S256";
}

/** A PKCE pair from 32 random bytes, synchronously. Pass `codeVerifier` to recompute a stored pair. */
export declare function createPkce(options?: { codeVerifier?: string }): Pkce;

/** 43 base64url characters from 32 random bytes. */
export declare function generateState(): string;

/** Claims of a Constant Contact access token, decoded but NOT verified. */
export interface AccessTokenClaims {
  iss?: string;
  aud?: string | string[];
  sub?: string;
  exp: number;
  iat?: number;
  jti?: string;
  /** `cid`: the client id the token was issued to. */
  clientId?: string;
  /** `uid` */
  userId?: string;
  /** `platform_user_id`; `"UNASSIGNED"` when the login has no linked Constant Contact account. */
  platformUserId?: string;
  /** `scp` */
  scopes: string[];
  /** Same as `exp`. */
  expiresAt: number;
  /** Every claim, as sent. */
  raw: Record<string, unknown>;
}

/** Reads the claims of an access token without verifying its signature. Throws `invalid_jwt`, or `authorization_code_not_token` for an authorization code. */
export declare function decodeAccessToken(accessToken: string): AccessTokenClaims;

/** The access token's `exp` (seconds since 1970). */
export declare function tokenExpiresAt(accessToken: string): number;

/**
 * What the token endpoint gave, normalised. `console.log`/`util.inspect` show the tokens as `[redacted]`;
 * `JSON.stringify` keeps them (that is how you store a token set).
 */
export interface TokenSet {
  accessToken: string;
  /** Absent when none was issued (no `offline_access`). */
  refreshToken?: string;
  tokenType?: string;
  idToken?: string;
  /** Seconds, as the server sent it. */
  expiresIn?: number;
  /** Seconds since 1970, computed at receipt. */
  expiresAt?: number;
  /** Seconds since 1970. */
  receivedAt?: number;
  scopes?: string[];
  /** Things worth knowing that are not errors (e.g. no refresh token despite `offline_access`). */
  warnings?: string[];
}

export interface ExpiryOptions {
  /** A token counts as expired this many seconds before `exp`. Default 60. */
  leewaySeconds?: number;
  /** Seconds since 1970 or a Date (milliseconds are refused). Default: the clock. */
  now?: number | Date;
}

/**
 * True from `exp - leewaySeconds` on. For a token set: its access token's `exp`, else `expiresAt`,
 * else `receivedAt + expiresIn`.
 */
export declare function isExpired(accessTokenOrTokenSet: string | TokenSet, options?: ExpiryOptions): boolean;

export interface ClientConfig {
  /** Your application's API key (a UUID in the developer portal). */
  clientId: string;
  /** Server and edge only: refused in a browser context (`secret_in_browser`). */
  clientSecret?: string;
  /** Required for the code and PKCE flows; not for the device flow. */
  redirectUri?: string;
  /** Default: every data scope. `offline_access` is added unless `offline: false`. */
  scopes?: (Scope | (string & {}))[];
  /** Ask for a refresh token (adds `offline_access`). Default true. */
  offline?: boolean;
  /** Override endpoints by name, e.g. a local authorization server. */
  endpoints?: Partial<Endpoints>;
  /** A custom fetch; default: the global one. */
  fetch?: typeof fetch;
  /** Allow http:// endpoints on 127.0.0.1/localhost (local test servers). Default false. */
  allowInsecureLoopback?: boolean;
}

export interface AuthorizationUrlOptions {
  /** Default: true for public clients (required there), false for confidential ones. */
  pkce?: boolean;
  /** Default: generated. */
  state?: string;
  /** Reuse a stored verifier instead of generating one. */
  codeVerifier?: string;
  /** Override the configured scopes for this request. */
  scopes?: (Scope | (string & {}))[];
  /** Override the configured `offline` for this request. */
  offline?: boolean;
  /** `"login"` forces Constant Contact to ask for credentials (the "wrong account" fix). */
  prompt?: "login" | "consent" | "none" | (string & {});
}

export interface AuthorizationRequest {
  /** Send the user's browser here. */
  url: string;
  /** Store it; pass it to `parseRedirect`. */
  state: string;
  /** With PKCE: store it; pass it to `exchangeCode`. */
  codeVerifier?: string;
  codeChallenge?: string;
  scopes: string[];
}

export type RedirectResult =
  | { type: "code"; code: string; state?: string; iss?: string; scopes?: string[] }
  | { type: "implicit"; state?: string; tokens: TokenSet };

export type ParseRedirectOptions = { state: string; skipStateCheck?: false } | { state?: undefined; skipStateCheck: true };

/** Options of every call that goes over the network. */
export interface RequestOptions {
  /** Give up after this long with `timeout`. Default 30000. */
  timeoutMs?: number;
  /** Abort with `aborted`. */
  signal?: AbortSignal;
}

export interface DeviceAuthorization {
  deviceCode: string;
  /** Show this to the user. */
  userCode: string;
  /** Where the user enters the code. */
  verificationUri: string;
  /** The same with the code filled in (for a link or a QR code). */
  verificationUriComplete?: string;
  expiresIn: number;
  /** Seconds since 1970. */
  expiresAt: number;
  /** Seconds between polls. */
  interval: number;
}

export interface DevicePollStep {
  status: "pending" | "slow_down" | "complete";
  /** Wait this long before the next step (5 s more after a slow_down); pass it back as `{ ...device, interval }`. */
  interval: number;
  tokens?: TokenSet;
}

export interface VerifiedClaims extends AccessTokenClaims {
  /** E.g. `platform_user_unassigned: ...` when the login has no linked Constant Contact account. */
  warnings: string[];
}

export interface VerifyOptions extends RequestOptions {
  /** Accept a token up to this many seconds after `exp` (clock skew). Default 60. */
  leewaySeconds?: number;
  now?: number | Date;
  /** Scopes the token must carry (`claim_mismatch` on field `scp` otherwise). */
  requiredScopes?: (Scope | (string & {}))[];
}

/** What a store holds: versioned, so a newer pair is never overwritten by an older one. */
export interface StoredSession {
  version: number;
  tokens: TokenSet;
  /** Seconds since 1970 when the refresh token was last used or obtained. */
  refreshUsedAt?: number;
}

/** Where a session keeps its tokens: any object with these three async methods. */
export interface TokenStore {
  get(): Promise<StoredSession | undefined | null>;
  set(value: StoredSession): Promise<void>;
  delete(): Promise<void>;
}

export declare function memoryStore(): TokenStore;
/** localStorage or sessionStorage. For several tabs prefer indexedDbStore (browsers may sync localStorage between tabs late). */
export declare function webStorageStore(storage: Pick<Storage, "getItem" | "setItem" | "removeItem">, key?: string): TokenStore;
/** IndexedDB, consistent across the tabs of an origin: the store for sessions shared by several tabs. */
export declare function indexedDbStore(key?: string, options?: { database?: string }): TokenStore;
/** A Workers KV namespace (eventually consistent; for several isolates use the TokenBroker Durable Object). */
export declare function kvStore(namespace: { get(key: string, type: "json"): Promise<unknown>; put(key: string, value: string): Promise<unknown>; delete(key: string): Promise<unknown> }, key?: string): TokenStore;

export interface SessionOptions {
  /** Default: memoryStore(). */
  store?: TokenStore;
  /** Refresh when the access token expires within this many seconds. Default 300. */
  refreshMarginSeconds?: number;
  /** Default "check-before-call"; "timer" also refreshes on a timer (unref'd in Node; not on Workers). */
  strategy?: "check-before-call" | "timer";
  /** Seconds since 1970; for tests. Default: the system clock. */
  clock?: () => number;
  /** The Web Locks name that serialises refreshes across tabs. Default: per token endpoint and client id. */
  lockName?: string;
  /** Time limit for each refresh request (fetch and body), in ms. Default 30,000. */
  timeoutMs?: number;
}

/** Keeps one Constant Contact authorization alive. */
export declare class TokenSession {
  private constructor();
  /** Stores a token set (from exchangeCode or the device flow) as the current pair. */
  setTokens(tokens: TokenSet): Promise<void>;
  /** The current token set. */
  tokens(): Promise<TokenSet>;
  /**
   * A valid access token: refreshed once (for all concurrent callers) when it expires within the margin.
   * `{ refused }`: the API refused this token (a 401); refresh unless it was already replaced.
   */
  accessToken(options?: { refused?: string }): Promise<string>;
  /** fetch for the API: paths get apiBase, the Bearer token and JSON headers; a 401 refreshes once and retries once. */
  fetch(pathOrUrl: string | URL, init?: Omit<RequestInit, "body"> & { body?: BodyInit | Record<string, unknown> | null }): Promise<Response>;
  /** Called with each new token set, after it is stored. Returns the unsubscribe function. */
  onTokens(listener: (tokens: TokenSet) => void): () => void;
  /** `warnings` include `refresh_token_idle: ...` when the refresh token nears Constant Contact's 180-day idle limit. */
  status(): Promise<{ expiresAt?: number; refreshTokenIdleDays: number; warnings: string[] }>;
  /** Forgets the tokens; with `revoke: true` also revokes the refresh token at Constant Contact. */
  signOut(options?: { revoke?: boolean }): Promise<void>;
}

/**
 * A Cloudflare Durable Object that owns one Constant Contact account's tokens for every isolate: refreshes
 * are serialised by the object and the pair kept in its transactional storage. Export it from your Worker
 * (`export { TokenBroker } from "ctct-oauth"`) and bind it in wrangler.toml; it reads CTCT_CLIENT_ID,
 * CTCT_CLIENT_SECRET and optionally CTCT_ENDPOINTS (JSON) from env.
 */
export declare class TokenBroker {
  constructor(state: { storage: { get(key: string): Promise<unknown>; put(key: string, value: unknown): Promise<void>; delete(key: string): Promise<unknown> } }, env: Record<string, unknown>);
  fetch(request: Request): Promise<Response>;
}

/** The calling side of a TokenBroker: a session whose tokens live in the Durable Object. */
export interface BrokerSession {
  accessToken(options?: { refused?: string }): Promise<string>;
  setTokens(tokens: TokenSet): Promise<void>;
  signOut(options?: { revoke?: boolean }): Promise<void>;
  fetch(pathOrUrl: string | URL, init?: Omit<RequestInit, "body"> & { body?: BodyInit | Record<string, unknown> | null }): Promise<Response>;
}

/** A session answered by the TokenBroker behind `stub` (`env.CTCT_TOKENS.get(env.CTCT_TOKENS.idFromName(accountId))`). */
export declare function brokerSession(stub: { fetch(input: string, init?: RequestInit): Promise<Response> }, options?: { apiBase?: string; fetch?: typeof fetch }): BrokerSession;

export declare class ConstantContactOAuth {
  constructor(config: ClientConfig);
  /** The URL to send the user to, with the `state` (and PKCE verifier) to keep. */
  authorizationUrl(options?: AuthorizationUrlOptions): AuthorizationRequest;
  /** Reads the redirect back (query or legacy implicit fragment), checking `state` and `iss`. */
  parseRedirect(url: string | URL | { href: string }, options: ParseRedirectOptions): RedirectResult;
  /** Exchanges an authorization code (Basic auth when confidential; `codeVerifier` required when public). */
  exchangeCode(code: string, options?: RequestOptions & { codeVerifier?: string }): Promise<TokenSet>;
  /** Refreshes. With rotating refresh tokens the one used stops working: store the returned set before using it. */
  refresh(refreshTokenOrTokens: string | TokenSet | undefined, options?: RequestOptions): Promise<TokenSet>;
  /** Starts the device flow (configured scopes unless given). */
  startDeviceAuthorization(options?: RequestOptions & { scopes?: (Scope | (string & {}))[]; offline?: boolean }): Promise<DeviceAuthorization>;
  /** Polls until approved: waits `interval`, +5 s on slow_down, stops at expiry (`expired_token`), honours `signal`. */
  pollDeviceAuthorization(
    device: DeviceAuthorization,
    options?: RequestOptions & { onPending?: (progress: { status: "pending" | "slow_down"; interval: number; attempts: number; expiresAt: number }) => void },
  ): Promise<TokenSet>;
  /** One poll, no waiting: for runtimes that cannot sleep (a Worker driven by a Durable Object alarm). */
  pollDeviceAuthorizationOnce(device: DeviceAuthorization, options?: RequestOptions): Promise<DevicePollStep>;
  /** Revokes a token (a refresh token by default). */
  revoke(token: string, tokenTypeHint?: "refresh_token" | "access_token", options?: RequestOptions): Promise<void>;
  /** Verifies signature (RS256, by the key set), `iss`, `aud`, `exp` and `cid`. */
  verifyAccessToken(accessToken: string, options?: VerifyOptions): Promise<VerifiedClaims>;
  /** A session that keeps this client authorized. */
  session(options?: SessionOptions): TokenSession;
  /** The configuration with the secret redacted. */
  toJSON(): { clientId: string; clientSecret?: "[redacted]"; redirectUri?: string; scopes: string[]; endpoints: Endpoints };
  free(): void;
  [Symbol.dispose](): void;
}
