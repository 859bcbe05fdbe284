// Constant Contact allows one token request per second per application, counted when requests arrive.
// Each application's token requests go through one lane: a request starts `gapMs` after the previous
// one *finished* (its arrival was no later than that), so they are queued, never refused.
//   In one process: a promise chain per lane. No timer runs while nobody waits, so an idle lane never
//   keeps a Node process alive, and a caller that waits holds it until its request is done.
//   Across processes: the store's shared `lane:` lease, the previous request's end stamped with the
//   store's own clock, so every process of a cluster measures the gap on one clock.
import { inWorkers } from "./glue.js";
import { sleep } from "./io.js";
import { raise } from "./raise.js";

const lanes = new Map();

/**
 * Runs `call` in this process's lane `name`. Not on Workers, where a promise shared across requests may never
 * settle.
 */
export function inLane(name, gapMs, call) {
  if (inWorkers()) return call();
  let lane = lanes.get(name);
  if (!lane) lanes.set(name, (lane = { tail: Promise.resolve(), readyAt: 0 }));
  const run = lane.tail.then(async () => {
    await sleep(lane.readyAt - Date.now());
    try {
      return await call();
    } finally {
      lane.readyAt = Date.now() + gapMs;
    }
  });
  lane.tail = run.catch(() => {});
  return run;
}

const POLL_MS = 25;

/**
 * Takes the store lease `name`, waiting for it while another process holds it, at most `waitMs`.
 * Resolves to the lock (`{ lease, now, stamp }`); a store failure is a typed store_error (`store_lock`).
 */
export async function acquire(store, name, ttlMs, waitMs, backend) {
  const until = Date.now() + waitMs;
  for (;;) {
    let got;
    try {
      got = await store.lock(name, ttlMs);
    } catch (cause) {
      throw raise("store_lock", { cause, backend });
    }
    if (got) return got;
    if (Date.now() >= until) return null;
    // Jittered, so processes that wait together do not ask together.
    await sleep(POLL_MS + Math.random() * POLL_MS);
  }
}

export async function release(store, name, lease, stamp) {
  try {
    await store.unlock(name, lease, stamp ? { stamp: true } : undefined);
  } catch {
    // The lease expires on its own; a stamp not written only makes the next request wait a second less
    // carefully, which the server's limit still catches as a queued 429.
  }
}

/** Runs `call` in the cluster-wide lane `name` of a coordinating store. */
export async function inClusterLane(store, name, { gapMs, ttlMs, backend }, call) {
  const lock = await acquire(store, `lane:${name}`, ttlMs, Infinity, backend);
  try {
    if (lock.stamp !== null && lock.stamp !== undefined) await sleep(lock.stamp + gapMs - lock.now);
    return await call();
  } finally {
    await release(store, `lane:${name}`, lock.lease, true);
  }
}
