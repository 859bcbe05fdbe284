/**
 * Cloudflare Workers KV. KV is eventually consistent and has no compare-and-swap, so the version check
 * narrows but cannot close the race between isolates: for several isolates use the TokenBroker.
 */
export function kvStore(namespace, key = "ctct-oauth") {
  const read = async () => (await namespace.get(key, "json")) ?? undefined;
  return {
    backend: "Workers KV",
    get: read,
    async set(value) {
      const current = await read();
      if (current && current.version >= value.version) return false;
      await namespace.put(key, JSON.stringify(value));
      return true;
    },
    async delete() {
      await namespace.delete(key);
    },
  };
}
