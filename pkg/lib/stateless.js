// The calls that need no client: PKCE, state, and reading (not verifying) an access token.
import { glue } from "./glue.js";
import { json, seconds, text } from "./crossing.js";
import { isTokenSet } from "./token-set.js";

/** @import { AccessTokenClaims, IsExpiredOptions, Pkce, PkceOptions } from "../index.js" */

/**
 * @param {PkceOptions} [options]
 * @returns {Pkce}
 */
export const createPkce = (options) => JSON.parse(glue.__createPkce(json(options)));

export const generateState = () => glue.__generateState();

/**
 * The claims of an access token, decoded but not verified.
 * @param {unknown} token a token, or a token set (the module names what else it got)
 * @returns {AccessTokenClaims}
 */
export const decodeAccessToken = (token) => JSON.parse(glue.__decode(text(token), isTokenSet(token)));

/**
 * The access token's `exp`, reading only its payload.
 * @param {unknown} token
 * @returns {number}
 */
export const tokenExpiresAt = (token) => glue.__expiresAt(text(token), isTokenSet(token));

/**
 * Whether a token (or token set) is expired, `leewaySeconds` (60) early. A token crosses as itself, a set as JSON.
 * @param {unknown} tokenOrSet
 * @param {IsExpiredOptions} [options]
 * @returns {boolean}
 */
export function isExpired(tokenOrSet, options) {
  const set = typeof tokenOrSet === "object" && tokenOrSet !== null ? json(tokenOrSet) : undefined;
  return glue.__isExpired(text(tokenOrSet), set, json(options), seconds());
}
