// Sessions that stay authorized: a token store, one refresh at a time (shared by every caller), the
// rotated pair written to the store before anyone gets the new access token, and the API fetch.
// Expiry decisions use the module's one skew model (isExpired with the margin as leeway).

const IDLE_LIMIT_DAYS = 180; // Constant Contact ends a refresh token unused this long
const IDLE_WARN_DAYS = 150;
const DAY = 86_400;

/** Tokens in memory (one process). */
export function memoryStore() {
  let record;
  return {
    async get() {
      return record && structuredClone(record);
    },
    async set(value) {
      if (record && record.version > value.version) return; // never overwrite a newer pair
      record = structuredClone(value);
    },
    async delete() {
      record = undefined;
    },
  };
}

/**
 * localStorage / sessionStorage. A newer pair is never overwritten by an older one. For several tabs
 * prefer indexedDbStore: browsers may sync localStorage between tabs late, so a tab can read the old pair
 * right after another tab refreshed (the session then adopts after one refused refresh).
 */
export function webStorageStore(storage, key = "ctct-oauth") {
  const read = () => {
    const text = storage.getItem(key);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    async get() {
      return read();
    },
    async set(value) {
      const current = read();
      if (current && current.version > value.version) return;
      storage.setItem(key, JSON.stringify(value));
    },
    async delete() {
      storage.removeItem(key);
    },
  };
}

/**
 * IndexedDB: consistent across the tabs of an origin, so with the session's Web Lock a tab that refreshes
 * second always finds the first tab's pair (localStorage can lag between tabs: seen here as a stale read
 * 25 ms after the other tab's write). `set` is a compare-and-set inside one transaction.
 */
export function indexedDbStore(key = "ctct-oauth", { database = "ctct-oauth" } = {}) {
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
  /** Runs `body(objectStore, setResult)` in one transaction; resolves once it has committed. */
  const transaction = async (mode, body) => {
    const conn = await open();
    return new Promise((resolve, reject) => {
      const t = conn.transaction("sessions", mode);
      let result;
      body(t.objectStore("sessions"), (r) => (result = r));
      t.oncomplete = () => resolve(result);
      t.onerror = t.onabort = () => reject(t.error);
    });
  };
  return {
    get: () =>
      transaction("readonly", (s, done) => {
        const r = s.get(key);
        r.onsuccess = () => done(r.result ?? undefined);
      }),
    set: (value) =>
      transaction("readwrite", (s) => {
        const r = s.get(key);
        r.onsuccess = () => {
          if (!(r.result && r.result.version > value.version)) s.put(value, key);
        };
      }),
    delete: () => transaction("readwrite", (s) => s.delete(key)),
  };
}

/**
 * Cloudflare Workers KV. KV is eventually consistent and has no compare-and-swap, so the version check
 * narrows but cannot close the race between isolates: for several isolates use the TokenBroker.
 */
export function kvStore(namespace, key = "ctct-oauth") {
  const read = async () => (await namespace.get(key, "json")) ?? undefined;
  return {
    get: read,
    async set(value) {
      const current = await read();
      if (current && current.version > value.version) return;
      await namespace.put(key, JSON.stringify(value));
    },
    async delete() {
      await namespace.delete(key);
    },
  };
}

const isWorkers = () => globalThis.navigator?.userAgent === "Cloudflare-Workers";

/**
 * Constant Contact allows one token request per second per client, counted when requests arrive. Each
 * client's calls go through one lane: a call starts 1 s after the previous one finished (its arrival
 * was no later than that), so they are queued, not refused. Not on Workers, where a promise shared
 * across requests may never settle; there the TokenBroker Durable Object serialises refreshes.
 */
const lanes = new Map();
function inTokenLane(key, call) {
  if (isWorkers()) return call();
  const run = (lanes.get(key) ?? Promise.resolve()).then(call);
  const free = run
    .catch(() => {})
    .then(
      () =>
        new Promise((resolve) => {
          const t = setTimeout(resolve, 1000);
          t?.unref?.(); // a waiting lane never keeps a Node process alive
        }),
    );
  lanes.set(key, free);
  free.then(() => lanes.get(key) === free && lanes.delete(key));
  return run;
}

/**
 * A Constant Contact API call: the path prefixed with apiBase (the Bearer token is only ever sent there),
 * the token and JSON headers added (only headers CC's CORS allows), a 401 answered by one refresh and one
 * retry, and a failure turned into `rate_limited` / `api_error`. `token(refused?)` provides the token.
 */
