/**
 * A session store on Redis, for node-redis (v4+: `createClient()` or `createCluster()`) or ioredis
 * (`new Redis()` or `new Redis.Cluster()`) clients that the caller created and connected. Every
 * operation is one command on one key (a hash read, DEL, or a Lua script through EVALSHA/EVAL), so it
 * is atomic on the server and works on Redis Cluster whatever the keys are named: no script touches two
 * keys, so none can fail with CROSSSLOT.
 * The contract (shared with the other stores) is in ./README.md.
 *
 * Keys: the record is a hash at `key` (`version`, kept where a script can always read it, and `record`,
 * the JSON); a lease `name` is a hash at `<scope>:lock:<name>` (`lease`, `expires`, `stamp`), where the
 * scope is `key` for account names (e.g. "refresh") and the namespace for names starting with "lane:"
 * (shared by every store of the namespace). Times are the server's (TIME), in ms.
 *
 * No import of any Redis package: the caller brings the client.
 */
import { LANE, STAMP_TTL_MS, attempt, checkName, checkRecord } from "./common.js";
import { checkTtl, isVersion, newLease, parseRecord } from "./common.js";

/** @import { LockingStore } from "./common.js" */
/** @typedef {"set" | "lock" | "renew" | "unlock"} Script */
/** @typedef {(key: string, args: string[]) => Promise<any>} Send one command about `key`; the client's reply */

const BACKEND = "Redis";

// Lua's numbers are doubles: milliseconds since 1970 are built as a string from TIME's seconds and
// microseconds, exactly, and written with %.0f. Scripts return integers or arrays only (no booleans:
// RESP2 and RESP3 differ). A missing field reads as false.
const NOW_MS =
  "local t = redis.call('TIME') local now = tonumber(t[1] .. string.format('%03d', math.floor(t[2] / 1000)))";
const MS = (/** @type {string} */ x) => `string.format('%.0f', ${x})`;
// A stored version the library could have written: anything else is replaced by any write.
const VERSION = "local v = tonumber(redis.call('HGET', KEYS[1], 'version'))";
const USABLE = "v and v >= 1 and v <= 9007199254740991 and v == math.floor(v)";

const SCRIPTS = {
  // KEYS[1] record; ARGV[1] the record's JSON, ARGV[2] its version. 1 if written.
  set: `local t = redis.call('TYPE', KEYS[1])
t = t.ok or t
if t == 'hash' then
  ${VERSION}
  if ${USABLE} and v >= tonumber(ARGV[2]) then return 0 end
elseif t ~= 'none' then
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'record', ARGV[1])
return 1`,
  // KEYS[1] lease hash; ARGV[1] lease, ARGV[2] ttl ms, ARGV[3] stamp ttl ms. {taken (1/0), now, stamp}.
  lock: `${NOW_MS}
local h = redis.call('HMGET', KEYS[1], 'lease', 'expires', 'stamp')
if h[1] and tonumber(h[2]) and tonumber(h[2]) > now then return {0, now, h[3]} end
redis.call('HSET', KEYS[1], 'lease', ARGV[1], 'expires', ${MS("now + tonumber(ARGV[2])")})
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[2]), tonumber(ARGV[3])))
return {1, now, h[3]}`,
  // KEYS[1] lease hash; ARGV[1] lease, ARGV[2] ttl ms, ARGV[3] stamp ttl ms. 1 if the lease still held it.
  renew: `${NOW_MS}
local h = redis.call('HMGET', KEYS[1], 'lease', 'expires')
if h[1] ~= ARGV[1] or not (tonumber(h[2]) and tonumber(h[2]) > now) then return 0 end
redis.call('HSET', KEYS[1], 'expires', ${MS("now + tonumber(ARGV[2])")})
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[2]), tonumber(ARGV[3])))
return 1`,
  // KEYS[1] lease hash; ARGV[1] lease, ARGV[2] "1" to stamp, ARGV[3] stamp ttl ms. 1 if released.
  unlock: `${NOW_MS}
local h = redis.call('HMGET', KEYS[1], 'lease', 'expires')
local released = 0
if h[1] == ARGV[1] and tonumber(h[2]) and tonumber(h[2]) > now then
  redis.call('HDEL', KEYS[1], 'lease', 'expires')
  released = 1
end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'stamp', ${MS("now")})
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
end
return released`,
};

/** SHA-1 hex of each script, computed once (Web Crypto: no Node import, works in every runtime). */
/** @type {Partial<Record<Script, Promise<string>>>} */
const shas = {};
/** @param {Script} name */
function sha1(name) {
  shas[name] ??= crypto.subtle
    .digest("SHA-1", new TextEncoder().encode(SCRIPTS[name]))
    .then((d) => Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join(""));
  return shas[name];
}

