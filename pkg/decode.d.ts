// Types of `ctct-oauth/decode`: reading access tokens, nothing else. In browsers this entry loads a small
// decode-only module; in Node, Deno and Workers it is the main entry, so these are its types.
export { decodeAccessToken, tokenExpiresAt, isExpired, CtctOAuthError } from "./index.js";
export type { AccessTokenClaims, IsExpiredOptions, TokenSet } from "./index.js";
