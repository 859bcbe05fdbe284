// TokenSession: a session that stays authorized. It refreshes its token pair once (never twice) when it is
// due, stores the new pair before anyone gets its access token, and calls the API with it. The module
// reads every record and writes every change to it (src/record.rs): when a record is due, which version a
// write takes, why a refresh token is dead. This file holds the state and does the I/O.
//   One process: one refresh in flight per session, shared by every caller.
//   Sessions sharing a coordinating store (memoryStore, fileStore, redisStore, postgresStore: it has
//   lock/renew/unlock): the account's lease in the store decides who refreshes, in one process or across a
//   cluster; the others wait and adopt the stored pair. A refresh spends only a refresh token it read from
//   the store under the lease, and writes its pair at exactly one version past it, so anything written
//   meanwhile (a sign-out, a newer sign-in) wins and the late pair is revoked.
//   Browser tabs (a store without locks, e.g. indexedDbStore): a Web Lock around the refresh.
import { glue, inWorkers } from "./glue.js";
import { json, seconds } from "./crossing.js";
import { raise } from "./raise.js";
import { tokenSet } from "./token-set.js";
import { memoryStore } from "./stores/memory.js";
import { turn, inLocalLane, inClusterLane, lockOnce, release } from "./lane.js";
import { startWrite, supersede, awaitWrite } from "./writer.js";
import * as rec from "./record.js";
import { apiFetch, apiJson } from "./api-fetch.js";
import { sleep } from "./io.js";
import { internals } from "./internals.js";

const METHODS = ["get", "set", "delete", "lock", "renew", "unlock"];
/** The store as the module checks it: the `typeof` of each method. */
const shape = (store) =>
  store !== null && typeof store === "object" ? Object.fromEntries(METHODS.map((m) => [m, typeof store[m]])) : store;
const BUSY = Symbol("busy");
/** A session that found no tokens looks at its store again after this long (a sign-in elsewhere). */
const REREAD_MS = 1000;

/** What a fleet (./fleet.js) reaches inside a session: its state, and a refresh that never waits. */
export const fleetAccess = new WeakMap();

