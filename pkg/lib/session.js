// TokenSession: a session that stays authorized. It keeps the token set, refreshes it once (never twice)
// when it is due, writes the new pair to the store before anyone gets the new access token, and calls
// the API with it. The module decides every number it compares: when a record is due, when its refresh
// token reaches Constant Contact's 180-day idle limit, the lock and lane settings (src/session.rs).
//   One process: one refresh in flight per session, shared by every caller.
//   Sessions sharing a coordinating store (memoryStore, redisStore, postgresStore: it has lock/renew/
//   unlock): the store's lease decides who refreshes, in one process or across a cluster; the others wait
//   and adopt the stored pair.
//   Browser tabs (a store without locks, e.g. indexedDbStore): a Web Lock around the refresh.
import { glue, inWorkers } from "./glue.js";
import { json, seconds } from "./crossing.js";
import { raise } from "./raise.js";
import { tokenSet } from "./token-set.js";
import { memoryStore } from "./stores/memory.js";
import { inLane, inClusterLane, acquire, release } from "./lane.js";
import { apiFetch, apiJson } from "./api-fetch.js";
import { sleep } from "./io.js";
import { internals } from "./internals.js";

const METHODS = ["get", "set", "delete", "lock", "renew", "unlock"];
/** The store as the module checks it: the `typeof` of each method. */
const shape = (store) =>
  store !== null && typeof store === "object" ? Object.fromEntries(METHODS.map((m) => [m, typeof store[m]])) : store;
const newer = (stored, base) => stored && stored.version > (base?.version ?? 0);
const BUSY = Symbol("busy");

/** What a fleet (./fleet.js) reaches inside a session: its expiry, and a refresh that never waits. */
export const fleetAccess = new WeakMap();

export class TokenSession {
  #auth;
  #bind;
  #store;
  #backend;
  #settings;
  #clock;
  #state = null; // { record: { version, tokens, refreshUsedAt }, facts: { expiresAt, dueAt, idleWarnAt, idleEndsAt } }
  #loaded = false;
  #inflight = null;
  #pendingWrite = null;
  #signedOut = false;
  #generation = 0; // moves on setTokens and signOut: a refresh that started before must not store its pair
  #listeners = new Set();
  #timer;
  #apiBase;
  #requests = 0; // refresh requests this session sent (a fleet tells its own from adopted ones)

