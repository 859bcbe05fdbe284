// The refresh protocol of a TokenSession (./session.js): who spends the refresh token, and when.
//   A coordinating store (lock/renew/unlock): this process's turn in the lane first (no store traffic while
//   queued), then the account's lease; while another process holds it, wait (backing off) and adopt the pair it
//   stores. The lease is renewed every third of its life, checked once more just before the request, and handed
//   to the write of the new pair, which releases it once a version at least as new is stored.
//   Any other store: the process's own lane, inside a Web Lock where there is one (browser tabs).
//   Either way the refresh token spent is one read from the store (under the lease, when there is one), and a
//   refusal of it (invalid_grant) adopts a newer stored pair, or marks the record dead for every other process.
// The session's state stays in the session: this module reaches it only through the seam the session builds for
// it (RefreshSeam, ./types.d.ts), which names everything the protocol reads or asks of the session.
import { raise } from "./raise.js";
import { turn, inLocalLane, inClusterLane, lockOnce, release } from "./lane.js";
import { sleep } from "./io.js";
import * as rec from "./record.js";

/** What a refresh that skipped an account another process holds resolves to (a fleet's pass). */
export const BUSY = Symbol("busy");

/** @import { Got, Held, Lease, RefreshSeam } from "./types.js" */
/** @import { LockingStore } from "./stores/common.js" */

/**
 * Refreshes, or adopts a pair stored meanwhile: resolves to the held record, or BUSY when `skipIfBusy` and
 * another process holds the account. `refused`: the access token the caller saw refused (or had), which a
 * usable stored pair must differ from.
 * @param {RefreshSeam} seam
 * @param {string | undefined} refused
 * @param {boolean} skipIfBusy
 * @returns {Promise<Held | typeof BUSY>}
 */
export async function refreshPair(seam, refused, skipIfBusy) {
  // A refresh token is spent only from a stored record: this session's own write (a sign-in, a pair) lands
  // first, or the refresh fails as that write does. (Spent from an unwritten sign-in, its pair could lose
  // the version to the sign-in's own rewrite, and be revoked as late.) Again under the lease, below.
  await seam.landed();
  if (seam.settings.coordinated) return refreshCoordinated(seam, refused, skipIfBusy);
  const { lane, laneGapMs } = seam.settings;
  const run = async () => {
    const endTurn = await turn(lane);
    try {
      await seam.landed();
      const { usable, base } = usableOrBase(seam, await seam.read(), refused);
      if (usable) return usable;
      return await spend(seam, base, (call) => inLocalLane(lane, laneGapMs, call), null, endTurn);
    } finally {
      endTurn();
    }
  };
  const locks = globalThis.navigator?.locks;
  return typeof locks?.request === "function" ? locks.request(seam.settings.lockName, run) : run();
}

/**
 * What the store holds now, taken: `{ usable }` (no refresh needed) or `{ base }` (to refresh from).
 * @param {RefreshSeam} seam
 * @param {Got} stored
 * @param {string | undefined} refused
 * @returns {{ usable: Held, base?: undefined } | { usable?: undefined, base: Held }}
 */
function usableOrBase(seam, stored, refused) {
  const h = seam.take(stored);
  if (!h) throw seam.absent();
  if (seam.now() < h.read.dueAt && h.tokens.accessToken !== refused) return { usable: h };
  return { base: h };
}

/**
 * One refresh per account across every process sharing the store. This process's turn in the lane
 * first (no store traffic while queued), then the account's lease: while another process holds it,
 * wait (backing off) and adopt the pair it stores.
 * @param {RefreshSeam} seam
 * @param {string | undefined} refused
 * @param {boolean} skipIfBusy
 * @returns {Promise<Held | typeof BUSY>}
 */
