/**
 * Tokens in memory (one process). A newer pair is never overwritten by an older one, and its lock lets
 * several sessions of one process that share it refresh once between them.
 */
export function memoryStore() {
  let record;
  const locks = new Map(); // name -> { lease, expiresAt }
  const stamps = new Map();
  const live = (name) => {
    const l = locks.get(name);
    return l && l.expiresAt > Date.now() ? l : undefined;
  };
  return {
    backend: "memory",
    async get() {
      return record && structuredClone(record);
    },
    async set(value) {
      if (record && record.version >= value.version) return false;
      record = structuredClone(value);
      return true;
    },
    async delete() {
      record = undefined;
    },
    async lock(name, ttlMs) {
      if (live(name)) return null;
      const lease = Math.random().toString(36).slice(2) + Date.now().toString(36);
      locks.set(name, { lease, expiresAt: Date.now() + ttlMs });
      return { lease, now: Date.now(), stamp: stamps.get(name) ?? null };
    },
    async renew(name, lease, ttlMs) {
      const l = live(name);
      if (l?.lease !== lease) return false;
      l.expiresAt = Date.now() + ttlMs;
      return true;
    },
    async unlock(name, lease, options) {
      if (options?.stamp) stamps.set(name, Date.now());
      if (locks.get(name)?.lease === lease) locks.delete(name);
    },
  };
}
