// Many Constant Contact accounts under one application key: a fleet refreshes each account's token ahead of its expiry,
// in the order the module plans (crates/core/src/session.rs plan: the more accounts expire before one, the earlier it
// starts; never before half a pair's life), through the application's one token lane, so a whole cluster stays at one
// token request a second and an API call never waits for a refresh. Every process of the cluster may run the same pass
// on the same accounts: an account another process is refreshing is skipped, one it has refreshed is adopted from the
// store. An account whose sign-in has ended is reported once, then only listed (`reauthorize`, `signedOut`) until a new
// sign-in appears in its store: never locked or refreshed.
import { glue, serverGlue } from "./glue.js";
import { json, seconds } from "./crossing.js";
import { sleep } from "./io.js";
import { TokenSession, fleetAccess } from "./session.js";
import { internals } from "./internals.js";
import { raise } from "./raise.js";

/** @import { ConstantContactOAuth, FleetOptions, FleetPass, SessionOptions, TokenFleet as API } from "../index.js" */
/** @import { FleetAccess, Internals, SessionSettings } from "./types.js" */

/** Stores read at once in a pass: enough to be quick, few enough for a connection pool of ten. */
const READS_AT_ONCE = 8;

/**
 * `fn` over `items`, at most `limit` at a time, results in order.
 * @template I, O
 * @param {I[]} items
 * @param {number} limit
 * @param {(item: I, index: number) => Promise<O>} fn
 * @returns {Promise<O[]>}
 */
async function bounded(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export class TokenFleet {
  /** @type {ConstantContactOAuth} */ #auth;
  /** @type {FleetOptions["store"]} */ #store;
  /** @type {Omit<SessionOptions, "store">} */ #options;
  /** @type {Map<string, TokenSession>} */ #sessions = new Map();
  /** @type {Map<string, string>} */ #reported = new Map(); // account -> the error code + reason already reported
  #turnMs = 0; // what one refresh took in the last pass, in the clock's milliseconds (a fact the plan uses)

  /**
   * `store(account)`: the store of one account (e.g. `(id) => redisStore(redis, "ctct:" + id)`).
   * `session`: the options of every account's session (timeoutMs, lockTtlMs, tokenRequestsPerSecond, ...).
   * @param {ConstantContactOAuth} auth
   * @param {FleetOptions} options
   */
  constructor(auth, options) {
    if (!internals.get(auth)) throw raise("not_a_client");
    glue.__checkFleet(json(options));
    this.#auth = auth;
    this.#store = options.store;
    this.#options = options.session ?? {};
  }

  /** The session of one account (made once; its token set comes from the account's store). @type {API["session"]} */
  session(account) {
    let s = this.#sessions.get(account);
    if (!s)
      this.#sessions.set(
        account,
        (s = new TokenSession(this.#auth, { ...this.#options, store: this.#store(account) })),
      );
    return s;
  }

  /**
   * Files an error: in `failed` the first time it is seen for the account, then only in its list.
   * @param {FleetPass} outcome
   * @param {string} account
   * @param {any} error what the state or the refresh failed with (a CtctOAuthError, unless a bug)
   */
  #file(outcome, account, error) {
    const key = `${error?.code}:${error?.reason ?? ""}`;
    const seen = this.#reported.get(account) === key;
    this.#reported.set(account, key);
    if (error?.code === "reauthorization_required") {
      if (error.reason === "no_tokens") return outcome.empty.push(account);
      (error.reason === "revoked" ? outcome.signedOut : outcome.reauthorize).push(account);
      if (seen) return undefined;
    }
    outcome.failed.push({ account, error });
  }

  /**
   * One pass: reads each account's state and refreshes the ones the module says are due, in its order,
   * each through the application's token lane. Resolves to `{ refreshed, fresh, busy, empty, signedOut,
   * reauthorize, failed }` (account lists; `failed` holds `{ account, error }`: a store that could not be
   * read, a refresh that failed, and once, an account whose sign-in ended). For a scheduled job (cron, a
   * serverless timer), call it every few minutes; `run()` does that in a long-lived process.
   * @type {API["refreshDue"]}
   */
  async refreshDue(accounts, { signal } = {}) {
    const list = [...new Set(accounts)];
    /** @type {FleetPass} */
    const outcome = { refreshed: [], fresh: [], busy: [], empty: [], signedOut: [], reauthorize: [], failed: [] };
    const access = list.map((a) => /** @type {FleetAccess} */ (fleetAccess.get(this.session(a))));
    const states = await bounded(access, READS_AT_ONCE, (a) =>
      a.state().catch((/** @type {Error} */ error) => ({ absent: error })),
    );
    /** @type {[account: [expiresAt: number, issuedAt: number], index: number][]} */
    const live = [];
    states.forEach((state, i) => {
      if (state.absent) this.#file(outcome, list[i], state.absent);
      else {
        this.#reported.delete(list[i]);
        live.push([[state.expiresAt, state.issuedAt], i]);
      }
    });
    // (Without accounts there is nothing to plan: the settings are not used.)
    const { laneGapMs, marginSeconds } = /** @type {SessionSettings} */ (access[0]?.settings ?? {});
    const clock = /** @type {Internals} */ (internals.get(this.#auth)).clock;
    const turnMs = Math.max(laneGapMs, this.#turnMs);
    const times = JSON.stringify(live.map(([e]) => e));
    const plan = live.length
      ? (await serverGlue()).__planRefreshes(times, seconds(clock), turnMs, marginSeconds)
      : "[]";
    /** @type {number[]} */
    const turns = []; // the clock's seconds of each refresh that sent a request
    for (const k of JSON.parse(plan)) {
      if (signal?.aborted) break;
      const i = live[k][1];
      const started = clock();
      try {
        const result = await access[i].refreshUnlessBusy();
        if (result === "refreshed") turns.push(clock() - started);
        outcome[result].push(list[i]);
      } catch (error) {
        this.#file(outcome, list[i], error);
      }
    }
    // Measured, not assumed: what one refresh takes (its turn in the lane, behind other processes' turns,
    // on the clock's own speed). Only refreshes count: accounts found fresh or busy cost the lane nothing.
    // The median, smoothed: a few slow turns (a request held up, a lane lost to other processes several
    // times) must not make a whole fleet look due (measured: p50 57 ms, p99 1.3 s in tests/cluster.test.mjs).
    if (turns.length) {
      const median = turns.sort((a, b) => a - b)[Math.floor(turns.length / 2)] * 1000;
      this.#turnMs = this.#turnMs ? this.#turnMs * 0.7 + median * 0.3 : median;
    }
    return outcome;
  }

  /**
   * Passes every `intervalMs` (default a minute) until `signal` aborts; `onPass` sees each outcome. (Without
   * options it passes over no accounts, until the process ends.)
   * @type {API["run"]}
   */
  async run({ accounts, intervalMs = 60_000, signal, onPass } = /** @type {Parameters<API["run"]>[0]} */ ({})) {
    while (!signal?.aborted) {
      const list = typeof accounts === "function" ? await accounts() : accounts;
      onPass?.(await this.refreshDue(list, { signal }));
      await sleep(intervalMs, signal).catch(() => {});
    }
  }
}