async function refreshCoordinated(seam, refused, skipIfBusy) {
  const { store, backend } = seam;
  const { lockTtlMs, lane, laneGapMs } = seam.settings;
  /** @type {<T>(call: () => Promise<T>) => Promise<T>} */
  const inLane = (call) => inClusterLane(store, lane, { gapMs: laneGapMs, ttlMs: lockTtlMs, backend }, call);
  for (let delay = 25; ; delay = Math.min(delay * 2, 1000)) {
    const endTurn = await turn(lane);
    /** @type {Lease | null} */
    let lease = null;
    try {
      const got = await lockOnce(store, "refresh", lockTtlMs, backend);
      if (got.lease) {
        lease = heldLease(seam, got.lease);
        await seam.landed();
        const { usable, base } = usableOrBase(seam, await seam.read(), refused);
        if (usable) return usable;
        return await spend(seam, base, inLane, lease, endTurn);
      }
    } finally {
      endTurn();
      if (lease && !lease.handedOff) await lease.release();
    }
    if (skipIfBusy) return BUSY;
    await sleep(delay * (0.75 + Math.random() / 2));
    const { usable } = usableOrBase(seam, await seam.read(), refused);
    if (usable) return usable;
  }
}

/**
 * The account's lease: renewed every third of its life while held, released once (idempotent).
 * @param {RefreshSeam} seam
 * @param {string} id
 * @returns {Lease}
 */
function heldLease(seam, id) {
  const store = /** @type {LockingStore} */ (seam.store); // (the protocol takes leases only from such a store)
  const ttl = seam.settings.lockTtlMs;
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

/**
 * The last look at the lease before spending: as close to the request as it can be.
 * @param {RefreshSeam} seam
 * @param {Lease} lease
 */
async function stillHeld(seam, lease) {
  let held;
  try {
    held = await lease.renew();
  } catch (cause) {
    throw raise("store_lock", { cause, backend: seam.backend });
  }
  if (!held) throw raise("lease_lost", { backend: seam.backend });
}

/**
 * Spends `base`'s refresh token in the lane and stores the pair at exactly one version past `base`.
 * @param {RefreshSeam} seam
 * @param {Held} base
 * @param {<T>(call: () => Promise<T>) => Promise<T>} inLane
 * @param {Lease | null} lease
 * @param {() => void} endTurn
 * @returns {Promise<Held>}
 */
async function spend(seam, base, inLane, lease, endTurn) {
  const rt = base.tokens.refreshToken;
  if (!rt) throw raise("no_refresh_token");
  let tokens;
  try {
    tokens = await inLane(async () => {
      if (lease) await stillHeld(seam, lease);
      return seam.send(rt);
    });
  } catch (e) {
    if (/** @type {{ code?: unknown } | undefined} */ (e)?.code !== "invalid_grant") throw e;
    return dead(seam, base, rt);
  } finally {
    endTurn();
  }
  if (seam.held() !== base) {
    // Signed out, given new tokens, or handed a newer record while the request was out: it no longer
    // holds what this pair replaces, so the pair is late, and revoked. (Not a counter of sign-ins: a
    // refresh queued before a sign-in reads the sign-in's record, and its pair is the sign-in's own.)
    await seam.revokeLate(tokens);
    const held = seam.held();
    if (!held) throw seam.absent();
    return held;
  }
  return seam.keep(base, tokens, lease);
}

/**
 * The server refused `base`'s refresh token: adopt a newer pair if the store has one, else mark it dead.
 * @param {RefreshSeam} seam
 * @param {Held} base
 * @param {string} rt
 * @returns {Promise<Held>}
 */
async function dead(seam, base, rt) {
  const h = seam.take(await seam.read());
  if (h && h.read.version > base.read.version && h.tokens.refreshToken !== rt) return h;
  const failed = rec.failedRecord(base.text, seam.now(), seam.skew());
  // Other sessions then fail without spending a request of their own on the dead token.
  await Promise.resolve(seam.store.set(failed.record)).catch(() => {});
  seam.take(failed.record);
  throw seam.absent();
}