export class TokenSession {
  #auth;
  #bind;
  #store;
  #backend;
  #settings;
  #clock;
  #held = null; // { text, read, tokens }: the token record this session holds (read: the module's facts)
  #absent = () => raise("no_tokens"); // without one: the error to raise (a record's kind, or the module's)
  #version = 0; // the newest version seen or written
  #chain = 0; // the sign-in this session holds
  #readAt = -Infinity;
  #loaded = false;
  #skew = 0; // seconds the server's clock is ahead of this session's, as last measured
  #inflight = null;
  #job = null; // the record being written
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
      state: async () => {
        await this.#ensureLoaded();
        const h = this.#held;
        return h ? { expiresAt: h.read.expiresAt, issuedAt: h.read.refreshUsedAt } : { absent: this.#absentError() };
      },
      refreshUnlessBusy: () => this.#refreshUnlessBusy(),
    });
  }

  #now() {
    return seconds(this.#clock);
  }

  #absentError() {
    return this.#absent();
  }

  /** Loads once; without tokens, looks again at most once a second (a sign-in stored by another process). */
  async #ensureLoaded() {
    if (!this.#loaded || (!this.#held && Date.now() - this.#readAt >= REREAD_MS)) {
      this.#take(await this.#read());
      this.#loaded = true;
    }
  }

  async #read() {
    let stored;
    try {
      stored = await this.#store.get();
    } catch (cause) {
      throw raise("store_read", { cause, backend: this.#backend });
    }
    this.#readAt = Date.now();
    return stored ?? undefined;
  }

  /**
   * Holds what the store holds, unless this session is still writing something newer. A record the module
   * cannot use leaves the session without tokens, with that error to raise (a sign-in replaces it).
   */
  #take(stored) {
    const text = rec.recordText(stored);
    let r;
    try {
      r = rec.readRecord(text, this.#now(), this.#skew, this.#settings.marginSeconds);
    } catch (e) {
      if (e?.reason !== "invalid_record") throw e;
      if (!this.#job) [this.#held, this.#absent] = [null, () => e];
      return;
    }
    this.#version = Math.max(this.#version, r.version);
    if (this.#job && r.version < this.#job.version) return;
    const before = this.#held;
    if (r.kind !== "tokens") {
      this.#held = null;
      this.#absent =
        r.kind === "empty"
          ? () => raise("no_tokens")
          : r.kind === "signed_out"
            ? () => raise("signed_out")
            : () => raise(r.reason === "idle_expired" ? "idle_expired" : "rotated");
      this.#chain = r.chain;
      clearTimeout(this.#timer);
      return;
    }
    // The same record (a pair written at the same version by someone else is another record).
    const same = before?.read.version === r.version && before.read.chain === r.chain;
    if (same && before.tokens.refreshToken === stored.tokens?.refreshToken) return;
    // The stored set's times are its writer's; this session reads them on its own clock.
    this.#held = {
      text,
      read: r,
      tokens: tokenSet({ ...stored.tokens, expiresAt: r.expiresAt, clockSkew: this.#skew }),
    };
    this.#chain = r.chain;
    this.#schedule();
    if (before) this.#emit();
  }

  /** Holds a record this session wrote (or is writing). */
  #hold(written, tokens) {
    const read = rec.readRecord(written.text, this.#now(), this.#skew, this.#settings.marginSeconds);
    this.#held = { text: written.text, read, tokens: tokenSet({ ...tokens, expiresAt: read.expiresAt }) };
    this.#version = Math.max(this.#version, written.version);
    this.#chain = read.chain;
    this.#schedule();
  }

  #emit() {
    if (!this.#held) return;
    const tokens = tokenSet(this.#held.tokens);
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
    if (!this.#settings.timer || inWorkers() || !this.#held?.tokens.refreshToken) return;
    const delay = Math.max(0, (this.#held.read.dueAt - this.#now()) * 1000);
    // The timer decided: it refreshes the pair it was set for even if the clock has not quite caught up.
    const scheduled = this.#held.tokens.accessToken;
    this.#timer = setTimeout(() => this.#refreshOnce(scheduled).catch(() => {}), Math.min(delay, 2 ** 31 - 1));
    this.#timer?.unref?.(); // nobody waits on it: it never keeps a Node process alive
  }

  /**
   * How long a call waits for a write the store failed before it reports the failure (the write goes on):
   * long enough for a reconnect or a failover blip, short enough not to hold an API call for long.
   */
  #graceMs() {
    return Math.min(this.#settings.timeoutMs, 1000);
  }

  /** Writes `written` (a record of the module's) durably; `onRefused(stored)` decides what follows a refusal. */
  #write(written, { lease = null, emit = false, onRefused }) {
    const job = startWrite(this.#store, written, { backend: this.#backend, lease, onRefused });
    supersede(this.#job, job);
    this.#job = job;
    job.settled.then(
      (outcome) => {
        if (this.#job === job) this.#job = null;
        if (emit && outcome === "written") this.#emit();
      },
      () => this.#job === job && (this.#job = null),
    );
    return job;
  }

  /**
   * A valid access token: refreshed first when it is due (expiry minus `refreshMarginSeconds`), once for
   * all concurrent callers. `{ refused: token }`: the API refused that token (a 401), so refresh unless it
   * was already replaced. The path when nothing is due compares two numbers.
   */
  async accessToken({ refused } = {}) {
    const h = this.#held;
    if (h && refused === undefined && this.#now() < h.read.dueAt) return h.tokens.accessToken;
    await this.#ensureLoaded();
    const held = this.#held;
    if (!held) throw this.#absentError();
    const fresh = refused === undefined ? this.#now() < held.read.dueAt : held.tokens.accessToken !== refused;
    if (fresh) return held.tokens.accessToken;
    return (await this.#refreshOnce(refused)).tokens.accessToken;
  }

  /**
   * Refreshes now, once for all concurrent callers, and resolves with the new token set. A pair another
   * tab or process stored since this session last read counts as the refresh (no second request).
   */
  async refresh() {
    await this.#ensureLoaded();
    if (!this.#held) throw this.#absentError();
    return tokenSet((await this.#refreshOnce(this.#held.tokens.accessToken)).tokens);
  }

  async #refreshOnce(refused) {
    for (;;) {
      this.#inflight ??= this.#refresh(refused, false).finally(() => (this.#inflight = null));
      const held = await this.#inflight;
      if (held !== BUSY) return held; // a fleet's pass skipped it: refresh for this caller
    }
  }

  /** For a fleet's pass: refresh now (the fleet decided it is due), skipping an account another process holds. */
  async #refreshUnlessBusy() {
    if (this.#inflight) return (await this.#inflight) === BUSY ? "busy" : "refreshed";
    if (!this.#held) return "empty";
    const sent = this.#requests;
    this.#inflight = this.#refresh(this.#held.tokens.accessToken, true).finally(() => (this.#inflight = null));
    if ((await this.#inflight) === BUSY) return "busy";
    return this.#requests > sent ? "refreshed" : "fresh";
  }

  /** What the store holds now, taken: `{ usable }` (no refresh needed) or `{ base }` (to refresh from). */
  #usableOrBase(stored, refused) {
    this.#take(stored);
    const h = this.#held;
    if (!h) throw this.#absentError();
    if (this.#now() < h.read.dueAt && h.tokens.accessToken !== refused) return { usable: h };
    return { base: h };
  }

  async #refresh(refused, skipIfBusy) {
    if (this.#settings.coordinated) return this.#refreshCoordinated(refused, skipIfBusy);
    const { lane, laneGapMs } = this.#settings;
    const run = async () => {
      const endTurn = await turn(lane);
      try {
        const { usable, base } = this.#usableOrBase(await this.#read(), refused);
        if (usable) return usable;
        return await this.#spend(base, (call) => inLocalLane(lane, laneGapMs, call), null, endTurn);
      } finally {
        endTurn();
      }
    };
    const locks = globalThis.navigator?.locks;
    return typeof locks?.request === "function" ? locks.request(this.#settings.lockName, run) : run();
  }

  /**
   * One refresh per account across every process sharing the store. This process's turn in the lane
   * first (no store traffic while queued), then the account's lease: while another process holds it,
   * wait (backing off) and adopt the pair it stores.
   */
  async #refreshCoordinated(refused, skipIfBusy) {
    const { lockTtlMs, lane, laneGapMs } = this.#settings;
    const inLane = (call) =>
      inClusterLane(this.#store, lane, { gapMs: laneGapMs, ttlMs: lockTtlMs, backend: this.#backend }, call);
    for (let delay = 25; ; delay = Math.min(delay * 2, 1000)) {
      const endTurn = await turn(lane);
      let lease = null;
      try {
        const got = await lockOnce(this.#store, "refresh", lockTtlMs, this.#backend);
        if (got.lease) {
          lease = this.#lease(got.lease);
          const { usable, base } = this.#usableOrBase(await this.#read(), refused);
          if (usable) return usable;
          return await this.#spend(base, inLane, lease, endTurn);
        }
      } finally {
        endTurn();
        if (lease && !lease.handedOff) await lease.release();
      }
      if (skipIfBusy) return BUSY;
      await sleep(delay * (0.75 + Math.random() / 2));
      const { usable } = this.#usableOrBase(await this.#read(), refused);
      if (usable) return usable;
    }
  }

  /** The account's lease: renewed every third of its life while held, released once (idempotent). */
  #lease(id) {
    const store = this.#store;
    const ttl = this.#settings.lockTtlMs;
    let released = false;
    const lease = {
      handedOff: false,
      renew: () => store.renew("refresh", id, ttl),
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(keeper);
        await release(store, "refresh", id);
      },
    };
    const keeper = setInterval(() => lease.renew().catch(() => {}), ttl / 3);
    keeper.unref?.(); // what runs under the lease holds the process; the keeper need not
    return lease;
  }

  /** The last look at the lease before spending: as close to the request as it can be. */
  async #stillHeld(lease) {
    let held;
    try {
      held = await lease.renew();
    } catch (cause) {
      throw raise("store_lock", { cause, backend: this.#backend });
    }
    if (!held) throw raise("lease_lost", { backend: this.#backend });
  }

  /** Spends `base`'s refresh token in the lane and stores the pair at exactly one version past `base`. */
  async #spend(base, inLane, lease, endTurn) {
    const rt = base.tokens.refreshToken;
    if (!rt) throw raise("no_refresh_token");
    let tokens;
    try {
      tokens = await inLane(async () => {
        if (lease) await this.#stillHeld(lease);
        this.#requests += 1;
        return this.#bind.refresh(rt, { timeoutMs: this.#settings.timeoutMs }, () => this.#now());
      });
    } catch (e) {
      if (e?.code !== "invalid_grant") throw e;
      return this.#dead(base, rt);
    } finally {
      endTurn();
    }
    if (this.#held !== base) {
      // Signed out, given new tokens, or handed a newer record while the request was out: it no longer
      // holds what this pair replaces, so the pair is late, and revoked. (Not a counter of sign-ins: a
      // refresh queued before a sign-in reads the sign-in's record, and its pair is the sign-in's own.)
      await this.#revokeLate(tokens);
      if (!this.#held) throw this.#absentError();
      return this.#held;
    }
    const next = rec.refreshedRecord(base.read, json(tokens), this.#now());
    this.#skew = next.skew;
    this.#hold(next, tokens); // in memory first: whatever the store does, the pair is held
    const onRefused = async (stored) => {
      // The store holds something newer (a sign-out, a newer sign-in): this pair is late.
      this.#take(stored);
      await this.#revokeLate(tokens, stored);
      return null;
    };
    const job = this.#write(next, { lease, emit: true, onRefused });
    if (lease) lease.handedOff = true; // released by the write once a version >= this one is stored
    await awaitWrite(job, this.#graceMs());
    if (!this.#held) throw this.#absentError();
    return this.#held;
  }

  /** A pair that must not be kept: revoked, unless it is what the store holds (long-lived tokens repeat). */
  async #revokeLate(tokens, stored) {
    const rt = tokens.refreshToken;
    if (rt && rt !== stored?.tokens?.refreshToken) await this.#auth.revoke(rt).catch(() => {});
  }

  /** The server refused `base`'s refresh token: adopt a newer pair if the store has one, else mark it dead. */
  async #dead(base, rt) {
    this.#take(await this.#read());
    const h = this.#held;
    if (h && h.read.version > base.read.version && h.tokens.refreshToken !== rt) return h;
    const failed = rec.failedRecord(base.text, this.#now(), this.#skew);
    // Other sessions then fail without spending a request of their own on the dead token.
    await Promise.resolve(this.#store.set(failed.record)).catch(() => {});
    this.#take(failed.record);
    throw this.#absentError();
  }

  /** Stores a token set (from exchangeCode or the device flow) as the session's current pair. */
  async setTokens(tokens) {
    if (typeof tokens !== "object" || tokens === null) throw raise("not_json");
    const text = json({ ...tokens });
    const written = (seen) => rec.signedInRecord(seen, text, this.#now());
    written(this.#version); // checked before anything moves
    const stored = await this.#read().catch(() => undefined);
    const next = written(Math.max(this.#version, this.#versionOf(stored)));
    const late = this.#job && this.#held?.tokens;
    this.#skew = next.skew;
    this.#hold(next, JSON.parse(text));
    this.#loaded = true;
    const onRefused = async (s) => written(Math.max(this.#version, this.#versionOf(s)));
    const job = this.#write(next, { emit: true, onRefused });
    if (late) await this.#revokeLate(late);
    await awaitWrite(job, this.#graceMs());
  }

  /** The version of a stored record, or 0 when it has none this library can use. */
  #versionOf(stored) {
    try {
      return rec.readRecord(rec.recordText(stored), this.#now(), 0, 0).version;
    } catch {
      // Unusable, but the store may still know its version (a record it cannot parse).
      return Number.isSafeInteger(stored?.version) && stored.version > 0 ? stored.version : 0;
    }
  }

  /**
   * Resolves once every record this session received or wrote is stored. When the store is failing, it
   * waits `timeoutMs` and then rejects with the store_error; the write goes on in the background.
   */
  async flush() {
    while (this.#job) await awaitWrite(this.#job, this.#settings.timeoutMs);
  }

  /** The current token set (from the store on first use). */
  async tokens() {
    await this.#ensureLoaded();
    if (!this.#held) throw this.#absentError();
    return tokenSet(this.#held.tokens);
  }

  /**
   * `{ expiresAt, refreshTokenIdleDays, pendingWrite, warnings }`; a warning when the refresh token nears its
   * 180-day limit, and `pendingWrite` while a pair is held but not yet stored.
   */
  async status() {
    await this.#ensureLoaded();
    if (!this.#held) throw this.#absentError();
    return rec.recordStatus(this.#held.text, this.#now(), this.#skew, Boolean(this.#job));
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
    let stored;
    try {
      stored = await this.#read();
    } catch {
      stored = null; // unknown: the write below decides again once the store answers
    }
    const rt = (this.#held?.tokens ?? (this.#loaded ? undefined : stored?.tokens))?.refreshToken;
    const [chain, version, now, skew] = [this.#chain, this.#version, this.#now(), this.#skew];
    const decide = (s) => rec.signedOutRecord(s === null ? undefined : rec.recordText(s), chain, version, now, skew);
    const next = decide(stored);
    [this.#held, this.#absent, this.#loaded] = [null, () => raise("signed_out"), true];
    if (next) {
      this.#version = Math.max(this.#version, next.version);
      const job = this.#write(next, { onRefused: async (s) => decide(s) });
      await awaitWrite(job, this.#graceMs());
    } else {
      supersede(this.#job, null);
      this.#job = null;
    }
    if (!revoke || typeof rt !== "string") return { revoked: false };
    try {
      await this.#auth.revoke(rt, "refresh_token");
      return { revoked: true };
    } catch (error) {
      return { revoked: false, error };
    }
  }
}
