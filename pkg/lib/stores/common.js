// What every store shares: the contract's argument checks, lease ids, and errors that never carry a
// record. The contract itself is in ./README.md.
import { safeError } from "../safe-error.js";

/** @import { StoredSession, TokenStore, UnreadableRecord } from "../../index.js" */
/** @typedef {Required<Pick<TokenStore, "lock" | "renew" | "unlock">> & TokenStore} LockingStore coordinates too */
/** @typedef {Error & { backend: string, operation: string }} StoreError the client's error is its `cause` */

export const LANE = "lane:";
/** Stamps outlive their last writer by an hour (the contract's minimum). */
export const STAMP_TTL_MS = 3_600_000;
/** The largest version: JavaScript numbers are exact up to 2^53 - 1. */
export const MAX_VERSION = Number.MAX_SAFE_INTEGER;

/**
 * A version a store compares: a whole number from 1 to 2^53 - 1. Anything else is replaceable.
 * @param {any} v
 * @returns {v is number}
 */
export const isVersion = (v) => Number.isSafeInteger(v) && v >= 1;

/**
 * Rejects (by throwing) a record without a usable version: stores never write one.
 * @param {unknown} record
 * @param {string} store
 * @returns {asserts record is StoredSession}
 */
export function checkRecord(record, store) {
  if (!record || typeof record !== "object" || !isVersion(/** @type {{ version?: unknown }} */ (record).version)) {
    throw new TypeError(`${store}.set: record must be an object with a whole-number version from 1 to 2^53 - 1`);
  }
}

/**
 * @param {unknown} ms
 * @param {string} operation
 */
export function checkTtl(ms, operation) {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) {
    throw new TypeError(`${operation}: ttlMs must be a positive number of milliseconds`);
  }
  return Math.ceil(ms);
}

/**
 * @param {unknown} name
 * @param {string} operation
 */
export function checkName(name, operation) {
  if (typeof name !== "string" || name === "") throw new TypeError(`${operation}: name must be a string`);
  return name;
}

/** A random lease id: 16 bytes, hex. */
export function newLease() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The record in a stored text, or what the contract says of a text that is not one (never the text).
 * @param {string} text
 * @param {number | null} [version] the store's own version of it (null: none a record could carry; absent: the
 *   text's own)
 * @returns {StoredSession | UnreadableRecord}
 */
export function parseRecord(text, version) {
  let record;
  try {
    record = JSON.parse(text);
  } catch {
    return { version, unreadable: "not_json" };
  }
  if (!record || typeof record !== "object" || Array.isArray(record)) return { version, unreadable: "not_object" };
  return version === undefined ? record : { ...record, version };
}

/**
 * The one error a store rejects with: which backend, which operation, and the client's error, made safe.
 * @param {string} backend
 * @param {string} operation
 * @param {unknown} cause
 */
export function storeError(backend, operation, cause) {
  const err = /** @type {StoreError} */ (
    new Error(`${backend} store: ${operation} failed: ${safeError(cause).message}`)
  );
  err.name = "StoreError";
  err.backend = backend;
  err.operation = operation;
  err.cause = safeError(cause);
  return err;
}

/**
 * Runs `fn`, turning any failure of the client or server into a StoreError for `operation`.
 * @template T
 * @param {string} backend
 * @param {string} operation
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function attempt(backend, operation, fn) {
  try {
    return await fn();
  } catch (e) {
    throw storeError(backend, operation, e);
  }
}
