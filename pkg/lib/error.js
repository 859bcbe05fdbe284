/**
 * The one error class of ctct-oauth. `code` is stable (see the README's table); `message` says what to
 * do; `status`, `description` (the server's own words), `field`, `errorUri`, `hint`, `retryAfter`
 * (rate limits), `reason` (reauthorization_required), and `errors` / `errorKey` (API errors) are set where
 * they apply. Messages never contain a token, code or secret.
 */
export class CtctOAuthError extends Error {
  constructor(code, message, details) {
    super(message);
    this.name = "CtctOAuthError";
    this.code = code;
    if (details) {
      for (const key of ["field", "status", "description", "errorUri", "hint", "retryAfter", "reason", "errors", "errorKey"]) {
        if (details[key] !== undefined) this[key] = details[key];
      }
    }
  }
}
