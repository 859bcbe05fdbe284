import { checkRecord, isVersion, parseRecord } from "./common.js";

/** @import { TokenStore } from "../../index.js" */

/**
 * Cloudflare Workers KV. KV is eventually consistent and has no compare-and-swap, so the version check
 * narrows but cannot close the race between isolates: for several isolates use the TokenBroker.
 * @param {Parameters<typeof import("../../index.js").kvStore>[0]} namespace
 * @param {string} [key]
 * @returns {TokenStore}
 */
export function kvStore(namespace, key = "ctct-oauth") {
  const read = async () => {
    const text = await namespace.get(key);
    return typeof text === "string" ? parseRecord(text) : undefined;
  };
  return {
    backend: "Workers KV",
    get: read,
    async set(value) {
      checkRecord(value, "kvStore");
      const current = await read();
      if (current && isVersion(current.version) && current.version >= value.version) return false;
      await namespace.put(key, JSON.stringify(value));
      return true;
    },
    async delete() {
      await namespace.delete(key);
    },
  };
}
