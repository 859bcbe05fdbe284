import { checkRecord, isVersion } from "./common.js";

/** @import { TokenStore } from "../../index.js" */

/**
 * IndexedDB: consistent across the tabs of an origin, so with the session's Web Lock a tab that refreshes
 * second always finds the first tab's pair (localStorage can lag between tabs). `set` is a
 * compare-and-set inside one transaction.
 * @param {string} [key]
 * @param {{ database?: string }} [options]
 * @returns {TokenStore}
 */
export function indexedDbStore(key = "ctct-oauth", { database = "ctct-oauth" } = {}) {
  /** @type {Promise<IDBDatabase> | undefined} */
  let db;
  const open = () =>
    (db ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(database, 1);
      req.onupgradeneeded = () => req.result.createObjectStore("sessions");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    }).catch((e) => {
      db = undefined;
      throw e;
    }));
  /**
   * Runs `body(objectStore, setResult)` in one transaction; resolves once it has committed. What IndexedDB
   * holds is a structured clone of what was put: to the type check, `any`.
   * @param {IDBTransactionMode} mode
   * @param {(store: IDBObjectStore, done: (result: any) => void) => void} body
   * @returns {Promise<any>}
   */
  const transaction = async (mode, body) => {
    const conn = await open();
    return new Promise((resolve, reject) => {
      const t = conn.transaction("sessions", mode);
      /** @type {any} */
      let result;
      body(t.objectStore("sessions"), (r) => (result = r));
      t.oncomplete = () => resolve(result);
      t.onerror = t.onabort = () => reject(t.error);
    });
  };
  return {
    backend: "IndexedDB",
    get: () =>
      transaction("readonly", (s, done) => {
        const r = s.get(key);
        r.onsuccess = () => done(r.result ?? undefined);
      }),
    set: async (value) => {
      checkRecord(value, "indexedDbStore");
      return transaction("readwrite", (s, done) => {
        const r = s.get(key);
        r.onsuccess = () => {
          const written = !(r.result && isVersion(r.result.version) && r.result.version >= value.version);
          if (written) s.put(value, key);
          done(written);
        };
      });
    },
    delete: () => transaction("readwrite", (s) => s.delete(key)),
  };
}
