// Errors from outside the library (a store's client, a custom fetch) as they may be kept as a `cause`:
// reduced to what is safe to print, since `util.inspect` and loggers print causes whole.

// Runs of 20 or more characters of base64url, base64 or JWT text, percent-escapes included: the shape of
// a token, a code or a secret (the module masks server texts by the same rule).
const TOKEN_LIKE = /(?:[A-Za-z0-9_\-+/=.]|%[0-9A-Fa-f]{2}){20,}/g;
/** @param {unknown} text */
export const masked = (text) => String(text).replace(TOKEN_LIKE, "[masked]");

const KEPT = ["code", "errno", "syscall", "address", "port", "severity", "routine", "backend", "operation"];

/**
 * An error reduced to what is safe to keep and print: its name, its first line with anything token-like
 * masked, its codes, and (once) its own cause reduced the same way. Never what clients hang on errors:
 * ioredis puts the command and its arguments (the record, with its tokens) on every reply error.
 */
/**
 * @param {any} e whatever was thrown
 * @param {number} [depth] how many causes deep
 * @returns {Error} (null and undefined pass through)
 */
export function safeError(e, depth = 1) {
  if (e === undefined || e === null) return e;
  const first = String(e?.message ?? e)
    .split("\n")[0]
    .slice(0, 300);
  const safe = /** @type {Error & Record<string, unknown>} */ (new Error(masked(first)));
  safe.name = typeof e?.name === "string" ? e.name.slice(0, 60) : "Error";
  for (const k of KEPT) {
    const v = e?.[k];
    if (typeof v === "string" || typeof v === "number") safe[k] = typeof v === "string" ? masked(v.slice(0, 200)) : v;
  }
  // Only its first line: the original stack would repeat the original message.
  safe.stack = `${safe.name}: ${safe.message}`;
  if (depth > 0 && e?.cause !== undefined) safe.cause = safeError(e.cause, depth - 1);
  return safe;
}
