/**
 * `import { ... } from "ctct-oauth/decode"`: reading access tokens, nothing else. In browsers a decode-only
 * module (22 KB gzip in all); in Node, Deno and Workers the main entry.
 * @module ctct-oauth/decode
 */
export { decodeAccessToken, tokenExpiresAt, isExpired, CtctOAuthError } from "./index.js";
export type { AccessTokenClaims, IsExpiredOptions, TokenSet } from "./index.js";
