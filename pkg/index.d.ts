/**
 * `import { ... } from "ctct-oauth"`: everything. Times are whole seconds since 1970, like a JWT's `exp`.
 * @module ctct-oauth
 */
// tests/contract.test.mjs checks every options and result interface here against the module's contract
// (src/contract.rs, through tests/contract.json): a key added in Rust and forgotten here fails the build.
// The one lib newer than es2022 the types use (`[Symbol.dispose]`), so an older `target` still checks.
/// <reference lib="esnext.disposable" />
// Optional options are `?: T | undefined`: options cross as JSON, where an undefined value is an absent key,
// so `{ codeVerifier: maybe }` is right under exactOptionalPropertyTypes too (which `tsc --init` turns on).

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
  /** The access token's `iss`: `https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8`. */
  issuer: string;
  /** The `iss` a redirect may carry (checked when present). Default: `issuer`; a separate setting. */
  redirectIssuer: string;
  /** The access token's `aud`: `https://api.cc.email/v3`. */
  audience: string;
  /** `https://api.cc.email/v3` */
  apiBase: string;
}

/** Constant Contact's production endpoints, frozen. Hard-coded: its discovery documents are reported missing. */
export declare const ENDPOINTS: Readonly<Endpoints>;

/** Constant Contact's scopes. `offline_access` is what gets you a refresh token. */
export type Scope = "account_read" | "account_update" | "contact_data" | "campaign_data" | "offline_access";
/** Every scope Constant Contact documents, in this order, frozen. */
export declare const SCOPES: readonly [
  "account_read",
  "account_update",
  "contact_data",
  "campaign_data",
  "offline_access",
];

/**
 * Stable error codes (docs/errors.md says where each comes from and what to do). A server's registered OAuth
 * error is its own code; any other server `error` is `oauth_error`, with the server's value on `error`.
 */
export type ErrorCode =
  | "invalid_config"
  | "secret_in_browser"
  | "insecure_endpoint"
  | "unsupported_runtime"
  | "state_mismatch"
  | "missing_code"
  | "issuer_mismatch"
  | "invalid_redirect"
  | "oauth_error"
  | "access_denied"
  | "invalid_scope"
  | "invalid_request"
  | "unauthorized_client"
  | "unsupported_response_type"
  | "server_error"
  | "temporarily_unavailable"
  | "interaction_required"
  | "login_required"
  | "consent_required"
  | "account_selection_required"
  | "invalid_jwt"
  | "authorization_code_not_token"
  | "jwt_expired"
  | "jwt_signature_invalid"
  | "jwks_key_not_found"
  | "claim_mismatch"
  | "invalid_grant"
  | "invalid_client"
  | "unsupported_grant_type"
  | "unsupported_token_type"
  | "authorization_pending"
  | "slow_down"
  | "invalid_request_uri"
  | "invalid_request_object"
  | "rate_limited"
  | "invalid_response"
  | "network_error"
  | "timeout"
  | "aborted"
  | "expired_token"
  | "reauthorization_required"
  | "store_error"
  | "api_error";

/** The only error type this package throws. */
export declare class CtctOAuthError extends Error {
  /** As the package makes them (a test double can too): `details` sets the fields below that it names. */
  constructor(
    code: ErrorCode,
    message: string,
    details?: Partial<Omit<CtctOAuthError, "name" | "code" | "message" | "stack" | "cause">>,
  );
  /** Always `"CtctOAuthError"`. */
  readonly name: "CtctOAuthError";
  /** Stable; branch on this, not on the message. */
  readonly code: ErrorCode;
  /** What happened and what to do. Never contains a token, code or secret. */
  readonly message: string;
  /** The option, parameter or claim at fault (an unknown option's own name). */
  readonly field?: string;
  /** HTTP status, for errors from a response. */
  readonly status?: number;
  /** The server's own OAuth `error` value, as sent. */
  readonly error?: string;
  /** The server's own `error_description`, anything token-like masked. */
  readonly description?: string;
  /** The server's `error_uri` (https only). */
  readonly errorUri?: string;
  /** A further hint for the most common cause. */
  readonly hint?: string;
  /** Seconds to wait (`rate_limited`), from `Retry-After` when the server sent one. */
  readonly retryAfter?: number;
  /** Why (`reauthorization_required`). */
  readonly reason?: "rotated" | "expired" | "revoked" | "no_refresh_token" | "no_tokens" | "invalid_record";
  /** Constant Contact API errors (`api_error`, `rate_limited` from session.json), whatever shape the body had. */
  readonly errors?: {
    /** The API's `error_key` (`"throttled"`, `"unauthorized"`, ...), or null when it sent none. */
    errorKey: string | null;
    /** The API's `error_message`, as sent. */
    errorMessage: string;
  }[];
  /** The first error's key: `"throttled"` or `"quota_exceeded"` for the API's rate limits. */
  readonly errorKey?: string | null;
}