export async function apiFetch({ base, fetchFn, token, fail, sessionError, apiError }, pathOrUrl, init = {}) {
  const root = base.replace(/\/+$/, "");
  const url = typeof pathOrUrl === "string" && pathOrUrl.startsWith("/") ? root + pathOrUrl : String(pathOrUrl);
  if (!(url === root || url.startsWith(`${root}/`) || url.startsWith(`${root}?`))) throw sessionError("not_api_url");
  const send = async (bearer) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${bearer}`);
    if (!headers.has("accept")) headers.set("accept", "application/json");
    let { body } = init;
    if (body !== undefined && body !== null && typeof body === "object" && Object.getPrototypeOf(body) === Object.prototype) body = JSON.stringify(body);
    if (typeof body === "string" && !headers.has("content-type")) headers.set("content-type", "application/json");
    try {
      return await (fetchFn ?? globalThis.fetch)(url, { ...init, headers, body });
    } catch (cause) {
      const e = fail(init.signal?.aborted ? "aborted" : "network");
      Object.defineProperty(e, "cause", { value: cause, enumerable: false });
      throw e;
    }
  };
  const first = await token();
  let res = await send(first);
  if (res.status === 401) res = await send(await token(first));
  if (res.ok) return res;
  throw apiError(res.status, res.headers.get("retry-after") ?? undefined, await res.text());
}

/**
 * Makes the TokenSession class for one module instance.
 * `deps`: { isExpired, sessionError(kind), apiError(status, retryAfter, body), fail(kind), tokenSetOf(object), fetchOf(auth) }
 */
export function makeSession(deps) {
  const { isExpired, sessionError, apiError, fail, tokenSetOf, fetchOf } = deps;

  return class TokenSession {
    #auth;
    #store;
    #margin;
    #strategy;
    #clock;
    #record; // { version, tokens, refreshUsedAt }
    #loaded = false;
    #inflight = null;
    #pendingWrite = null;
    #signedOut = false;
    #listeners = new Set();
    #timer;
    #config;
    #lockName;
    #timeoutMs;

    constructor(auth, options = {}) {
      const { store = memoryStore(), refreshMarginSeconds = 300, strategy = "check-before-call", clock, lockName, timeoutMs, ...unknown } = options ?? {};
      const validStore = store && ["get", "set", "delete"].every((m) => typeof store[m] === "function");
      if (Object.keys(unknown).length || !validStore || !(refreshMarginSeconds >= 0) || !["check-before-call", "timer"].includes(strategy) || (clock !== undefined && typeof clock !== "function") || (timeoutMs !== undefined && !(timeoutMs > 0))) {
        throw sessionError("options");
      }
      this.#auth = auth;
      this.#store = store;
      this.#margin = refreshMarginSeconds;
      this.#timeoutMs = timeoutMs;
      // A timer never outlives a Workers request: there, the timer strategy falls back to check-before-call.
      this.#strategy = strategy === "timer" && isWorkers() ? "check-before-call" : strategy;
      this.#clock = clock ?? (() => Math.floor(Date.now() / 1000));
      this.#config = auth.toJSON();
      this.#lockName = typeof lockName === "string" ? lockName : `ctct-oauth ${this.#config.endpoints.token} ${this.#config.clientId}`;
    }

    #due(record) {
      return isExpired(record.tokens, { leewaySeconds: this.#margin, now: this.#clock() });
    }

    async #read() {
      try {
        return (await this.#store.get()) ?? undefined;
      } catch (cause) {
        const e = sessionError("store_read");
        Object.defineProperty(e, "cause", { value: cause, enumerable: false });
        throw e;
      }
    }

    /** Writes before releasing; on failure keeps the pair in memory and retries on the next call. */
    async #persist(record) {
      this.#pendingWrite = record;
      try {
        await this.#store.set(record);
      } catch (cause) {
        const e = sessionError("store_write");
        Object.defineProperty(e, "cause", { value: cause, enumerable: false });
        throw e;
      }
      this.#pendingWrite = null;
    }

    async #current() {
      if (this.#signedOut) throw sessionError("revoked");
      if (this.#pendingWrite) await this.#persist(this.#pendingWrite);
      if (!this.#loaded) {
        const stored = await this.#read();
        if (stored && (!this.#record || stored.version > this.#record.version)) this.#record = stored;
        this.#loaded = true;
        this.#schedule();
      }
      if (!this.#record) throw sessionError("empty");
      return this.#record;
    }

    #adopt(record) {
      this.#record = record;
      this.#emit();
      this.#schedule();
      return record;
    }

    #emit() {
      const tokens = tokenSetOf(this.#record.tokens);
      for (const listener of this.#listeners) {
        try {
          listener(tokens);
        } catch {
          // a listener's failure is its own
        }
      }
    }

    #schedule() {
      clearTimeout(this.#timer);
      if (this.#strategy !== "timer" || !this.#record?.tokens?.refreshToken) return;
      const expiresAt = this.#record.tokens.expiresAt;
      if (typeof expiresAt !== "number") return;
      const delay = Math.max(0, (expiresAt - this.#margin - this.#clock()) * 1000);
      this.#timer = setTimeout(() => this.#refreshOnce(this.#record.tokens.accessToken).catch(() => {}), Math.min(delay, 2 ** 31 - 1));
      this.#timer?.unref?.(); // never keeps a Node process alive
    }

    /** One refresh at a time; every caller shares it. `staleAccessToken`: refresh even if not due (after a 401) unless it was already replaced. */
    #refreshOnce(staleAccessToken) {
      this.#inflight ??= this.#refresh(staleAccessToken).finally(() => {
        this.#inflight = null;
      });
      return this.#inflight;
    }

    /**
     * Where the Web Locks API exists (browsers), the refresh runs under a lock shared by every tab of the
     * origin: a second tab waits, then finds the first tab's pair in the store and adopts it.
     */
    #refresh(staleAccessToken) {
      const locks = globalThis.navigator?.locks;
      if (typeof locks?.request === "function") return locks.request(this.#lockName, () => this.#refreshLocked(staleAccessToken));
      return this.#refreshLocked(staleAccessToken);
    }

    async #refreshLocked(staleAccessToken) {
      const record = this.#record;
      // Another tab, process or isolate may have refreshed already: adopt its newer pair instead.
      const stored = await this.#read();
      if (stored && stored.version > record.version) {
        this.#adopt(stored);
        if (!this.#due(stored) && stored.tokens.accessToken !== staleAccessToken) return stored;
      }
      const base = this.#record;
      const rt = base.tokens.refreshToken;
      if (!rt) throw sessionError("no_refresh_token");
      if (this.#signedOut) throw sessionError("revoked");
      let tokens;
      try {
        tokens = await inTokenLane(`${this.#config.endpoints.token} ${this.#config.clientId}`, () => this.#auth.refresh(rt, { timeoutMs: this.#timeoutMs }));
      } catch (e) {
        if (e?.code !== "invalid_grant") throw e;
        // Rotated elsewhere? Then the store has the newer pair.
        const again = await this.#read();
        if (again && again.version > base.version && again.tokens.refreshToken !== rt) return this.#adopt(again);
        const idleDays = (this.#clock() - (base.refreshUsedAt ?? this.#clock())) / DAY;
        throw sessionError(idleDays >= IDLE_LIMIT_DAYS ? "expired" : "rotated");
      }
      const next = { version: Math.max(base.version, stored?.version ?? 0) + 1, tokens: { ...tokens }, refreshUsedAt: this.#clock() };
      this.#record = next; // in memory first: whatever happens to the store, the pair is not lost
      await this.#persist(next);
      this.#emit();
      this.#schedule();
      return next;
    }

    /** Stores a token set (from exchangeCode or the device flow) as the session's current pair. */
    async setTokens(tokens) {
      if (typeof tokens?.accessToken !== "string") throw sessionError("empty");
      const version = Math.max(this.#record?.version ?? 0, (await this.#read())?.version ?? 0) + 1;
      this.#record = { version, tokens: { ...tokens }, refreshUsedAt: this.#clock() };
      this.#signedOut = false;
      this.#loaded = true;
      await this.#persist(this.#record);
      this.#emit();
      this.#schedule();
    }

    /** The current token set (from the store on first use). */
    async tokens() {
      return tokenSetOf((await this.#current()).tokens);
    }

    /**
     * A valid access token: refreshed first when it expires within the margin, once for all concurrent
     * callers. `{ refused: token }`: the API refused that token (a 401), so refresh unless it was already
     * replaced.
     */
    async accessToken({ refused } = {}) {
      const record = await this.#current();
      if (refused !== undefined && record.tokens.accessToken === refused) return (await this.#refreshOnce(refused)).tokens.accessToken;
      if (!this.#due(record)) return record.tokens.accessToken;
      return (await this.#refreshOnce()).tokens.accessToken;
    }

    /** `{ expiresAt, refreshTokenIdleDays, warnings }`; a warning when the refresh token nears the 180-day idle limit. */
    async status() {
      const record = await this.#current();
      const idle = Math.floor((this.#clock() - (record.refreshUsedAt ?? this.#clock())) / DAY);
      const warnings = [];
      if (record.tokens.refreshToken && idle >= IDLE_WARN_DAYS) {
        warnings.push(`refresh_token_idle: the refresh token was last used ${idle} days ago; Constant Contact ends it after ${IDLE_LIMIT_DAYS} idle days. Refresh now to keep the session.`);
      }
      return { expiresAt: record.tokens.expiresAt, refreshTokenIdleDays: idle, warnings };
    }

    /** Called with each new token set, after it is stored. Returns the unsubscribe function. */
    onTokens(listener) {
      this.#listeners.add(listener);
      return () => this.#listeners.delete(listener);
    }

    /**
     * fetch for the Constant Contact API: paths are prefixed with apiBase, the Bearer token and JSON
     * headers added, a 401 refreshes once and retries once, and failures become typed errors.
     */
    fetch(pathOrUrl, init) {
      return apiFetch({ base: this.#config.endpoints.apiBase, fetchFn: fetchOf(this.#auth), token: (refused) => this.accessToken({ refused }), fail, sessionError, apiError }, pathOrUrl, init);
    }

    /** Forgets the tokens (and revokes the refresh token at Constant Contact with `{ revoke: true }`). */
    async signOut({ revoke = false } = {}) {
      clearTimeout(this.#timer);
      // A session that has not loaded yet still signs out what the store holds.
      const record = this.#record ?? (await this.#read().catch(() => undefined));
      const rt = record?.tokens?.refreshToken;
      this.#signedOut = true;
      this.#record = undefined;
      this.#pendingWrite = null;
      await this.#store.delete();
      if (revoke && rt) await this.#auth.revoke(rt, "refresh_token");
    }
  };
}