  constructor(auth, options) {
    const bind = internals.get(auth);
    if (!bind) throw raise("not_a_client");
    const o = options ?? {};
    const described = typeof o === "object" ? { ...o, store: o.store === undefined ? undefined : shape(o.store) } : o;
    this.#settings = JSON.parse(bind.inner.sessionSettings(json(described)));
    this.#auth = auth;
    this.#bind = bind;
    this.#store = o.store ?? memoryStore();
    this.#backend = typeof this.#store.backend === "string" ? this.#store.backend : undefined;
    this.#clock = o.clock ?? bind.now;
    this.#apiBase = auth.toJSON().endpoints.apiBase;
    fleetAccess.set(this, {
      settings: this.#settings,
      expiresAt: async () => {
        if (!this.#loaded) await this.#load();
        return this.#state?.facts.expiresAt;
      },
      refreshUnlessBusy: () => this.#refreshUnlessBusy(),
    });
  }

  /** For a fleet's pass: refresh now (the fleet decided it is due), skipping an account another process holds. */
  async #refreshUnlessBusy() {
    if (this.#inflight) return (await this.#inflight, "refreshed");
    const before = this.#state?.record;
    if (!before) return "empty";
    const sent = this.#requests;
    const generation = this.#generation;
    const run = this.#settings.coordinated
      ? this.#refreshCoordinated(before.tokens.accessToken, generation, true)
      : this.#refresh(before.tokens.accessToken);
    this.#inflight = run.finally(() => {
      this.#inflight = null;
    });
    const record = await this.#inflight;
    if (record === BUSY) return "busy";
    return this.#requests > sent ? "refreshed" : "fresh";
  }

  #now() {
    return seconds(this.#clock);
  }

  /** The numbers kept beside a record, decided once by the module. */
  #use(record) {
    if (!record || record.signedOut) {
      this.#state = null;
      this.#signedOut = Boolean(record?.signedOut);
      return null;
    }
    const used = record.refreshUsedAt ?? this.#now();
    const facts = JSON.parse(glue.__recordFacts(json(record.tokens), used, this.#settings.marginSeconds));
    this.#state = { record, facts };
    this.#schedule();
    return record;
  }

  async #read() {
    try {
      return (await this.#store.get()) ?? undefined;
    } catch (cause) {
      throw raise("store_read", { cause, backend: this.#backend });
    }
  }

  /** Compare-and-set: false when the store already holds a newer (or the same) version. */
  async #write(record) {
    try {
      return (await this.#store.set(record)) !== false;
    } catch (cause) {
      throw raise("store_write", { cause, backend: this.#backend });
    }
  }

  async #load() {
    const stored = await this.#read();
    if (!this.#loaded && (!this.#state || newer(stored, this.#state.record))) this.#use(stored);
    this.#loaded = true;
  }

  #emit() {
    if (!this.#state) return;
    const tokens = tokenSet(this.#state.record.tokens);
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
    if (!this.#settings.timer || inWorkers() || !this.#state?.record.tokens.refreshToken) return;
    const delay = Math.max(0, (this.#state.facts.dueAt - this.#now()) * 1000);
    // The timer decided: it refreshes the pair it was set for even if the clock has not quite caught up.
    const scheduled = this.#state.record.tokens.accessToken;
    this.#timer = setTimeout(() => this.#refreshOnce(scheduled).catch(() => {}), Math.min(delay, 2 ** 31 - 1));
    this.#timer?.unref?.(); // nobody waits on it: it never keeps a Node process alive
  }

  /**
   * A valid access token: refreshed first when it is due (expiry minus `refreshMarginSeconds`), once for
   * all concurrent callers. `{ refused: token }`: the API refused that token (a 401), so refresh unless it
   * was already replaced. The path when nothing is due compares two numbers.
   */
  async accessToken({ refused } = {}) {
    if (this.#pendingWrite) await this.#retryWrite();
    if (!this.#loaded) await this.#load();
    const s = this.#state;
    if (!s) throw raise(this.#signedOut ? "signed_out" : "no_tokens");
    const fresh = refused === undefined ? this.#now() < s.facts.dueAt : s.record.tokens.accessToken !== refused;
    if (fresh) return s.record.tokens.accessToken;
    return (await this.#refreshOnce(refused)).tokens.accessToken;
  }

  /**
   * Refreshes now, once for all concurrent callers, and resolves with the new token set. A pair another
   * tab or process stored since this session last read counts as the refresh (no second request).
   */
  async refresh() {
    if (this.#pendingWrite) await this.#retryWrite();
    if (!this.#loaded) await this.#load();
    const s = this.#state;
    if (!s) throw raise(this.#signedOut ? "signed_out" : "no_tokens");
    return tokenSet((await this.#refreshOnce(s.record.tokens.accessToken)).tokens);
  }

  /** A pair whose write failed is kept in memory and written as soon as the store takes it again. */
  async #retryWrite() {
    const record = this.#pendingWrite;
    try {
      await this.#store.set(record); // false: a newer record is there, which the next read adopts
      if (this.#pendingWrite === record) this.#pendingWrite = null;
    } catch {
      // still down: the pair stays in memory, and the access token it holds keeps working
    }
  }

  #refreshOnce(refused) {
    this.#inflight ??= this.#refresh(refused).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #refresh(refused) {
    const generation = this.#generation;
    if (this.#settings.coordinated) return this.#refreshCoordinated(refused, generation);
    const locks = globalThis.navigator?.locks;
    const run = () => this.#refreshAfterReading(refused, generation, inLane);
    return typeof locks?.request === "function" ? locks.request(this.#settings.lockName, run) : run();
  }

  /**
   * Adopts the stored record when it is newer; returns it if it is usable. A record marked `failed`
   * (another process found its refresh token dead) fails here without a request of this process's own.
   */
  #adoptIfUsable(stored, refused) {
    if (newer(stored, this.#state?.record)) {
      this.#use(stored);
      this.#emit();
    }
    const s = this.#state;
    if (!s) throw raise(this.#signedOut ? "signed_out" : "no_tokens");
    if (s.record.failed) throw raise(s.record.failed === "idle_expired" ? "idle_expired" : "rotated");
    if (this.#now() < s.facts.dueAt && s.record.tokens.accessToken !== refused) return s.record;
    return null;
  }

  async #refreshAfterReading(refused, generation, lane) {
    const usable = this.#adoptIfUsable(await this.#read(), refused);
    return usable ?? this.#refreshWith(this.#state, generation, lane);
  }

  /**
   * One refresh per account across every process sharing the store: take its lease (while another
   * holder has it, wait and adopt the pair it stores), keep the lease alive while queued in the lane,
   * and release it once the new pair is written.
   */
  async #refreshCoordinated(refused, generation, skipIfBusy = false) {
    const { lockTtlMs } = this.#settings;
    let lock;
    while (!(lock = await acquire(this.#store, "refresh", lockTtlMs, 0, this.#backend))) {
      if (skipIfBusy) return BUSY;
      const stored = await this.#read();
      if (newer(stored, this.#state?.record)) {
        const usable = this.#adoptIfUsable(stored, refused);
        if (usable) return usable;
      }
      await sleep(20 + Math.random() * 30);
    }
    let lost = false;
    const renew = () =>
      this.#store.renew("refresh", lock.lease, lockTtlMs).then(
        (held) => (lost ||= !held),
        () => (lost = true),
      );
    const keeper = setInterval(renew, lockTtlMs / 3);
    keeper.unref?.(); // the refresh awaited under it holds the process; the keeper need not
    const lane = (name, gapMs, call) =>
      inClusterLane(this.#store, name, { gapMs, ttlMs: lockTtlMs, backend: this.#backend }, () => {
        // A holder whose lease ran out must not spend the refresh token: another process may have it now.
        if (lost) throw raise("store_lock", { backend: this.#backend });
        return call();
      });
    try {
      return await this.#refreshAfterReading(refused, generation, lane);
    } finally {
      clearInterval(keeper);
      await release(this.#store, "refresh", lock.lease);
    }
  }

  async #refreshWith({ record: base, facts }, generation, lane) {
    const rt = base.tokens.refreshToken;
    if (!rt) throw raise("no_refresh_token");
    let tokens;
    try {
      const { timeoutMs, lane: name, laneGapMs } = this.#settings;
      tokens = await lane(name, laneGapMs, () => {
        this.#requests += 1;
        return this.#auth.refresh(rt, { timeoutMs });
      });
    } catch (e) {
      if (e?.code !== "invalid_grant") throw e;
      // Rotated elsewhere? Then the store has the newer pair.
      const again = await this.#read();
      if (newer(again, base) && !again.signedOut && again.tokens?.refreshToken !== rt) {
        this.#use(again);
        this.#emit();
        return again;
      }
      const reason = this.#now() >= facts.idleEndsAt ? "idle_expired" : "rotated";
      // Other processes then fail without spending a request of their own on the dead token.
      if (this.#settings.coordinated) {
        await this.#store.set({ ...base, version: base.version + 1, failed: reason }).catch(() => {});
      }
      throw raise(reason === "idle_expired" ? "idle_expired" : "rotated");
    }
    if (this.#generation !== generation) {
      // Signed out (or given new tokens) while this refresh was in flight: the late pair is revoked, not kept.
      if (tokens.refreshToken) await this.#auth.revoke(tokens.refreshToken).catch(() => {});
      if (!this.#state) throw raise("signed_out");
      return this.#state.record;
    }
    const stored = await this.#read().catch(() => undefined);
    const version = Math.max(base.version, stored?.version ?? 0) + 1;
    const next = { version, tokens: { ...tokens }, refreshUsedAt: this.#now() };
    this.#use(next); // in memory first: whatever happens to the store, the pair is not lost
    let written;
    try {
      written = await this.#write(next);
    } catch (e) {
      this.#pendingWrite = next;
      throw e;
    }
    if (!written) {
      // A newer record got there first: a sign-out elsewhere (then this pair is revoked), or another pair.
      const theirs = await this.#read();
      if (theirs?.signedOut) {
        if (tokens.refreshToken) await this.#auth.revoke(tokens.refreshToken).catch(() => {});
        this.#use(theirs);
        throw raise("signed_out");
      }
      if (newer(theirs, { version: version - 1 })) {
        this.#use(theirs);
        this.#emit();
        return theirs;
      }
    }
    this.#emit();
    return next;
  }

  /** Stores a token set (from exchangeCode or the device flow) as the session's current pair. */
  async setTokens(tokens) {
    if (typeof tokens !== "object" || tokens === null) throw raise("not_json");
    const plain = { ...tokens };
    const now = this.#now();
    // Checked before anything moves (a token set needs an access token and a readable expiry).
    glue.__recordFacts(json(plain), now, this.#settings.marginSeconds);
    this.#generation++;
    const stored = await this.#read();
    const version = Math.max(this.#state?.record.version ?? 0, stored?.version ?? 0) + 1;
    const record = { version, tokens: plain, refreshUsedAt: now };
    this.#signedOut = false;
    this.#use(record);
    this.#loaded = true;
    try {
      await this.#write(record);
    } catch (e) {
      this.#pendingWrite = record;
      throw e;
    }
    this.#emit();
  }

  /** The current token set (from the store on first use). */
  async tokens() {
    if (!this.#loaded) await this.#load();
    if (!this.#state) throw raise(this.#signedOut ? "signed_out" : "no_tokens");
    return tokenSet(this.#state.record.tokens);
  }

  /** `{ expiresAt, refreshTokenIdleDays, warnings }`; a warning when the refresh token nears its 180-day limit. */
  async status() {
    if (!this.#loaded) await this.#load();
    if (!this.#state) throw raise(this.#signedOut ? "signed_out" : "no_tokens");
    const { record } = this.#state;
    return JSON.parse(glue.__sessionStatus(json(record.tokens), record.refreshUsedAt ?? this.#now(), this.#now()));
  }

  /** Called with each new token set, after it is stored. Returns the unsubscribe function. */
  onTokens(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * fetch for the Constant Contact API: resolves with the Response whatever its status (as fetch does).
   * Paths go under apiBase; the Bearer token and JSON headers are added; a 401 refreshes once and
   * retries once.
   */
  fetch(pathOrUrl, init) {
    return apiFetch(this.#api(), pathOrUrl, init);
  }

  /** The API's JSON answer; a failed call throws `api_error` or `rate_limited` with the API's own errors. */
  json(pathOrUrl, init) {
    return apiJson(this.#api(), pathOrUrl, init);
  }

  #api() {
    return { base: this.#apiBase, fetchFn: this.#bind.fetch(), token: (refused) => this.accessToken({ refused }) };
  }

  /**
   * Forgets the tokens, here and in the store (a sign-out record, so a refresh still in flight anywhere
   * finds it and revokes its late pair). With `{ revoke: true }` the refresh token is also revoked at
   * Constant Contact; that result is reported (`{ revoked, error }`), never thrown: signing out locally
   * has already succeeded.
   */
  async signOut(options) {
    const { revoke } = JSON.parse(glue.__checkOptions("SignOutOptions", json(options)));
    clearTimeout(this.#timer);
    this.#generation++;
    this.#signedOut = true;
    this.#pendingWrite = null;
    const stored = await this.#read().catch(() => undefined);
    const record = this.#state?.record ?? (stored?.signedOut ? undefined : stored);
    const rt = record?.tokens?.refreshToken;
    const version = Math.max(this.#state?.record.version ?? 0, stored?.version ?? 0) + 1;
    this.#state = null;
    this.#loaded = true;
    await this.#write({ version, signedOut: true, signedOutAt: this.#now() });
    if (!revoke || !rt) return { revoked: false };
    try {
      await this.#auth.revoke(rt, "refresh_token");
      return { revoked: true };
    } catch (error) {
      return { revoked: false, error };
    }
  }
}
