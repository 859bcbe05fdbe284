import { checkRecord, isVersion, parseRecord } from "./common.js";

/** @import { TokenStore } from "../../index.js" */

/**
 * localStorage / sessionStorage. A newer pair is never overwritten by an older one. For several tabs
 * prefer indexedDbStore: browsers may sync localStorage between tabs late, so a tab can read the old pair
 * right after another tab refreshed (the session then adopts after one refused refresh).
 * @param {Pick<Storage, "getItem" | "setItem" | "removeItem">} storage
 * @param {string} [key]
 * @returns {TokenStore}
 */
export function webStorageStore(storage, key = "ctct-oauth") {
  const read = () => {
    const text = storage.getItem(key);
    return text ? parseRecord(text) : undefined;
  };
  return {
    backend: "Web Storage",
    async get() {
      return read();
    },
    async set(value) {
      checkRecord(value, "webStorageStore");
      const current = read();
      if (current && isVersion(current.version) && current.version >= value.version) return false;
      storage.setItem(key, JSON.stringify(value));
      return true;
    },
    async delete() {
      storage.removeItem(key);
    },
  };
}
