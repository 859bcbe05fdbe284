// TokenSession: a session that stays authorized. It refreshes its token pair once (never twice) when it is due, stores
// the new pair before anyone gets its access token, and calls the API with it. The module reads every record and writes
// every change to it (crates/core/src/record.rs): when a record is due, which version a write takes, why a refresh
// token is dead. This file holds the state and does the I/O; one refresh is in flight per session, shared by every
// caller. Who refreshes across tabs, processes and a cluster is ./refresh.js's protocol, which reaches this state only
// through the session's seam (#seam). A refresh writes its pair at exactly one version past the record it spent, so
// anything written meanwhile (a sign-out, a newer sign-in) wins and the late pair is revoked.
import { glue, inWorkers } from "./glue.js";
import { json, seconds, sessionOptions } from "./crossing.js";
import { raise } from "./raise.js";
import { tokenSet } from "./token-set.js";
import { memoryStore } from "./stores/memory.js";
import { startWrite, supersede, awaitWrite } from "./writer.js";
import * as rec from "./record.js";
import { apiFetch, apiJson } from "./api-fetch.js";
import { internals } from "./internals.js";
import { BUSY, refreshPair } from "./refresh.js";

/** @import { ConstantContactOAuth, SessionOptions, TokenSet, TokenStore, TokenSession as API } from "../index.js" */
/** @import { FleetAccess, Got, Held, Internals, Job, OnRefused, RefreshSeam } from "./types.js" */
/** @import { SessionSettings, WriteLease, Written } from "./types.js" */

/** A session that found no tokens looks at its store again after this long (a sign-in elsewhere). */
const REREAD_MS = 1000;

/** What a fleet (./fleet.js) reaches inside a session: its state, and a refresh that never waits. */
export const fleetAccess = /** @type {WeakMap<object, FleetAccess>} */ (new WeakMap());

export class TokenSession {
  /** @type {ConstantContactOAuth} */ #auth;
  /** @type {Internals} */ #bind;
  /** @type {TokenStore} */ #store;
  /** @type {string | undefined} */ #backend;
  /** @type {SessionSettings} */ #settings;
  /** @type {() => unknown} */ #clock;
  /** @type {Held | null} */ #held = null; // the token record this session holds (read: the module's facts)
  /** @type {() => Error} */ #absent = () => raise("no_tokens"); // without one: the error to raise
  #version = 0; // the newest version seen or written
  #chain = 0; // the sign-in this session holds
  #readAt = -Infinity;
  #loaded = false;
  #skew = 0; // seconds the server's clock is ahead of this session's, as last measured
  /** @type {ReturnType<typeof refreshPair> | null} */ #inflight = null;
  /** @type {Job | null} */ #job = null; // the record being written
  /** @type {Set<(tokens: TokenSet) => void>} */ #listeners = new Set();
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #timer;
  /** @type {string} */ #apiBase;
  #requests = 0; // refresh requests this session sent (a fleet tells its own from adopted ones)
  /** @type {RefreshSeam} */ #seam; // what the refresh protocol (./refresh.js) reaches of this session

