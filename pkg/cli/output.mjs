// Output and errors. Messages come from the library (which never puts a token or secret in them) or from
// here; a store URL is shown with its password masked. Exit codes are part of the interface (help.mjs lists
// them): scripts branch on them.
import { CtctOAuthError } from "./library.mjs";

export const PROGRAM = "ctct-oauth";
export const EXIT = { ok: 0, notSignedIn: 1, usage: 2, unavailable: 3, internal: 70, SIGINT: 130, SIGTERM: 143 };

/** A line on stderr (prompts, progress, errors). */
export const say = (/** @type {string} */ line = "") => process.stderr.write(`${line}\n`);
/** A line on stdout (results). */
export const out = (/** @type {string} */ line) => process.stdout.write(`${line}\n`);
/** The text with any password in a URL masked. */
export const mask = (/** @type {unknown} */ text) =>
  String(text)
    .replace(/(\w+:\/\/[^/:@\s]*:)[^@/\s]+@/g, "$1***@")
    .replace(/([?&](?:password|pass|pwd|sslpassword)=)[^&#\s]*/gi, "$1***");

export class CliError extends Error {
  /**
   * @param {string} code what `error <code>:` says
   * @param {string} message
   * @param {number} exit the exit code (EXIT)
   * @param {string} [hint]
   */
  constructor(code, message, exit, hint) {
    super(message);
    this.code = code;
    this.exit = exit;
    this.hint = hint;
  }
}
/** A usage error, with a hint naming the command's help. @param {string} message @param {string} [command] */
export const usage = (message, command) =>
  new CliError("usage", message, EXIT.usage, `see: ${PROGRAM} ${command ? `${command} ` : ""}--help`);

const NOT_SIGNED_IN = new Set([
  "reauthorization_required",
  "invalid_grant",
  "access_denied",
  "expired_token",
  "state_mismatch",
  "missing_code",
  "issuer_mismatch",
  "invalid_jwt",
  "authorization_code_not_token",
  "jwt_expired",
  "jwt_signature_invalid",
  "jwks_key_not_found",
  "claim_mismatch",
  "interaction_required",
  "login_required",
  "consent_required",
  "account_selection_required",
]);
const MISCONFIGURED = new Set([
  "invalid_config",
  "secret_in_browser",
  "insecure_endpoint",
  "unsupported_runtime",
  "invalid_client",
  "unauthorized_client",
  "invalid_scope",
  "unsupported_grant_type",
  "unsupported_response_type",
  "unsupported_token_type",
  "invalid_request",
  "invalid_redirect",
  "invalid_request_uri",
  "invalid_request_object",
]);

/** @param {unknown} e what the command failed with */
export function exitCodeOf(e) {
  if (e instanceof CliError) return e.exit;
  if (e instanceof CtctOAuthError) {
    if (NOT_SIGNED_IN.has(e.code)) return EXIT.notSignedIn;
    if (MISCONFIGURED.has(e.code)) return EXIT.usage;
    return EXIT.unavailable; // network_error, timeout, server_error, rate_limited, store_error, ...
  }
  return EXIT.internal;
}

/** Says what went wrong, on stderr. @param {any} e what the command failed with (anything thrown) */
export function report(e) {
  const code = e instanceof CliError || e instanceof CtctOAuthError ? e.code : "internal";
  say(`error ${code}: ${mask(e?.message ?? e)}`);
  if (e?.hint) say(`hint: ${e.hint}`);
  else if (e?.code === "reauthorization_required") say(`hint: sign in again: ${PROGRAM} login`);
  // A store's own error says what failed (connection refused, permission denied); it never holds a record.
  if (e?.cause?.message) say(`cause: ${mask(e.cause.cause?.message ?? e.cause.message)}`);
  if (code === "internal" && process.env.CTCT_DEBUG && e?.stack) say(mask(e.stack));
}
