/**
 * A session store in a directory, for the processes of one machine (the `ctct-oauth` command, scripts run
 * in parallel): Node, Deno and Bun. The contract (shared with the other stores) is in ./README.md.
 *
 * Every change is a new file created with link(2), which fails if the name exists: an atomic
 * compare-and-set on any local file system, with no lock file to go stale and no native module.
 *   r-<version>.json             the record's versions; the highest is the record
 *   l-<name hash>-<seq>.json     a lease's states ({ lease, expires, stamp }); the highest seq is current
 * Readers take the highest; older files are removed once newer ones exist. Lane names (`lane:...`) live
 * in `lanes` (default: `.lanes` beside the directory), shared by every file store that names the same
 * one. Files are mode 0600, directories 0700; a new record is flushed to disk before it counts.
 *
 * Why not a lock file with a lease in it (the usual way): breaking a stale lock races with a holder that
 * was only slow; a seq file taken by link(2) cannot be taken twice.
 */
import { createHash, randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, readdir, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { LANE, attempt, checkName, checkRecord, checkTtl, isVersion, newLease, parseRecord } from "./common.js";

/** @import { LockingStore } from "./common.js" */
/** @typedef {{ [field: string]: any }} LeaseState a lease file's JSON ({ lease, expires, stamp }), as read */

const BACKEND = "file";
const RECORD = /^r-(\d{1,16})\.json$/;
const KEEP = 3; // versions kept: a reader that listed the directory a moment ago still finds its file

/**
 * Creates `dir/name` with `text`, atomically and only if it does not exist: true if created. `durable`:
 * the contents reach the disk first (the caller flushes the directory entry).
 * @param {string} dir
 * @param {string} name
 * @param {string} text
 * @param {boolean} durable
 */
async function create(dir, name, text, durable) {
  const temp = join(dir, `.tmp-${randomBytes(8).toString("hex")}`);
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(text);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, join(dir, name));
    return true;
  } catch (e) {
    if (e?.code === "EEXIST") return false;
    throw e;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** @param {string} dir */
async function syncDir(dir) {
  const handle = await open(dir, "r").catch(() => null);
  await handle?.sync().catch(() => {});
  await handle?.close();
}

/**
 * The files of `dir` (none if it does not exist yet).
 * @param {string} dir
 * @returns {Promise<string[]>}
 */
const list = (dir) => readdir(dir).catch((e) => (e?.code === "ENOENT" ? [] : Promise.reject(e)));

/**
 * Reads a file that may be removed as it is read: undefined then.
 * @param {string} file
 * @returns {Promise<string | undefined>}
 */
const readIfThere = (file) =>
  readFile(file, "utf8").catch((e) => (e?.code === "ENOENT" ? undefined : Promise.reject(e)));

/**
 * @param {string} dir the account's directory, e.g. "~/.ctct-oauth/tokens" (created on first write)
 * @param {{ lanes?: string | undefined }} [options] where lane leases live (default: `.lanes` beside `dir`)
 * @returns {LockingStore & { readonly dir: string }}
 */
export function fileStore(dir, options = {}) {
  if (typeof dir !== "string" || dir === "") throw new TypeError("fileStore: dir must be a non-empty path");
  const lanes = options.lanes ?? join(dirname(dir), ".lanes");
  /** @type {Map<string, Promise<unknown>>} */
  const ready = new Map();
  /** @param {string} d */
  const ensure = (d) => {
    if (!ready.has(d))
      ready.set(
        d,
        mkdir(d, { recursive: true, mode: 0o700 }).catch((e) => (ready.delete(d), Promise.reject(e))),
      );
    return ready.get(d);
  };
  const leaseDir = (/** @type {string} */ name) => (name.startsWith(LANE) ? lanes : dir);
  const prefix = (/** @type {string} */ name) => `l-${createHash("sha256").update(name).digest("hex").slice(0, 24)}-`;

  /**
   * The versions in the directory, highest first. A file named for a version the library could not have
   * written (beyond 2^53 - 1) is not a record: any write replaces it, as the other stores do.
   */
  async function versions() {
    return (await list(dir))
      .map((f) => Number(RECORD.exec(f)?.[1]))
      .filter(isVersion)
      .sort((a, b) => b - a);
  }

  /**
   * The current state of lease `name`: `{ seq, state }` (seq 0 and no state when it never existed).
   * @param {string} name
   * @returns {Promise<{ seq: number, state: LeaseState | null }>}
   */
  async function current(name) {
    const d = leaseDir(name);
    const p = prefix(name);
    for (;;) {
      const seqs = (await list(d))
        .filter((f) => f.startsWith(p) && f.endsWith(".json"))
        .map((f) => Number(f.slice(p.length, -5)))
        .filter(Number.isSafeInteger)
        .sort((a, b) => b - a);
      if (seqs.length === 0) return { seq: 0, state: null };
      const text = await readIfThere(join(d, `${p}${seqs[0]}.json`));
      if (text === undefined) continue; // removed as a newer one appeared: look again
      let state;
      try {
        state = JSON.parse(text);
      } catch {
        state = null; // not ours to read: a new state replaces it
      }
      // Older states go once a newer one exists; one is kept for readers that listed a moment ago.
      for (const old of seqs.slice(2)) unlink(join(d, `${p}${old}.json`)).catch(() => {});
      return { seq: seqs[0], state };
    }
  }

  /**
   * Moves lease `name` from `seq` to its next state; false if another process moved it first.
   * @param {string} name
   * @param {number} seq
   * @param {LeaseState} state
   */
  async function advance(name, seq, state) {
    const d = leaseDir(name);
    await ensure(d);
    return create(d, `${prefix(name)}${seq + 1}.json`, JSON.stringify(state), false);
  }

  return {
    backend: BACKEND,
    dir,

    get: () =>
      attempt(BACKEND, "get", async () => {
        for (;;) {
          const [top] = await versions();
          if (top === undefined) return undefined;
          const text = await readIfThere(join(dir, `r-${top}.json`));
          if (text !== undefined) return parseRecord(text, top);
        }
      }),

    async set(record) {
      checkRecord(record, "fileStore");
      return attempt(BACKEND, "set", async () => {
        const [top] = await versions();
        if (top >= record.version) return false;
        await ensure(dir);
        if (!(await create(dir, `r-${record.version}.json`, `${JSON.stringify(record, null, 2)}\n`, true)))
          return false;
        await syncDir(dir);
        const all = await versions();
        // A higher version appeared meanwhile: the store holds something newer, so this one did not count.
        if (all[0] > record.version) return false;
        for (const old of all.slice(KEEP)) await unlink(join(dir, `r-${old}.json`)).catch(() => {});
        return true;
      });
    },

    delete: () =>
      attempt(BACKEND, "delete", async () => {
        for (const v of await versions()) await unlink(join(dir, `r-${v}.json`)).catch(() => {});
      }),

    async lock(name, ttlMs) {
      checkName(name, "fileStore.lock");
      const ttl = checkTtl(ttlMs, "fileStore.lock");
      return attempt(BACKEND, "lock", async () => {
        for (;;) {
          const { seq, state } = await current(name);
          const now = Date.now();
          const stamp = typeof state?.stamp === "number" ? state.stamp : null;
          if (state?.lease && state.expires > now) return { lease: null, now, stamp };
          const lease = newLease();
          if (await advance(name, seq, { lease, expires: now + ttl, stamp })) return { lease, now, stamp };
        }
      });
    },

    async renew(name, lease, ttlMs) {
      checkName(name, "fileStore.renew");
      const ttl = checkTtl(ttlMs, "fileStore.renew");
      return attempt(BACKEND, "renew", async () => {
        for (;;) {
          const { seq, state } = await current(name);
          const now = Date.now();
          if (state?.lease !== lease || !(state.expires > now)) return false;
          if (await advance(name, seq, { ...state, expires: now + ttl })) return true;
        }
      });
    },

    async unlock(name, lease, unlockOptions = {}) {
      checkName(name, "fileStore.unlock");
      return attempt(BACKEND, "unlock", async () => {
        for (;;) {
          const { seq, state } = await current(name);
          const now = Date.now();
          const held = state?.lease === lease && state.expires > now;
          if (!held && !unlockOptions?.stamp) return false;
          const next = held ? { lease: null, expires: 0, stamp: state.stamp ?? null } : { ...state };
          if (unlockOptions?.stamp) next.stamp = now;
          if (await advance(name, seq, next)) return held;
        }
      });
    },
  };
}
