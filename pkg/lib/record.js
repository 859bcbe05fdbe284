// A session's record as it crosses into the module, which reads it and writes each change to it
// (crates/core/src/record.rs): JS only holds records and moves them to and from the store.
import { glue } from "./glue.js";

const MAX_RECORD = 64 * 1024;

/** @import { SessionStatus, StoredSession } from "../index.js" */
/** @import { ReadRecord, Written } from "./types.js" */

/**
 * A stored record as one JSON text (`null` for none). What cannot cross is described, never guessed: the
 * module answers it with an `invalid_record` error naming the record.
 * @param {unknown} record
 * @returns {string}
 */
export function recordText(record) {
  if (record === undefined || record === null) return "null";
  let text;
  try {
    text = JSON.stringify(record);
  } catch {
    text = undefined;
  }
  if (typeof text !== "string") return '{"unreadable":"not_json"}';
  return text.length > MAX_RECORD ? '{"unreadable":"too_large"}' : text;
}

/**
 * What a stored record is, on this session's clock: `{ kind: "empty" | "tokens" | "signed_out" |
 * "failed", version, chain, reason?, expiresAt?, dueAt?, idleWarnAt?, idleEndsAt?, refreshUsedAt? }`.
 * Throws the module's `invalid_record` error for a record it cannot use.
 * @param {string} text
 * @param {number} now
 * @param {number} skew
 * @param {number} margin
 * @returns {ReadRecord}
 */
export const readRecord = (text, now, skew, margin) => JSON.parse(glue.__readRecord(text, now, skew, margin));

/**
 * A record the module wrote: `{ version, skew, record }` with `record` parsed (null: nothing to write).
 * @param {string} text
 * @returns {Written | null}
 */
function written(text) {
  if (text === "null") return null;
  const w = JSON.parse(text);
  return { version: w.version, skew: w.skew, record: w.record, text: JSON.stringify(w.record) };
}

/**
 * The record of a refreshed pair, one version past `base` (the module always writes one).
 * @param {ReadRecord} base
 * @param {string} tokensText
 * @param {number} now
 */
export const refreshedRecord = (base, tokensText, now) =>
  /** @type {Written} */ (written(glue.__refreshedRecord(base.version, base.chain, tokensText, now)));

/**
 * The record of a sign-in, past every version `seen` (the module always writes one).
 * @param {number} seen
 * @param {string} tokensText
 * @param {number} now
 */
export const signedInRecord = (seen, tokensText, now) =>
  /** @type {Written} */ (written(glue.__signedInRecord(seen, tokensText, now)));

/**
 * The record of a sign-out, or null when the store already holds one as new.
 * @param {string | undefined} stored the stored record's text, or undefined when the store could not be read
 * @param {number} chain
 * @param {number} version
 * @param {number} now
 * @param {number} skew
 */
export const signedOutRecord = (stored, chain, version, now, skew) =>
  written(glue.__signedOutRecord(stored, chain, version, now, skew));

/**
 * The version of a stored record, or 0 when it has none this library can use.
 * @param {any} stored what a store gave, of any shape: this is where an unusable one is told apart
 * @param {number} now
 * @returns {number}
 */
export function versionOf(stored, now) {
  try {
    return readRecord(recordText(stored), now, 0, 0).version;
  } catch {
    // Unusable, but the store may still know its version (a record it cannot parse).
    return Number.isSafeInteger(stored?.version) && stored.version > 0 ? stored.version : 0;
  }
}

/**
 * `{ reason, version, record }` after `stored`'s refresh token was refused.
 * @param {string} storedText
 * @param {number} now
 * @param {number} skew
 * @returns {{ reason: string, version: number, record: StoredSession }}
 */
export function failedRecord(storedText, now, skew) {
  const f = JSON.parse(glue.__failedRecord(storedText, now, skew));
  return { reason: f.reason, version: f.version, record: f.record };
}

/**
 * @param {string} text
 * @param {number} now
 * @param {number} skew
 * @param {boolean} pending
 * @returns {SessionStatus}
 */
export const recordStatus = (text, now, skew, pending) => JSON.parse(glue.__recordStatus(text, now, skew, pending));
