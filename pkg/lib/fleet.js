// Many Constant Contact accounts under one application key: a fleet refreshes each account's token
// ahead of its expiry, in the order the module plans (src/session.rs plan: the more accounts expire
// before one, the earlier it starts), through the application's one token lane, so a whole cluster stays
// at one token request a second and an API call never waits for a refresh. Every process of the cluster
// may run the same pass on the same accounts: an account another process is refreshing is skipped, one it
// has refreshed is adopted from the store.
import { glue, serverGlue } from "./glue.js";
import { json, seconds } from "./crossing.js";
import { sleep } from "./io.js";
import { TokenSession, fleetAccess } from "./session.js";
import { internals } from "./internals.js";
import { raise } from "./raise.js";

export class TokenFleet {
  #auth;
  #store;
  #options;
  #sessions = new Map();
  #turnMs = 0; // what one refresh took in the last pass, in the clock's milliseconds (a fact the plan uses)

  /**
   * `store(account)`: the store of one account (e.g. `(id) => redisStore(redis, "ctct:" + id)`).
   * `session`: the options of every account's session (timeoutMs, lockTtlMs, tokenRequestsPerSecond, ...).
   */
  constructor(auth, options) {
    if (!internals.get(auth)) throw raise("not_a_client");
    glue.__checkFleet(json(options));
    this.#auth = auth;
    this.#store = options.store;
    this.#options = options.session ?? {};
  }

  /** The session of one account (made once; its token set comes from the account's store). */
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
   * One pass: reads each account's expiry and refreshes the ones the module says are due, in its order,
   * each through the application's token lane. Resolves to `{ refreshed, fresh, busy, empty, failed }`
   * (account lists; `failed` holds `{ account, error }`). For a scheduled job (cron, a serverless timer),
   * call it every few minutes; `run()` does that in a long-lived process.
   */
  async refreshDue(accounts, { signal } = {}) {
    const list = [...accounts];
    const access = list.map((a) => fleetAccess.get(this.session(a)));
    const outcome = { refreshed: [], fresh: [], busy: [], empty: [], failed: [] };
    const expiries = await Promise.all(access.map((a) => a.expiresAt().catch(() => null)));
    const known = expiries.map((e, i) => [e, i]).filter(([e]) => typeof e === "number");
    for (const [e, i] of expiries.map((e, i) => [e, i])) if (typeof e !== "number") outcome.empty.push(list[i]);
    const { laneGapMs, marginSeconds } = access[0]?.settings ?? {};
    const clock = internals.get(this.#auth).clock;
    const start = clock();
    const turnMs = Math.max(laneGapMs, this.#turnMs);
    const times = JSON.stringify(known.map(([e]) => e));
    const plan = known.length
      ? (await serverGlue()).__planRefreshes(times, seconds(clock), turnMs, marginSeconds)
      : "[]";
    const order = JSON.parse(plan);
    for (const k of order) {
      if (signal?.aborted) break;
      const i = known[k][1];
      try {
        outcome[await access[i].refreshUnlessBusy()].push(list[i]);
      } catch (error) {
        outcome.failed.push({ account: list[i], error });
      }
    }
    // Measured, not assumed: the lane's real pace, other processes' turns and the clock's own speed.
    if (outcome.refreshed.length) this.#turnMs = ((clock() - start) * 1000) / outcome.refreshed.length;
    return outcome;
  }

  /** Passes every `intervalMs` (default a minute) until `signal` aborts; `onPass` sees each outcome. */
  async run({ accounts, intervalMs = 60_000, signal, onPass } = {}) {
    while (!signal?.aborted) {
      const list = typeof accounts === "function" ? await accounts() : accounts;
      onPass?.(await this.refreshDue(list, { signal }));
      await sleep(intervalMs, signal).catch(() => {});
    }
  }
}