/**
 * A function sending one raw command (`args`, strings) about `key` on any of the four clients: a cluster
 * client routes it by that key. The clients' own types are theirs: to the type check, `any`.
 * @param {any} client
 * @returns {Send}
 */
function commandSender(client) {
  // ioredis (Redis and Redis.Cluster) has `call(cmd, ...args)`, and routes by the command's keys itself.
  if (client && typeof client.call === "function") return (key, args) => client.call(...args);
  // node-redis's cluster client takes the key that picks the node first.
  if (client && typeof client.sendCommand === "function" && typeof client.nodeClient === "function") {
    return (key, args) => client.sendCommand(key, false, args);
  }
  if (client && typeof client.sendCommand === "function") return (key, args) => client.sendCommand(args);
  throw new TypeError("redisStore: expected a connected node-redis (createClient, createCluster) or ioredis client");
}

/**
 * @param {any} client a connected node-redis or ioredis client (single or cluster)
 * @param {string} key the account's record key, e.g. "ctct:account-42"
 * @param {{ namespace?: string }} [options] lane leases live under `namespace` (default "ctct-oauth")
 * @returns {LockingStore & { key: string }}
 */
export function redisStore(client, key, options = {}) {
  const send = commandSender(client);
  if (typeof key !== "string" || key === "") throw new TypeError("redisStore: key must be a non-empty string");
  const namespace = options.namespace ?? "ctct-oauth";
  const leaseKey = (/** @type {string} */ name) => `${name.startsWith(LANE) ? namespace : key}:lock:${name}`;

  /**
   * Runs a script by hash; loads it by EVAL when the server does not know it (first use, restart, flush).
   * @param {Script} name
   * @param {string} k the one key it touches
   * @param {string[]} args
   */
  async function script(name, k, args) {
    const tail = ["1", k, ...args];
    try {
      return await send(k, ["EVALSHA", await sha1(name), ...tail]);
    } catch (e) {
      if (!String(e?.message).startsWith("NOSCRIPT")) throw e;
      return send(k, ["EVAL", SCRIPTS[name], ...tail]);
    }
  }

  const stampTtl = String(STAMP_TTL_MS);
  return {
    backend: BACKEND,
    key,

    get: () =>
      attempt(BACKEND, "get", async () => {
        let reply;
        try {
          reply = await send(key, ["HMGET", key, "version", "record"]);
        } catch (e) {
          // Something else is at the key: not a record this library can read (a write replaces it).
          if (String(e?.message).startsWith("WRONGTYPE")) return { version: null, unreadable: "wrong_type" };
          throw e;
        }
        const [v, text] = Array.isArray(reply) ? reply : [];
        if (text === null || text === undefined) return undefined;
        const version = Number(v);
        return parseRecord(String(text), isVersion(version) ? version : null);
      }),

    async set(record) {
      checkRecord(record, "redisStore");
      const json = JSON.stringify(record);
      return attempt(
        BACKEND,
        "set",
        async () => Number(await script("set", key, [json, String(record.version)])) === 1,
      );
    },

    delete: () =>
      attempt(BACKEND, "delete", async () => {
        await send(key, ["DEL", key]);
      }),

    async lock(name, ttlMs) {
      const k = leaseKey(checkName(name, "redisStore.lock"));
      const px = String(checkTtl(ttlMs, "redisStore.lock"));
      const lease = newLease();
      return attempt(BACKEND, "lock", async () => {
        const [taken, now, stamp] = await script("lock", k, [lease, px, stampTtl]);
        const at = stamp === null || stamp === undefined || stamp === false ? null : Number(stamp);
        return { lease: Number(taken) === 1 ? lease : null, now: Number(now), stamp: at };
      });
    },

    async renew(name, lease, ttlMs) {
      const k = leaseKey(checkName(name, "redisStore.renew"));
      const px = String(checkTtl(ttlMs, "redisStore.renew"));
      return attempt(
        BACKEND,
        "renew",
        async () => Number(await script("renew", k, [String(lease), px, stampTtl])) === 1,
      );
    },

    async unlock(name, lease, unlockOptions = {}) {
      const k = leaseKey(checkName(name, "redisStore.unlock"));
      const args = [String(lease), unlockOptions?.stamp ? "1" : "0", stampTtl];
      return attempt(BACKEND, "unlock", async () => Number(await script("unlock", k, args)) === 1);
    },
  };
}
