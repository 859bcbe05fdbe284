// oidc-provider's storage for the local server: a Map per server that keeps every model (grant, refresh token,
// code, session...) until its own expiry, never before. oidc-provider's default in-memory adapter is an LRU of 1,000
// entries: with a few hundred rotating accounts it evicted live grants, and their refresh tokens then got
// invalid_grant from the server, not from the client under test.
//
//   new Provider(issuer, { adapter: createMapAdapter(), ... });
//
// The interface is oidc-provider's (upsert, find, findByUserCode, findByUid, consume, destroy, revokeByGrantId),
// with its memory adapter's semantics: a model in a grant (tokens, codes) goes when the grant is revoked.
// Payloads are stored and returned as copies, as a database would, so no caller changes a stored model in place.

/** Models that belong to a grant, and go with it when it is revoked. */
const GRANTABLE = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
  "PreAuthorizedCode",
]);
const SWEEP_EVERY = 1000; // upserts between two sweeps of expired entries (memory stays bounded by what is live)

/**
 * A fresh store and the adapter class oidc-provider instantiates per model over it. The class's static `stats()`
 * counts what is stored, for tests.
 */
export function createMapAdapter() {
  const entries = new Map(); // "Model:id" -> { payload, expiresAt (ms; Infinity without expiry) }
  const grants = new Map(); // grantId -> Set of "Model:id"
  const uids = new Map(); // a Session's uid -> "Session:id"
  const userCodes = new Map(); // a DeviceCode's userCode -> "DeviceCode:id"
  let upserts = 0;

  const live = (key) => {
    const e = entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      remove(key);
      return undefined;
    }
    return e;
  };

  function remove(key) {
    const e = entries.get(key);
    if (!e) return;
    entries.delete(key);
    const { grantId, uid, userCode } = e.payload;
    if (grantId) grants.get(grantId)?.delete(key);
    if (grantId && grants.get(grantId)?.size === 0) grants.delete(grantId);
    if (uid && uids.get(uid) === key) uids.delete(uid);
    if (userCode && userCodes.get(userCode) === key) userCodes.delete(userCode);
  }

  function sweep() {
    const now = Date.now();
    for (const [key, e] of entries) if (e.expiresAt <= now) remove(key);
  }

  return class MapAdapter {
    constructor(model) {
      this.model = model;
    }

    /** What the store holds now (live and not yet swept), by model. */
    static stats() {
      const byModel = {};
      for (const key of entries.keys()) {
        const model = key.slice(0, key.indexOf(":"));
        byModel[model] = (byModel[model] ?? 0) + 1;
      }
      return { entries: entries.size, grants: grants.size, byModel };
    }

    key(id) {
      return `${this.model}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      remove(key); // its old indexes (a session's uid may change)
      const expiresAt = typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 : Infinity;
      entries.set(key, { payload: structuredClone(payload), expiresAt });
      if (GRANTABLE.has(this.model) && payload.grantId) {
        if (!grants.has(payload.grantId)) grants.set(payload.grantId, new Set());
        grants.get(payload.grantId).add(key);
      }
      if (this.model === "Session" && payload.uid) uids.set(payload.uid, key);
      if (payload.userCode) userCodes.set(payload.userCode, key);
      if (++upserts % SWEEP_EVERY === 0) sweep();
    }

    async find(id) {
      const e = live(this.key(id));
      return e ? structuredClone(e.payload) : undefined;
    }

    async findByUid(uid) {
      const key = uids.get(uid);
      const e = key && live(key);
      return e ? structuredClone(e.payload) : undefined;
    }

    async findByUserCode(userCode) {
      const key = userCodes.get(userCode);
      const e = key && live(key);
      return e ? structuredClone(e.payload) : undefined;
    }

    async consume(id) {
      const e = live(this.key(id));
      if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id) {
      remove(this.key(id));
    }

    async revokeByGrantId(grantId) {
      for (const key of [...(grants.get(grantId) ?? [])]) remove(key);
      grants.delete(grantId);
    }
  };
}

/**
 * A lock per refresh token, for the token endpoint: `await locks(token, fn)` runs fn once every earlier request
 * presenting the same token has finished. oidc-provider finds a refresh token, checks `consumed`, then awaits other
 * lookups (grant, account) before consuming it, so two requests at once could both rotate it; a real server (one
 * database row) spends it once, and the second request then meets a used token (and the grant is revoked).
 */
export function createTokenLocks() {
  const inFlight = new Map(); // token -> the promise the last request presenting it settles
  return async function oneAtATime(token, fn) {
    if (!token) return fn();
    const before = inFlight.get(token) ?? Promise.resolve();
    let release;
    const mine = before.then(() => new Promise((r) => (release = r)));
    inFlight.set(token, mine);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (inFlight.get(token) === mine) inFlight.delete(token);
    }
  };
}
