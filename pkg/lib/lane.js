// Constant Contact allows one token request per second per application, counted when requests arrive.
// Each application's token requests go through one lane: a request starts `gapMs` after the previous
// one *finished* (its arrival was no later than that), so they are queued, never refused.
//   In one process: a FIFO of turns per lane. Only the caller whose turn it is touches the store (takes
//   the account's lease, then the cluster lane), so a thousand accounts due at once cost one waiter, not
//   a thousand polling the store. No timer runs while nobody waits, so an idle lane never keeps a Node
//   process alive.
//   Across processes: the store's shared `lane:` lease, the previous request's end stamped with the
//   store's own clock, so every process of a cluster measures the gap on one clock. A stamp the store
//   lost (a restart without persistence) counts as "a request just ended": the next one waits a gap.
import { inWorkers } from "./glue.js";
import { sleep } from "./io.js";
import { raise } from "./raise.js";

/** @import { StoreLock, TokenStore } from "../index.js" */
/** @import { LockingStore } from "./stores/common.js" */

/**
 * Per lane name: the promise the next turn waits for, and (uncoordinated stores) when a request may start.
 * @type {Map<string, { tail: Promise<unknown>, readyAt: number, estimateMs: number }>}
 */
const lanes = new Map();

/** @param {string} name */
function laneOf(name) {
  let lane = lanes.get(name);
  if (!lane) lanes.set(name, (lane = { tail: Promise.resolve(), readyAt: 0, estimateMs: 100 }));
  return lane;
}

/**
 * Waits for this process's turn in lane `name`; resolves to the function that ends it (idempotent).
 * Not on Workers, where a promise shared across requests may never settle.
 * @param {string} name
 * @returns {Promise<() => void>}
 */
export async function turn(name) {
  if (inWorkers()) return () => {};
  const lane = laneOf(name);
  const before = lane.tail;
  let end = () => {}; // (the promise's executor, which runs at once, sets it)
  /** @type {Promise<void>} */
  const mine = new Promise((resolve) => (end = resolve));
  lane.tail = before.then(() => mine);
  await before;
  return end;
}

/**
 * For stores that cannot coordinate processes: waits out this process's own gap, then runs `call`.
 * @template T
 * @param {string} name
 * @param {number} gapMs
 * @param {() => Promise<T>} call
 */
export async function inLocalLane(name, gapMs, call) {
  const lane = laneOf(name);
  if (!inWorkers()) await sleep(lane.readyAt - Date.now());
  try {
    return await call();
  } finally {
    lane.readyAt = Date.now() + gapMs;
  }
}

/**
 * A lock of the store: `{ lease, now, stamp }`, `lease` null when another holds it. Store failures are typed.
 * @param {TokenStore} store one that coordinates (a session calls this only then)
 * @param {string} name
 * @param {number} ttlMs
 * @param {string | undefined} backend
 * @returns {Promise<StoreLock>}
 */
export async function lockOnce(store, name, ttlMs, backend) {
  let got;
  try {
    got = await /** @type {LockingStore} */ (store).lock(name, ttlMs);
  } catch (cause) {
    throw raise("store_lock", { cause, backend });
  }
  if (!got || typeof got.lease !== "string") return { lease: null, now: got?.now, stamp: got?.stamp ?? null };
  return got;
}

/**
 * Releases a lease; a failure is left to the lease's own expiry.
 * @param {TokenStore} store one that coordinates
 * @param {string} name
 * @param {string} lease
 * @param {boolean} [stamp] record when the lane's request ended
 */
export async function release(store, name, lease, stamp) {
  try {
    await /** @type {LockingStore} */ (store).unlock(name, lease, stamp ? { stamp: true } : undefined);
  } catch {
    // The lease lapses by itself. A stamp not written makes the next request wait a gap (the stamp's
    // absence means "a request may just have ended").
  }
}

const jitter = (/** @type {number} */ ms) => ms * (0.75 + Math.random() / 2);

/**
 * Runs `call` in the cluster-wide lane `name` of a coordinating store: takes the lane's lease, waits until
 * `gapMs` after the previous request ended, runs `call`, and stamps the end. While another process holds
 * the lane, waits for when its request should be over (from the stamp it left and how long requests
 * take here), not by polling.
 * @template T
 * @param {TokenStore} store one that coordinates
 * @param {string} name
 * @param {{ gapMs: number, ttlMs: number, backend: string | undefined }} options
 * @param {() => Promise<T>} call
 * @returns {Promise<T>}
 */
export async function inClusterLane(store, name, { gapMs, ttlMs, backend }, call) {
  const lane = laneOf(name);
  const key = `lane:${name}`;
  let backoff = 10;
  let lock;
  for (;;) {
    lock = await lockOnce(store, key, ttlMs, backend);
    if (lock.lease) break;
    // The holder starts at stamp + gap at the earliest and takes about estimateMs; then it is ours.
    const startsIn = typeof lock.stamp === "number" && typeof lock.now === "number" ? lock.stamp + gapMs - lock.now : 0;
    const wait = startsIn > 0 ? startsIn + lane.estimateMs : backoff;
    backoff = Math.min(backoff * 2, Math.max(50, lane.estimateMs));
    await sleep(jitter(wait));
  }
  try {
    // No stamp: the store lost it, or none was ever written; either way a request may just have ended.
    const now = /** @type {number} */ (lock.now); // a lease taken comes with the store's clock
    const readyAt = lock.stamp === null || lock.stamp === undefined ? now + gapMs : lock.stamp + gapMs;
    await sleep(readyAt - now);
    const sent = Date.now();
    try {
      return await call();
    } finally {
      lane.estimateMs = Math.round(lane.estimateMs * 0.7 + (Date.now() - sent) * 0.3);
    }
  } finally {
    await release(store, key, lock.lease, true);
  }
}
