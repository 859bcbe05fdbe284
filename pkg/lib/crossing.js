// The one rule for what crosses into the wasm module. Strings are cut just past the module's largest
// limit (16 KB: tokens, redirect URLs): it still answers "too long", but a hostile megabyte is never
// copied in, and wasm memory never shrinks, so one such copy would stay for the life of the process.
// Options and token sets cross as one JSON text, refused over 64 KB; functions become a marker the module
// checks, Dates become seconds. Response bodies are cut just past the module's 64 KB limit.
import { raise } from "./raise.js";

const MAX_STRING = 16 * 1024 + 1;
const MAX_JSON = 64 * 1024;
const MAX_BODY = 64 * 1024 + 1;
export const FUNCTION = "\u0000function";

/**
 * A string argument as it crosses; anything else crosses as undefined (the module says what it expected).
 * @param {unknown} v
 */
export const text = (v) => (typeof v === "string" ? (v.length > MAX_STRING ? v.slice(0, MAX_STRING) : v) : undefined);

/** @param {string} t */
export const body = (t) => (t.length > MAX_BODY ? t.slice(0, MAX_BODY) : t);

/**
 * @this {Record<string, unknown>} the object holding `key`
 * @param {string} key
 * @param {unknown} value
 */
function replacer(key, value) {
  const raw = this[key];
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? "invalid Date" : raw.getTime() / 1000;
  return typeof value === "function" ? FUNCTION : value;
}

/**
 * An options object or token set as one JSON text.
 * @param {unknown} value
 */
export function json(value) {
  let out;
  try {
    out = JSON.stringify(value ?? null, replacer);
  } catch (cause) {
    throw raise("not_json", { cause });
  }
  if (out === undefined) throw raise("not_json");
  if (out.length > MAX_JSON) throw raise("too_large");
  return out;
}

const METHODS = ["get", "set", "delete", "lock", "renew", "unlock"];
/** The store as the module checks it: the `typeof` of each method. */
const shape = (/** @type {any} */ store) =>
  store !== null && typeof store === "object" ? Object.fromEntries(METHODS.map((m) => [m, typeof store[m]])) : store;

/**
 * A session's options as one JSON text, with the store described by its shape (the module checks it), never the
 * store itself.
 * @param {any} o
 */
export const sessionOptions = (o) =>
  json(typeof o === "object" ? { ...o, store: o.store === undefined ? undefined : shape(o.store) } : o);

/**
 * Whole seconds since 1970 from a clock that returns seconds or a Date (the module refuses milliseconds).
 * @param {(() => unknown) | undefined} [clock] default: the system clock
 */
export function seconds(clock) {
  const v = clock === undefined ? Date.now() / 1000 : clock();
  return Math.floor(v instanceof Date ? v.getTime() / 1000 : typeof v === "number" ? v : Number.NaN);
}
