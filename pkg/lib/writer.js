// Writing a record so that a pair the server issued is never lost: a write the store fails is retried in
// the background, with backoff, until the store answers, or until a newer write of the same session takes
// its place. A write the store refuses (it holds something newer) goes back to the session, which decides
// what follows from what the store holds (a late pair is revoked; a sign-out is written after a late
// pair). Meanwhile the account's lease, when the write carries one, is kept alive and never released:
// another process must not take the lease and spend the refresh token this pair replaced. In Node the
// retry timers keep the process alive for as long as a record is unwritten.
import { sleep } from "./io.js";
import { raise } from "./raise.js";

/** @import { TokenStore } from "../index.js" */
/** @import { Job, OnRefused, WriteLease, Written } from "./types.js" */

const pause = (/** @type {number} */ delay) => sleep(delay * (0.5 + Math.random()));

/**
 * Writes `written.record` (a compare-and-set; `written`: a record the module wrote, `{ version, record }`),
 * then whatever `onRefused(stored)` returns after a refusal (another such, or null when nothing more is to
 * be written). `job.settled` resolves to "written" | "done" |
 * "superseded" (or rejects with what `onRefused` threw); `job.failed` resolves with the first store
 * error (a typed store_error), so a caller can stop waiting while the job goes on. `lease`: `{ renew(),
 * release() }` of the account lease this write must hold until it lands, or null.
 * @param {TokenStore} store
 * @param {Written} written
 * @param {{ backend: string | undefined, lease?: WriteLease | null, onRefused: OnRefused }} options
 * @returns {Job}
 */
export function startWrite(store, written, { backend, lease = null, onRefused }) {
  const userAction = written.record.signedOut === true || written.record.chain === written.version;
  const job = /** @type {Job} */ ({ version: written.version, userAction, lease, superseded: false });
  /** @type {(error: Error) => void} */
  let reportFailure = () => {}; // (the promise's executor, which runs at once, sets it)
  job.failed = new Promise((resolve) => (reportFailure = resolve));
  // A caller that needs the write now (a refresh waiting for it) cuts the backoff short: the store may be back.
  let nudged = new AbortController();
  job.nudge = () => nudged.abort();
  /**
   * Retries `fn` until the store answers, keeping the lease alive; `failure(cause)` is its typed error.
   * @template T
   * @param {() => Promise<T>} fn
   * @param {(cause: unknown) => Error} failure
   */
  const untilAnswered = async (fn, failure) => {
    for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
      if (job.superseded) return undefined;
      try {
        return await fn();
      } catch (cause) {
        reportFailure(failure(cause));
      }
      await sleep(delay * (0.5 + Math.random()), nudged.signal).catch(() => {});
      if (nudged.signal.aborted) nudged = new AbortController();
      // A renewal the store refuses (the lease lapsed while it was away) does not stop the write: its
      // compare-and-set still keeps a newer record safe.
      await job.lease?.renew().catch(() => {});
    }
  };
  job.settled = (async () => {
    let next = written;
    for (let refusals = 0; ; refusals++) {
      // A store that keeps refusing what it is told next is broken or contended: never a hot loop.
      if (refusals > 0) await pause(Math.min(25 * 2 ** refusals, 2000));
      job.version = next.version;
      const written = await untilAnswered(
        () => store.set(next.record),
        (cause) => raise("store_write", { cause, backend }),
      );
      if (job.superseded) return "superseded";
      if (written !== false) return "written";
      const stored = await untilAnswered(
        () => store.get(),
        (cause) => raise("store_read", { cause, backend }),
      );
      if (job.superseded) return "superseded";
      const following = await onRefused(stored ?? undefined);
      if (!following) return "done";
      next = following;
      job.version = following.version;
    }
  })();
  job.settled.then(
    (outcome) => outcome !== "superseded" && job.lease?.release(),
    () => job.lease?.release(),
  );
  return job;
}

/**
 * Stops `older`: `newer` takes its place and its lease (kept until a version >= it lands), or, without a
 * `newer`, nothing more is to be written (the store holds something at least as new) and the lease goes.
 * @param {Job | null} older
 * @param {Job | null} newer
 */
export function supersede(older, newer) {
  if (!older || older === newer) return;
  older.superseded = true;
  if (older.lease && newer && !newer.lease) newer.lease = older.lease;
  else older.lease?.release();
  older.lease = null;
}

/**
 * Waits for `job` to settle, at most `waitMs` once it has failed: resolves with its outcome, or rejects
 * with its store_error while the job goes on in the background.
 * @param {Job} job
 * @param {number} waitMs
 * @returns {Job["settled"]}
 */
export async function awaitWrite(job, waitMs) {
  const failure = await Promise.race([job.settled.then(() => null), job.failed]);
  if (failure === null) return job.settled;
  let timer;
  const limit = new Promise((resolve) => (timer = setTimeout(resolve, waitMs, "timeout")));
  try {
    const outcome = await Promise.race([job.settled, limit]);
    if (outcome === "timeout") throw failure;
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}
