// The errors the JS layer raises itself (no response to read: a timeout, a store that failed). Their
// codes and messages come from the Rust module's catalogue (src/raised.rs), written into
// generated/constants.js at build time, so JS never asks the module for one and never writes its own.
// tests/contract.test.mjs checks that every raise("...") here names a catalogue entry and that every
// entry is raised somewhere.
import { CtctOAuthError } from "./error.js";
import { ERRORS } from "./generated/constants.js";
import { safeError } from "./safe-error.js";

/**
 * The error of that kind, with the store's name in store messages, and `cause` (not enumerable) reduced
 * to what is safe to print (./safe-error.js).
 * @param {keyof typeof ERRORS} kind
 * @param {{ cause?: unknown, backend?: string | undefined }} [options]
 */
export function raise(kind, { cause, backend } = {}) {
  const spec = ERRORS[kind];
  if (spec === undefined) throw new TypeError(`ctct-oauth: no error kind "${kind}" (a bug in ctct-oauth)`);
  const message = spec.message.replace(backend ? "{backend}" : "{backend} ", backend ?? "");
  const e = new CtctOAuthError(spec.code, message, spec);
  if (cause !== undefined) {
    Object.defineProperty(e, "cause", { value: safeError(cause, 2), writable: true, configurable: true });
  }
  return e;
}
