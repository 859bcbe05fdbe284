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

export interface TokenSet {
  accessToken: string;
  /** Absent when none was issued (no `offline_access`). */
  refreshToken?: string;
  tokenType?: string;
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

export declare class ConstantContactOAuth {
  constructor(config: ClientConfig);
  /** The URL to send the user to, with the `state` (and PKCE verifier) to keep. */
  authorizationUrl(options?: AuthorizationUrlOptions): AuthorizationRequest;
  /** Reads the redirect back (query or legacy implicit fragment), checking `state` and `iss`. */
  parseRedirect(url: string | URL | { href: string }, options: ParseRedirectOptions): RedirectResult;
  /** The configuration with the secret redacted. */
  toJSON(): { clientId: string; clientSecret?: "[redacted]"; redirectUri?: string; scopes: string[]; endpoints: Endpoints };
  free(): void;
  [Symbol.dispose](): void;
}