  /** @param {ConstantContactOAuth} auth @param {SessionOptions} [options] (public methods: index.d.ts's types) */
  constructor(auth, options) {
    const bind = internals.get(auth);
    if (!bind) throw raise("not_a_client");
    const o = options ?? {};
    this.#settings = JSON.parse(bind.inner.sessionSettings(sessionOptions(o)));
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
        return h ? { expiresAt: h.read.expiresAt, issuedAt: h.read.issuedAt ?? 0 } : { absent: this.#absent() };
      },
      refreshUnlessBusy: () => this.#refreshUnlessBusy(),
    });
    this.#seam = {
      store: this.#store,
      backend: this.#backend,
      settings: this.#settings,
      now: () => this.#now(),
      read: () => this.#read(),
      take: (stored) => (this.#take(stored), this.#held),
      held: () => this.#held,
      landed: async () => {
        while (this.#job) {
          this.#job.nudge();
          await awaitWrite(this.#job, this.#graceMs());
        }
      },
      absent: () => this.#absent(),
      skew: () => this.#skew,
      send: (rt) => {
        this.#requests += 1;
        return this.#bind.refresh(rt, { timeoutMs: this.#settings.timeoutMs }, () => this.#now());
      },
      keep: (base, tokens, lease) => this.#keep(base, tokens, lease),
      revokeLate: (tokens, stored) => this.#revokeLate(tokens, stored),
    };
  }

  #now() {
    return seconds(this.#clock);
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
   * `force`: the write was refused, so the stored record is the newer one. @param {Got} stored
   */
  #take(stored, force = false) {
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
    // While a write is pending, the record being written is newer than any stored at its version or below
    // (written elsewhere meanwhile, the write's refusal decides what follows); and a sign-in or sign-out being
    // written is the user's last word, which no stored refresh of an earlier sign-in replaces.
    const job = this.#job;
    if (job && !force && (r.version <= job.version || (job.userAction && r.kind === "tokens" && r.chain !== r.version)))
      return;
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
    const tokens = /** @type {{ tokens: TokenSet }} */ (stored).tokens; // (the module read a record with tokens)
    // The same record (a pair written at the same version by someone else is another record).
    const same = before?.read.version === r.version && before.read.chain === r.chain;
    if (same && before.tokens.refreshToken === tokens?.refreshToken) return;
    // The stored set's times are its writer's; this session reads them on its own clock.
    this.#held = { text, read: r, tokens: tokenSet({ ...tokens, expiresAt: r.expiresAt, clockSkew: this.#skew }) };
    this.#chain = r.chain;
    this.#schedule();
    if (before) this.#emit();
  }

  /** Holds a record this session wrote (or is writing). @param {Written} written @param {TokenSet} tokens */
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

  /**
   * Writes `written` (a record of the module's) durably; `onRefused(stored)` decides what follows a refusal.
   * @param {Written} written @param {{ lease?: WriteLease | null, emit?: boolean, onRefused: OnRefused }} how
   */
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
   * was already replaced. The path when nothing is due compares two numbers. @type {API["accessToken"]}
   */
  async accessToken({ refused } = {}) {
    const h = this.#held;
    if (h && refused === undefined && this.#now() < h.read.dueAt) return h.tokens.accessToken;
    await this.#ensureLoaded();
    const held = this.#held;
    if (!held) throw this.#absent();
    const fresh = refused === undefined ? this.#now() < held.read.dueAt : held.tokens.accessToken !== refused;
    if (fresh) return held.tokens.accessToken;
    return (await this.#refreshOnce(refused)).tokens.accessToken;
  }

  /**
   * Refreshes now, once for all concurrent callers, and resolves with the new token set. A pair another
   * tab or process stored since this session last read counts as the refresh (no second request).
   * @type {API["refresh"]}
   */
  async refresh() {
    await this.#ensureLoaded();
    if (!this.#held) throw this.#absent();
    return tokenSet((await this.#refreshOnce(this.#held.tokens.accessToken)).tokens);
  }

  /** @param {string | undefined} refused @returns {Promise<Held>} */
  async #refreshOnce(refused) {
    for (;;) {
      this.#inflight ??= refreshPair(this.#seam, refused, false).finally(() => (this.#inflight = null));
      const held = await this.#inflight;
      if (held !== BUSY) return held; // a fleet's pass skipped it: refresh for this caller
    }
  }

  /** For a fleet's pass: refresh now (the fleet decided it is due), skipping an account another process holds. */
  async #refreshUnlessBusy() {
    if (this.#inflight) return (await this.#inflight) === BUSY ? "busy" : "refreshed";
    if (!this.#held) return "empty";
    const sent = this.#requests;
    this.#inflight = refreshPair(this.#seam, this.#held.tokens.accessToken, true).finally(
      () => (this.#inflight = null),
    );
    if ((await this.#inflight) === BUSY) return "busy";
    return this.#requests > sent ? "refreshed" : "fresh";
  }

  /**
   * Holds a refreshed pair (in memory first: whatever the store does, the pair is held) and writes it at
   * exactly one version past `base`; the write takes the account's lease, when there is one, and releases
   * it once a version at least as new is stored. Resolves to the held record, after the write or the grace.
   * @type {RefreshSeam["keep"]}
   */
  async #keep(base, tokens, lease) {
    const next = rec.refreshedRecord(base.read, json(tokens), this.#now());
    this.#skew = next.skew;
    this.#hold(next, tokens);
    const onRefused = async (/** @type {Got} */ stored) => {
      // The store holds something newer (a sign-out, a newer sign-in): this pair is late.
      this.#take(stored, true);
      await this.#revokeLate(tokens, stored);
      return null;
    };
    const job = this.#write(next, { lease, emit: true, onRefused });
    if (lease) lease.handedOff = true; // released by the write once a version >= this one is stored
    await awaitWrite(job, this.#graceMs());
    if (!this.#held) throw this.#absent();
    return this.#held;
  }

  /** A late pair: revoked, unless the store holds it (long-lived tokens repeat). @type {RefreshSeam["revokeLate"]} */
  async #revokeLate(tokens, stored) {
    const rt = tokens.refreshToken;
    if (rt && rt !== stored?.tokens?.refreshToken) await this.#auth.revoke(rt).catch(() => {});
  }

  /** Stores a token set (from exchangeCode or the device flow) as the current pair. @type {API["setTokens"]} */
  async setTokens(tokens) {
    if (typeof tokens !== "object" || tokens === null) throw raise("not_json");
    const text = json({ ...tokens });
    const written = (/** @type {number} */ seen) => rec.signedInRecord(seen, text, this.#now());
    written(this.#version); // checked before anything moves
    const stored = await this.#read().catch(() => undefined);
    const next = written(Math.max(this.#version, rec.versionOf(stored, this.#now())));
    const late = this.#job && this.#held?.tokens;
    this.#skew = next.skew;
    this.#hold(next, JSON.parse(text));
    this.#loaded = true;
    const onRefused = async (/** @type {Got} */ s) => written(Math.max(this.#version, rec.versionOf(s, this.#now())));
    const job = this.#write(next, { emit: true, onRefused });
    if (late) await this.#revokeLate(late);
    await awaitWrite(job, this.#graceMs());
  }

  /**
   * Resolves once every record this session received or wrote is stored. When the store is failing, it
   * waits `timeoutMs` and then rejects with the store_error; the write goes on in the background.
   * @type {API["flush"]}
   */
  async flush() {
    while (this.#job) await awaitWrite(this.#job, this.#settings.timeoutMs);
  }

  /** The current token set (from the store on first use). @type {API["tokens"]} */
  async tokens() {
    await this.#ensureLoaded();
    if (!this.#held) throw this.#absent();
    return tokenSet(this.#held.tokens);
  }

  /**
   * `{ expiresAt, refreshTokenIdleDays, pendingWrite, warnings }`; a warning when the refresh token nears its
   * 180-day limit, and `pendingWrite` while a pair is held but not yet stored. @type {API["status"]}
   */
  async status() {
    await this.#ensureLoaded();
    if (!this.#held) throw this.#absent();
    return rec.recordStatus(this.#held.text, this.#now(), this.#skew, Boolean(this.#job));
  }

  /** Called with each new token set, after it is stored. Returns the unsubscribe function. @type {API["onTokens"]} */
  onTokens(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * fetch for the Constant Contact API: resolves with the Response whatever its status (as fetch does).
   * Paths go under apiBase; the Bearer token and JSON headers are added; a 401 refreshes once and
   * retries once. @type {API["fetch"]}
   */
  fetch(pathOrUrl, init) {
    return apiFetch(this.#api(), pathOrUrl, init);
  }

  /** The API's JSON answer; a failed call throws `api_error`/`rate_limited` with its own errors. @type {API["json"]} */
  json(pathOrUrl, init) {
    return apiJson(this.#api(), pathOrUrl, init);
  }

  /** @returns {import("./api-fetch.js").Caller} */
  #api() {
    return { base: this.#apiBase, fetchFn: this.#bind.fetch(), token: (refused) => this.accessToken({ refused }) };
  }

  /**
   * Forgets the tokens, here and in the store (a sign-out record, so a refresh still in flight anywhere
   * finds it and revokes its late pair). With `{ revoke: true }` the refresh token is also revoked at
   * Constant Contact; that result is reported (`{ revoked, error }`), never thrown: signing out locally
   * has already succeeded. @type {API["signOut"]}
   */
  async signOut(options) {
    const { revoke } = JSON.parse(glue.__checkOptions("SignOutOptions", json(options)));
    clearTimeout(this.#timer);
    /** @type {Got | null} */
    let stored;
    try {
      stored = await this.#read();
    } catch {
      stored = null; // unknown: the write below decides again once the store answers
    }
    const rt = (this.#held?.tokens ?? (this.#loaded ? undefined : stored?.tokens))?.refreshToken;
    const [chain, version, now, skew] = [this.#chain, this.#version, this.#now(), this.#skew];
    const decide = (/** @type {Got | null} */ s) =>
      rec.signedOutRecord(s === null ? undefined : rec.recordText(s), chain, version, now, skew);
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
