/**
 * Tokens in memory (one process). A newer record is never overwritten by an older one, and its leases let
 * several sessions of one process that share it refresh once between them. Lane names (`lane:...`, one per
 * client id) are shared by every memoryStore of the process, so accounts with stores of their own still
 * queue in one lane instead of being refused by the server.
 */
import { LANE, checkName, checkRecord, checkTtl, isVersion, newLease } from "./common.js";

/** @import { StoredSession } from "../../index.js" */
/** @import { LockingStore } from "./common.js" */
/** @typedef {Map<string, { lease: string | null, expiresAt: number, stamp: number }>} Leases */

/**
 * The process's lanes: `name -> { lease, expiresAt, stamp }`.
 * @type {Leases}
 */
const lanes = new Map();

/** @returns {LockingStore} */
export function memoryStore() {
  /** @type {StoredSession | undefined} */
  let record;
  /** @type {Leases} */
  const locks = new Map();
  /** @param {string} name */
  const table = (name) => (name.startsWith(LANE) ? lanes : locks);
  /**
   * A live lease of `name`, or undefined. Stamps are 0 until a request ends: this process knows of none.
   * @param {string} name
   * @param {number} now
   */
  const live = (name, now) => {
    const l = table(name).get(name);
    return l?.lease && l.expiresAt > now ? l : undefined;
  };
  return {
    backend: "memory",
    async get() {
      return record && structuredClone(record);
    },
    async set(value) {
      checkRecord(value, "memoryStore");
      if (record && isVersion(record.version) && record.version >= value.version) return false;
      record = structuredClone(value);
      return true;
    },
    async delete() {
      record = undefined;
    },
    async lock(name, ttlMs) {
      checkName(name, "memoryStore.lock");
      const ttl = checkTtl(ttlMs, "memoryStore.lock");
      const now = Date.now();
      const l = table(name).get(name);
      const stamp = l?.stamp ?? 0;
      if (live(name, now)) return { lease: null, now, stamp };
      const lease = newLease();
      table(name).set(name, { lease, expiresAt: now + ttl, stamp });
      return { lease, now, stamp };
    },
    async renew(name, lease, ttlMs) {
      const ttl = checkTtl(ttlMs, "memoryStore.renew");
      const now = Date.now();
      const l = live(checkName(name, "memoryStore.renew"), now);
      if (l?.lease !== lease) return false;
      l.expiresAt = now + ttl;
      return true;
    },
    async unlock(name, lease, options) {
      const now = Date.now();
      const l = table(checkName(name, "memoryStore.unlock")).get(name);
      const released = live(name, now)?.lease === lease;
      if (released && l) l.lease = null; // (released: l is the live lease)
      if (options?.stamp) {
        if (l) l.stamp = now;
        else table(name).set(name, { lease: null, expiresAt: 0, stamp: now });
      }
      return released;
    },
  };
}
