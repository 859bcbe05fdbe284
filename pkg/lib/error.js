/** @import { ErrorCode } from "../index.js" */

/**
 * The one error class of ctct-oauth. `code` is stable (docs/errors.md lists them); `message` says what to
 * do; `status`, `error` (the server's own OAuth error value), `description` (its words), `field`,
 * `errorUri`, `hint`, `retryAfter` (rate limits), `reason` (reauthorization_required), and `errors` /
 * `errorKey` (API errors) are set where they apply. Messages never contain a token, code or secret.
 */
export class CtctOAuthError extends Error {
  /** @type {"CtctOAuthError"} */
  name = "CtctOAuthError";

  /**
   * @param {ErrorCode} code
   * @param {string} message
   * @param {Record<string, unknown>} [details] any of the fields named above
   */
  constructor(code, message, details) {
    super(message);
    /** @type {ErrorCode} */
    this.code = code;
    if (details) {
      for (const key of DETAILS) if (details[key] !== undefined) /** @type {any} */ (this)[key] = details[key];
    }
  }
}

const DETAILS = [
  "field",
  "status",
  "error",
  "description",
  "errorUri",
  "hint",
  "retryAfter",
  "reason",
  "errors",
  "errorKey",
];
