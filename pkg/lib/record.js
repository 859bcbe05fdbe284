// A session's record as it crosses into the module, which reads it and writes each change to it
// (src/record.rs): JS only holds records and moves them to and from the store.
import { glue } from "./glue.js";

const MAX_RECORD = 64 * 1024;

/**
 * A stored record as one JSON text (`null` for none). What cannot cross is described, never guessed: the
 * module answers it with an `invalid_record` error naming the record.
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
 */
export const readRecord = (text, now, skew, margin) => JSON.parse(glue.__readRecord(text, now, skew, margin));

/** A record the module wrote: `{ version, skew, record }` with `record` parsed. */
function written(text) {
  if (text === "null") return null;
  const w = JSON.parse(text);
  return { version: w.version, skew: w.skew, record: w.record, text: JSON.stringify(w.record) };
}

export const refreshedRecord = (base, tokensText, now) =>
  written(glue.__refreshedRecord(base.version, base.chain, tokensText, now));

export const signedInRecord = (seen, tokensText, now) => written(glue.__signedInRecord(seen, tokensText, now));

/** `stored`: the stored record's text, or undefined when the store could not be read. */
export const signedOutRecord = (stored, chain, version, now, skew) =>
  written(glue.__signedOutRecord(stored, chain, version, now, skew));

/** `{ reason, version, record }` after `stored`'s refresh token was refused. */
export function failedRecord(storedText, now, skew) {
  const f = JSON.parse(glue.__failedRecord(storedText, now, skew));
  return { reason: f.reason, version: f.version, record: f.record };
}

export const recordStatus = (text, now, skew, pending) => JSON.parse(glue.__recordStatus(text, now, skew, pending));