/** Options of `createPkce`. */
export interface PkceOptions {
  /** Recompute the challenge of a stored verifier. */
  codeVerifier?: string | undefined;
}

/** A PKCE pair (RFC 7636). */
export interface Pkce {
  /** Keep it (server side, or sessionStorage) until the code exchange. */
  codeVerifier: string;
  /** base64url(SHA-256(codeVerifier)): what the authorize URL carries. */
  codeChallenge: string;
  /** Always `"S256"`, the only method this library sends. */
  codeChallengeMethod: "S256";
}

/** A PKCE pair from 32 random bytes, synchronously. */
export declare function createPkce(options?: PkceOptions): Pkce;

/** 43 base64url characters from 32 random bytes. */
export declare function generateState(): string;

/** Claims of a Constant Contact access token, decoded but NOT verified. */
export interface AccessTokenClaims {
  /** The issuer: Constant Contact's is `https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8`. */
  iss?: string;
  /** The audience: `https://api.cc.email/v3`. */
  aud?: string | string[];
  /** The subject: the Constant Contact login. */
  sub?: string;
  /** Expiry, seconds since 1970 on the server's clock. */
  exp: number;
  /** Issued at, seconds since 1970 on the server's clock (what the clock offset is measured against). */
  iat?: number;
  /** Not before, seconds since 1970. */
  nbf?: number;
  /** The token's unique id. */
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

/** Reads the claims of an access token without verifying its signature. */
export declare function decodeAccessToken(accessToken: string): AccessTokenClaims;

/** The access token's `exp` (seconds since 1970). */
export declare function tokenExpiresAt(accessToken: string): number;

/**
 * What the token endpoint gave, normalised. `console.log`/`util.inspect` show the tokens as `[redacted]`;
 * `JSON.stringify` keeps them (that is how you store a token set). Fields you add are kept.
 */
export interface TokenSet {
  /** The JWT to send as `Authorization: Bearer ...`. */
  accessToken: string;
  /** Absent when none was issued (no `offline_access`). */
  refreshToken?: string;
  /** `"Bearer"` (any other type is refused as `invalid_response`). */
  tokenType?: string;
  /** Kept when the server sends one. */
  idToken?: string;
  /** Seconds, as the server sent it. */
  expiresIn?: number;
  /**
   * When the access token expires on THIS machine's clock: its `exp` corrected by `clockSkew`, measured
   * when it arrived. Seconds since 1970.
   */
  expiresAt?: number;
  /** Seconds since 1970, this machine's clock. */
  receivedAt?: number;
  /** Seconds the server's clock was ahead of this one when the set arrived (0 within a minute). */
  clockSkew?: number;
  /** The granted scopes, as the token endpoint's `scope` named them. */
  scopes?: string[];
  /** Things worth knowing that are not errors: `no_refresh_token: ...`, `platform_user_unassigned: ...`, ... */
  warnings?: string[];
  [field: string]: unknown;
}

/** A token set as the token endpoint's answer is read: these fields are always there. */
export interface ReceivedTokenSet extends TokenSet {
  tokenType: string;
  receivedAt: number;
  clockSkew: number;
  scopes: string[];
  warnings: string[];
}

/** Options of `isExpired`. */
export interface IsExpiredOptions {
  /** A token counts as expired this many seconds early. Default 60. */
  leewaySeconds?: number | undefined;
  /** Seconds since 1970 or a Date (milliseconds are refused). Default: the clock. */
  now?: number | Date | undefined;
}

/**
 * True from `expiry - leewaySeconds` on. A token set: `expiresAt`, else its token's `exp`, else
 * `receivedAt + expiresIn`.
 */
export declare function isExpired(accessTokenOrTokenSet: string | TokenSet, options?: IsExpiredOptions): boolean;

/** Seconds since 1970 (or a Date): an injectable clock. */
export type Clock = () => number | Date;

/** What `new ConstantContactOAuth(config)` takes; an unknown key is refused, naming the right one. */
export interface ConstantContactOAuthConfig {
  /** Your application's API key (a UUID in the developer portal). */
  clientId: string;
  /** Server and edge only: refused in a browser context (`secret_in_browser`). */
  clientSecret?: string | undefined;
  /** Required for the code and PKCE flows; not for the device flow. */
  redirectUri?: string | undefined;
  /** Default: every data scope. `offline_access` is added unless `offline: false`. Unknown names are refused. */
  scopes?: Scope[] | string[] | undefined;
  /** Ask for a refresh token (adds `offline_access`). Default true. */
  offline?: boolean | undefined;
  /** Override endpoints by name, e.g. a local authorization server. */
  endpoints?: Partial<Endpoints> | undefined;
  /** A custom fetch; default: the global one. */
  fetch?: typeof fetch | undefined;
  /** The clock every time decision uses (receipt, expiry); default: the system clock. */
  clock?: Clock | undefined;
  /** Allow http:// endpoints on loopback hosts (local test servers). Default false. */
  allowInsecureLoopback?: boolean | undefined;
  /** Accept scope names this library does not know yet (e.g. `billing_data`). Default false. */
  allowUnknownScopes?: boolean | undefined;
}

/** What `ConstantContactOAuth.fromEnv` takes beside the environment: what no variable can carry. */
export interface FromEnvOptions {
  /** A custom fetch; default: the global one. */
  fetch?: typeof fetch | undefined;
  /** The clock every time decision uses; default: the system clock. */
  clock?: Clock | undefined;
}

/** Options of `authorizationUrl`. */
export interface AuthorizationUrlOptions {
  /** Default: true for public clients (required there), false for confidential ones. */
  pkce?: boolean | undefined;
  /** Default: generated. */
  state?: string | undefined;
  /** Reuse a stored verifier instead of generating one. */
  codeVerifier?: string | undefined;
  /** Override the configured scopes for this request. */
  scopes?: Scope[] | string[] | undefined;
  /** Override the configured `offline` for this request. */
  offline?: boolean | undefined;
  /** `"login"` forces Constant Contact to ask for credentials (the "wrong account" fix). */
  prompt?: "login" | "consent" | "none" | undefined;
}

/** What `authorizationUrl` returns: the URL, and what to keep for the way back. */
export interface AuthorizationRequest {
  /** Send the user's browser here. */
  url: string;
  /** Store it; pass it to `parseRedirect`. */
  state: string;
  /** With PKCE: store it; pass it to `exchangeCode`. */
  codeVerifier?: string;
  /** With PKCE: the challenge the URL carries. */
  codeChallenge?: string;
  /** What was asked for: store it and pass it to `exchangeCode`, so the answer is read against it. */
  scopes: string[];
}

/** A redirect that carried an authorization code, checked. */
export interface CodeRedirect {
  /** Always `"code"`. */
  type: "code";
  /** The authorization code: exchange it within 5 minutes, once (`exchangeCode`). */
  code: string;
  /** The `state` the redirect carried (already compared with the one you stored). */
  state?: string;
  /** The redirect's `iss`, when it had one (already compared with `endpoints.redirectIssuer`). */
  iss?: string;
  /** The granted scopes, when the redirect names them. */
  scopes?: string[];
}

/** A legacy implicit-flow redirect, read (this library never requests that flow). */
export interface ImplicitRedirect {
  /** Always `"implicit"`. */
  type: "implicit";
  /** The `state` the redirect carried (already compared with the one you stored). */
  state?: string;
  /** The access token from the fragment (no refresh token: the implicit flow issues none). */
  tokens: TokenSet;
}

/** The `state` you stored for this attempt; or, knowingly, `{ skipStateCheck: true }`. */
export type ParseRedirectOptions =
  | {
      /** The `state` returned by `authorizationUrl` for this attempt (compared in constant time). */
      state: string;
      /** Leave it out: the check is on. */
      skipStateCheck?: false | undefined;
    }
  | {
      /** Not given when the check is skipped. */
      state?: undefined;
      /** Skip the `state` check (only where the redirect is checked some other way). */
      skipStateCheck: true;
    };

/** Options of every call that goes over the network. */
export interface RequestOptions {
  /** Give up after this long with `timeout`. Default 30000. */
  timeoutMs?: number | undefined;
  /** Abort with `aborted`. */
  signal?: AbortSignal | undefined;
}

export interface ExchangeCodeOptions extends RequestOptions {
  /** The PKCE verifier from authorizationUrl() (required for public clients). */
  codeVerifier?: string | undefined;
  /** The scopes authorizationUrl() returned: a missing refresh token is warned about only if it was asked for. */
  scopes?: string[] | undefined;
}

/** Options of `startDeviceAuthorization`. */
export interface DeviceStartOptions extends RequestOptions {
  /** Override the configured scopes for this request. */
  scopes?: Scope[] | string[] | undefined;
  /** Override the configured `offline` for this request. */
  offline?: boolean | undefined;
}

/** A device flow in progress: show `userCode` and `verificationUri`, then poll. */
export interface DeviceAuthorization {
  /** What the polls send; never shown to the user. */
  deviceCode: string;
  /** Show this to the user. */
  userCode: string;
  /** Where the user enters the code. */
  verificationUri: string;
  /** The same with the code filled in (for a link or a QR code). */
  verificationUriComplete?: string;
  /** Seconds the user has to approve, as the server sent it. */
  expiresIn: number;
  /** Seconds since 1970, this machine's clock. */
  expiresAt: number;
  /** Seconds between polls. */
  interval: number;
  /** What was asked for. */
  scopes: string[];
}

/** What one poll of the device flow found (`pollDeviceAuthorizationOnce`). */
export interface DevicePollStep {
  /** `pending`: not approved yet; `slow_down`: the server asked for slower polls; `complete`: `tokens` is set. */
  status: "pending" | "slow_down" | "complete";
  /** The interval from now on (5 s more after a slow_down); poll again with `{ ...device, interval }`. */
  interval: number;
  /** When the next poll is surely not too early: what a Durable Object alarm is set to. */
  nextPollAt: number;
  /** With `status: "complete"`: the token set. */
  tokens?: ReceivedTokenSet;
}

/** Options of `pollDeviceAuthorization`. */
export interface DevicePollOptions extends RequestOptions {
  /** Called after each poll that found the flow not yet approved (for progress output). */
  onPending?:
    | ((progress: { status: "pending" | "slow_down"; interval: number; attempts: number; expiresAt: number }) => void)
    | undefined;
}

/** Options of `revoke`. */
export interface RevokeOptions extends RequestOptions {
  /** What the token is (default `"refresh_token"`). */
  tokenTypeHint?: "refresh_token" | "access_token" | undefined;
}

/** The claims of an access token whose signature and claims `verifyAccessToken` checked. */
export interface VerifiedClaims extends AccessTokenClaims {
  /** E.g. `platform_user_unassigned: ...` when the login has no linked Constant Contact account. */
  warnings: string[];
}

/** Options of `verifyAccessToken`. */
export interface VerifyOptions extends RequestOptions {
  /** Accept a token up to this many seconds after `exp` (clock skew). Default 60. */
  clockToleranceSeconds?: number | undefined;
  /** Seconds since 1970 or a Date (milliseconds are refused). Default: the clock. */
  now?: number | Date | undefined;
  /** Scopes the token must carry (`claim_mismatch` on field `scp` otherwise). */
  requiredScopes?: Scope[] | string[] | undefined;
}

/**
 * What a store holds: versioned, so a newer record is never overwritten by an older one. Written by the
 * sessions; times are on the authorization server's clock (each machine reads them with its own offset).
 */
export interface StoredSession {
  /** A whole number from 1 to 2^53 - 1 that only grows. */
  version: number;
  /** The version of the sign-in this record descends from (refreshes keep it). */
  chain?: number;
  /** The current pair; absent in a sign-out record. */
  tokens?: TokenSet;
  /** When the access token expires, seconds since 1970 on the server's clock. */
  expiresAt?: number;
  /** Seconds since 1970 (the server's clock) when the refresh token was last used or obtained. */
  refreshUsedAt?: number;
  /** A sign-out record: no tokens, and a refresh still in flight anywhere revokes its late pair. */
  signedOut?: true;
  /** When it was signed out, seconds since 1970. */
  signedOutAt?: number;
  /** The refresh token was found dead: other processes fail without a request of their own. */
  failed?: "rotated" | "idle_expired";
  /** When the refresh token was found dead, seconds since 1970. */
  failedAt?: number;
}

/**
 * What `get()` answers when the store holds something it cannot read as a record (not JSON, not an object,
 * another type of value at a Redis key): why, and the store's own version of it (null or absent when it keeps
 * none a record could carry), and none of a record's other fields. A session treats it as no usable tokens; a
 * sign-in replaces it.
 */
export interface UnreadableRecord extends Partial<Record<Exclude<keyof StoredSession, "version">, undefined>> {
  /** The store's version of what it holds, when it keeps one (the next write must be newer). */
  version?: number | null | undefined;
  /** Why it cannot be read as a record. */
  unreadable: string;
}

/** What `lock` answers: `lease` is null when another holder has it. Times are the store's, in ms. */
export interface StoreLock {
  /** The lease taken (an opaque id to renew and unlock with), or null when another holder has it. */
  lease: string | null;
  /**
   * The store's own clock, ms since 1970 (Redis `TIME`, PostgreSQL `clock_timestamp()`); undefined only in a
   * refusal that could not read it (PostgreSQL: a row a racing caller made).
   */
  now: number | undefined;
  /** When a request in this lane last ended (`unlock(..., { stamp: true })`); null when the store does not know. */
  stamp: number | null;
}

/**
 * Where a session keeps its tokens. `set` is a compare-and-set: it writes only a record newer than the
 * stored one and says whether it wrote. With `lock`, `renew` and `unlock` the store also coordinates
 * processes (memoryStore within one, redisStore and postgresStore across a cluster).
 */
export interface TokenStore {
  /** Named in store errors ("Redis", "IndexedDB", ...). */
  backend?: string;
  /** The stored record, an unreadable one's reason, or undefined (or null) when there is none. */
  get(): Promise<StoredSession | UnreadableRecord | undefined | null>;
  /** Writes `value` only if no record is stored or the stored `version` is lower; resolves with whether it wrote. */
  set(value: StoredSession): Promise<boolean | void>;
  /** Removes the record. */
  delete(): Promise<void>;
  /** Takes the lease `name` for `ttlMs` if no live lease holds it (the caller's own included). */
  lock?(name: string, ttlMs: number): Promise<StoreLock | null>;
  /** Extends the lease by `ttlMs` if `lease` still holds `name`; resolves with whether it did. */
  renew?(name: string, lease: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease if `lease` still holds it; `stamp: true` records now as when the lane's last request ended. */
  unlock?(name: string, lease: string, options?: { stamp?: boolean }): Promise<boolean>;
}

/** In this process's memory: one process; its lease lets sessions sharing it refresh once between them. */
export declare function memoryStore(): TokenStore;
/** localStorage or sessionStorage. For several tabs prefer indexedDbStore. */
export declare function webStorageStore(
  storage: Pick<Storage, "getItem" | "setItem" | "removeItem">,
  key?: string,
): TokenStore;
/** IndexedDB, consistent across the tabs of an origin: the store for sessions shared by several tabs. */
export declare function indexedDbStore(key?: string, options?: { database?: string }): TokenStore;
/**
 * A connected node-redis (v4+, `createClient` or `createCluster`) or ioredis (`Redis` or `Redis.Cluster`)
 * client; the record at `key`, leases beside it, lanes under `namespace`. One key per command: any key names
 * work on Redis Cluster.
 */
export declare function redisStore(
  client: unknown,
  key: string,
  options?: { namespace?: string },
): Required<Pick<TokenStore, "lock" | "renew" | "unlock">> & TokenStore;
/** Options of `postgresStore`. */
export interface PostgresStoreOptions {
  /** The records' table (default `ctct_oauth_sessions`; a `"schema.table"` name is quoted per part). */
  table?: string | undefined;
  /** The leases' table (default `ctct_oauth_locks`). */
  locksTable?: string | undefined;
  /** Prefix of the lane leases, shared by every session of the application (default `ctct-oauth`). */
  namespace?: string | undefined;
  /** Create the two tables on first use (default true); false: run POSTGRES_SCHEMA yourself. */
  createTable?: boolean | undefined;
}
/** A `pg` Pool (anything with `query(text, values)`); tables created on first use unless `createTable: false`. */
export declare function postgresStore(
  pool: { query(text: string, values?: unknown[]): Promise<unknown> },
  key: string,
  options?: PostgresStoreOptions,
): Required<Pick<TokenStore, "lock" | "renew" | "unlock">> & TokenStore;
/** The `CREATE TABLE` statements postgresStore needs, for the default or the given table names. */
export declare function postgresSchema(options?: { table?: string; locksTable?: string }): string;
/** `postgresSchema()` for the default table names. */
export declare const POSTGRES_SCHEMA: string;
/** A Workers KV namespace (eventually consistent; for several isolates use the TokenBroker Durable Object). */
export declare function kvStore(
  namespace: {
    /** Read as text (the record's JSON). */
    get(key: string): Promise<unknown>;
    put(key: string, value: string): Promise<unknown>;
    delete(key: string): Promise<unknown>;
  },
  key?: string,
): TokenStore;

/** Options of `auth.session()`. */
export interface SessionOptions {
  /** Default: memoryStore(). */
  store?: TokenStore | undefined;
  /** Refresh when the access token expires within this many seconds. Default 300. */
  refreshMarginSeconds?: number | undefined;
  /** Default "check-before-call"; "timer" also refreshes on a timer (unref'd in Node; not on Workers). */
  strategy?: "check-before-call" | "timer" | undefined;
  /** Default: the client's clock. */
  clock?: Clock | undefined;
  /** The Web Lock (browsers) that serialises refreshes across tabs. Default: per token endpoint and client id. */
  lockName?: string | undefined;
  /** Time limit of each refresh request, in ms. Default 30000. */
  timeoutMs?: number | undefined;
  /**
   * The lease a refreshing process holds on a coordinating store. Default: `timeoutMs` + the lane's gap + 5000
   * (36,001 ms with the defaults).
   */
  lockTtlMs?: number | undefined;
  /** The application's token requests a second, across every process sharing the store (default 1, CC's limit). */
  tokenRequestsPerSecond?: number | undefined;
}

/** What `session.status()` reports. */
export interface SessionStatus {
  /** When the access token expires, seconds since 1970 on this machine's clock. */
  expiresAt: number;
  /** Days since the refresh token was last used or obtained (Constant Contact ends it after 180). */
  refreshTokenIdleDays: number;
  /** The session holds a pair the store has not taken yet, and keeps writing it (see `flush()`). */
  pendingWrite: boolean;
  /** `refresh_token_idle: ...` when the refresh token nears Constant Contact's 180-day idle limit. */
  warnings: string[];
}

/** Options of `signOut`. */
export interface SignOutOptions {
  /** Also revoke the refresh token at Constant Contact (reported, never thrown). */
  revoke?: boolean | undefined;
}

/** What `signOut` did: signed out here in every case; revocation reported. */
export interface SignOutResult {
  /** Whether Constant Contact accepted the revocation (false when not asked for or when it failed). */
  revoked: boolean;
  /** Why revocation failed; the local sign-out succeeded all the same. */
  error?: CtctOAuthError;
}

/** An API call's `init`: a plain object body is sent as JSON. */
export type ApiInit = Omit<RequestInit, "body"> & {
  /** As fetch's, or a plain object, sent as JSON (a string or plain-object body gets JSON's `Content-Type`). */
  body?: BodyInit | Record<string, unknown> | null;
};

/** Keeps one Constant Contact authorization alive. */
export declare class TokenSession {
  /** Also `auth.session(options)`. Throws `invalid_config` for anything but a ConstantContactOAuth. */
  constructor(auth: ConstantContactOAuth, options?: SessionOptions);
  /** Stores a token set (from exchangeCode or the device flow) as the current pair. */
  setTokens(tokens: TokenSet): Promise<void>;
  /** The current token set. */
  tokens(): Promise<TokenSet>;
  /**
   * A valid access token: refreshed once (for all concurrent callers) when it expires within the margin.
   * `{ refused }`: the API refused this token (a 401); refresh unless it was already replaced.
   */
  accessToken(options?: { refused?: string }): Promise<string>;
  /** Refreshes now (once for concurrent callers; a pair stored elsewhere meanwhile counts) and resolves with it. */
  refresh(): Promise<TokenSet>;
  /** fetch for the API, as fetch: resolves whatever the status; a 401 refreshes once and retries once. */
  fetch(pathOrUrl: string | URL, init?: ApiInit): Promise<Response>;
  /** The API's JSON answer; a failed call throws `api_error` / `rate_limited` with the API's own errors. */
  json<T = unknown>(pathOrUrl: string | URL, init?: ApiInit): Promise<T>;
  /** Called with each new token set, after it is stored. Returns the unsubscribe function. */
  onTokens(listener: (tokens: TokenSet) => void): () => void;
  /** The expiry, the refresh token's idle days, whether a write is pending, and warnings. */
  status(): Promise<SessionStatus>;
  /**
   * Resolves once every pair this session received is in the store. While the store fails, it waits
   * `timeoutMs` and then rejects with its `store_error`; the session keeps writing in the background.
   */
  flush(): Promise<void>;
  /** Forgets the tokens, here and in the store; reports revocation without throwing. */
  signOut(options?: SignOutOptions): Promise<SignOutResult>;
}

/** Options of `auth.fleet()`. */
export interface FleetOptions {
  /** The store of one account, e.g. `(id) => redisStore(redis, "ctct:" + id)`. */
  store: (account: string) => TokenStore;
  /** Options of every account's session. */
  session?: Omit<SessionOptions, "store"> | undefined;
}

/** What one fleet pass did, account by account. */
export interface FleetPass {
  /** Refreshed by this pass. */
  refreshed: string[];
  /** Already refreshed by another process: adopted from the store. */
  fresh: string[];
  /** Being refreshed by another process right now. */
  busy: string[];
  /** No token set stored (looked for again in each pass: a sign-in elsewhere is picked up). */
  empty: string[];
  /** Signed out. */
  signedOut: string[];
  /** The sign-in ended (refresh token rotated elsewhere, expired, or an unusable record): sign in again. */
  reauthorize: string[];
  /** What went wrong, with the error: a store that could not be read, a refresh that failed, and (once) an
   * account whose sign-in ended. */
  failed: {
    /** The account. */
    account: string;
    /** What went wrong. */
    error: CtctOAuthError;
  }[];
}

/** Many accounts under one application key, refreshed ahead of expiry at one token request a second. */
export declare class TokenFleet {
  /** Also `auth.fleet(options)`. Throws `invalid_config` for anything but a ConstantContactOAuth. */
  constructor(auth: ConstantContactOAuth, options: FleetOptions);
  /** The session of one account, for API calls. */
  session(account: string): TokenSession;
  /** One pass: refreshes the accounts that are due, in the order the module plans. */
  refreshDue(accounts: Iterable<string>, options?: { signal?: AbortSignal }): Promise<FleetPass>;
  /** Passes every `intervalMs` (default 60000) until `signal` aborts. */
  run(options: {
    accounts: Iterable<string> | (() => Iterable<string> | Promise<Iterable<string>>);
    intervalMs?: number;
    signal?: AbortSignal;
    onPass?: (pass: FleetPass) => void;
  }): Promise<void>;
}

/**
 * A Cloudflare Durable Object that owns one Constant Contact account's tokens for every isolate. Export
 * it from your Worker (`export { TokenBroker } from "ctct-oauth"`) and bind it in wrangler.toml; it is
 * configured from env by ConstantContactOAuth.fromEnv.
 */
export declare class TokenBroker {
  constructor(
    state: {
      storage: {
        get(key: string): Promise<unknown>;
        put(key: string, value: unknown): Promise<void>;
        delete(key: string): Promise<unknown>;
      };
    },
    env: Record<string, unknown>,
  );
  /** Answers the `brokerSession` calls of every isolate (the Durable Object's entry point). */
  fetch(request: Request): Promise<Response>;
}

/** The calling side of a TokenBroker: a session whose tokens live in the Durable Object. */
export interface BrokerSession {
  /** As `TokenSession.accessToken`, answered by the broker. */
  accessToken(options?: { refused?: string }): Promise<string>;
  /** Hands a token set (from the code exchange) to the broker. */
  setTokens(tokens: TokenSet): Promise<void>;
  /** As `TokenSession.signOut`. */
  signOut(options?: SignOutOptions): Promise<SignOutResult>;
  /** As `TokenSession.fetch`, against the broker's `apiBase`. */
  fetch(pathOrUrl: string | URL, init?: ApiInit): Promise<Response>;
  /** As `TokenSession.json`. */
  json<T = unknown>(pathOrUrl: string | URL, init?: ApiInit): Promise<T>;
}

/** A session answered by the TokenBroker behind `stub`; API calls go to the broker's own apiBase. */
export declare function brokerSession(
  stub: { fetch(input: string, init?: RequestInit): Promise<Response> },
  options?: { fetch?: typeof fetch },
): BrokerSession;

/** What `JSON.stringify(auth)` and `console.log(auth)` show: the configuration, the secret redacted. */
export interface ConstantContactOAuthDescription {
  /** The API key. */
  clientId: string;
  /** Present when a secret is configured; never its value. */
  clientSecret?: "[redacted]";
  /** The configured redirect URI. */
  redirectUri?: string;
  /** The scopes asked for by default (`offline_access` included unless `offline: false`). */
  scopes: string[];
  /** Every endpoint, overrides applied. */
  endpoints: Endpoints;
}

/**
 * A Constant Contact OAuth client: one application (API key), its endpoints and scopes, checked once
 * when constructed. Confidential with `clientSecret` (servers, Workers), public without (PKCE, the device flow).
 */
export declare class ConstantContactOAuth {
  constructor(config: ConstantContactOAuthConfig);
  /**
   * A client from environment variables: CTCT_CLIENT_ID, CTCT_CLIENT_SECRET, CTCT_REDIRECT_URI, CTCT_SCOPES
   * (space-separated), CTCT_ENDPOINTS (JSON), CTCT_ALLOW_INSECURE_LOOPBACK (true/1/yes, false/0/no).
   */
  static fromEnv(env?: Record<string, string | undefined>, options?: FromEnvOptions): ConstantContactOAuth;
  /** The URL to send the user to, with the `state`, PKCE verifier and scopes to keep. */
  authorizationUrl(options?: AuthorizationUrlOptions): AuthorizationRequest;
  /** Reads the redirect back, checking `state` (and `iss` when present). */
  parseRedirect(url: string | URL | { href: string }, options: ParseRedirectOptions): CodeRedirect;
  /** Reads a legacy implicit-flow redirect (`#access_token=...`). */
  parseImplicitRedirect(url: string | URL | { href: string }, options: ParseRedirectOptions): ImplicitRedirect;
  /** Exchanges an authorization code (Basic auth when confidential; `codeVerifier` required when public). */
  exchangeCode(code: string, options?: ExchangeCodeOptions): Promise<ReceivedTokenSet>;
  /** Refreshes. With rotating refresh tokens the one used stops working: store the returned set first. */
  refresh(refreshTokenOrTokens: string | TokenSet | undefined, options?: RequestOptions): Promise<ReceivedTokenSet>;
  /** Starts the device flow (configured scopes unless given). */
  startDeviceAuthorization(options?: DeviceStartOptions): Promise<DeviceAuthorization>;
  /** Polls until approved: waits `interval`, slower after slow_down, stops at expiry (`expired_token`). */
  pollDeviceAuthorization(device: DeviceAuthorization, options?: DevicePollOptions): Promise<ReceivedTokenSet>;
  /** One poll, no waiting: for runtimes that cannot sleep (a Worker driven by a Durable Object alarm). */
  pollDeviceAuthorizationOnce(device: DeviceAuthorization, options?: RequestOptions): Promise<DevicePollStep>;
  /**
   * Revokes a token (a refresh token by default). A string: anything else is refused as `invalid_config`
   * (a token set's `refreshToken` is absent without `offline_access`, so check it first).
   */
  revoke(token: string, tokenTypeHint?: "refresh_token" | "access_token", options?: RevokeOptions): Promise<void>;
  /** Verifies signature (RS256, by the key set), `iss`, `aud`, `exp` and `cid`. */
  verifyAccessToken(accessToken: string, options?: VerifyOptions): Promise<VerifiedClaims>;
  /** A session that keeps this client authorized. */
  session(options?: SessionOptions): TokenSession;
  /** Many accounts under this application, refreshed ahead of expiry. */
  fleet(options: FleetOptions): TokenFleet;
  /** The configuration with the secret redacted. */
  toJSON(): ConstantContactOAuthDescription;
  /** Frees the client's memory in the wasm module; the client cannot be used afterwards (`invalid_config`). */
  free(): void;
  /** `free()`, for `using auth = new ConstantContactOAuth(...)`. */
  [Symbol.dispose](): void;
}
