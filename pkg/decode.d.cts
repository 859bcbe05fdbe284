// Types of `require("ctct-oauth/decode")`: the same four names as decode.d.ts, for CommonJS.
export { decodeAccessToken, tokenExpiresAt, isExpired, CtctOAuthError } from "./index.cjs";
export type { AccessTokenClaims, IsExpiredOptions, TokenSet } from "./index.cjs";
