/**
 * A session store on Redis, for node-redis (v4+, `createClient()`) or ioredis clients that the caller
 * created and connected. Every operation is one raw command (GET, DEL, or a Lua script through
 * EVALSHA/EVAL), so both clients behave the same and every compare-and-set is atomic on the server.
 * The contract (shared with the PostgreSQL store) is in ./README.md.
 *
 * Keys: the record is the JSON string at `key`; a lock `name` lives at `<scope>:lock:<name>` and its stamp
 * at `<scope>:stamp:<name>`, where the scope is `key` for account names (e.g. "refresh") and the
 * namespace for names starting with "lane:" (shared by every store of the namespace).
 *
 * No import of any Redis package: the caller brings the client.
 */

const BACKEND = "Redis";
const LANE = "lane:";
/** Stamps outlive their last writer by an hour (the contract's minimum). */
const STAMP_TTL_MS = 3_600_000;

// Lua's numbers are doubles: milliseconds since 1970 are built as a string from TIME's seconds and
// microseconds, exactly. Scripts return integers or arrays only (no booleans: RESP2 and RESP3 differ).
const NOW_MS = "local t = redis.call('TIME') local now = t[1] .. string.format('%03d', math.floor(t[2] / 1000))";

const SCRIPTS = {
  // KEYS[1] record; ARGV[1] the record's JSON, ARGV[2] its version. 1 if written. A stored record whose
  // version cannot be read is not "newer" and is replaced.
  set: `local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, rec = pcall(cjson.decode, cur)
  local v = ok and type(rec) == 'table' and tonumber(rec['version'])
  if v and v >= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1`,
  // KEYS[1] lock, KEYS[2] stamp; ARGV[1] lease, ARGV[2] ttl ms. {now, stamp or nil} if taken, else 0.
  lock: `${NOW_MS}
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
return {now, redis.call('GET', KEYS[2])}`,
  // KEYS[1] lock; ARGV[1] lease, ARGV[2] ttl ms. 1 if the lease still held the lock.
  renew: `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
  // KEYS[1] lock, KEYS[2] stamp; ARGV[1] lease, ARGV[2] "1" to stamp, ARGV[3] stamp ttl ms. 1 if released.
  unlock: `local released = 0
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) released = 1 end
if ARGV[2] == '1' then
  ${NOW_MS}
  redis.call('SET', KEYS[2], now, 'PX', ARGV[3])
end
return released`,
};

/** SHA-1 hex of each script, computed once (Web Crypto: no Node import, works in every runtime). */
const shas = {};
function sha1(name) {
  shas[name] ??= crypto.subtle
    .digest("SHA-1", new TextEncoder().encode(SCRIPTS[name]))
    .then((d) => Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join(""));
  return shas[name];
}

/** The one error a store rejects with: which backend, which operation, and the client's error as cause. */
function storeError(operation, cause) {
  const detail = String(cause?.message ?? cause)
    .split("\n")[0]
    .slice(0, 200);
  const err = new Error(`${BACKEND} store: ${operation} failed: ${detail}`, { cause });
  err.name = "StoreError";
  err.backend = BACKEND;
  err.operation = operation;
  return err;
}

/** JSON.parse, minus its error message: that quotes the text, and the text holds tokens. */
function parseRecord(text) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error("the stored record is not valid JSON");
  }
}

/** A function sending one raw command (array of strings) on either client. */
function commandSender(client) {
  // ioredis has both `call(cmd, ...args)` and a `sendCommand(Command)` of its own: test `call` first.
  if (client && typeof client.call === "function") return (args) => client.call(...args);
  if (client && typeof client.sendCommand === "function") return (args) => client.sendCommand(args);
  throw new TypeError("redisStore: expected a connected node-redis (createClient) or ioredis client");
}

/** A random lease id: 16 bytes, hex. */
function newLease() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function ttl(ms, operation) {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) {
    throw new TypeError(`redisStore.${operation}: ttlMs must be a positive number of milliseconds`);
  }
  return String(Math.ceil(ms));
}

function lockName(name, operation) {
  if (typeof name !== "string" || name === "") throw new TypeError(`redisStore.${operation}: name must be a string`);
  return name;
}

/**
 * @param client a connected node-redis or ioredis client
 * @param {string} key the account's record key, e.g. "ctct:account-42"
 * @param {{ namespace?: string }} [options] lane locks live under `namespace` (default "ctct-oauth")
 */
export function redisStore(client, key, options = {}) {
  const send = commandSender(client);
  if (typeof key !== "string" || key === "") throw new TypeError("redisStore: key must be a non-empty string");
  const namespace = options.namespace ?? "ctct-oauth";
  const scope = (name) => (name.startsWith(LANE) ? namespace : key);
  const lockKey = (name) => `${scope(name)}:lock:${name}`;
  const stampKey = (name) => `${scope(name)}:stamp:${name}`;

  /** Runs a script by hash; loads it by EVAL when the server does not know it (first use, restart, flush). */
  async function script(name, keys, args) {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await send(["EVALSHA", await sha1(name), ...tail]);
    } catch (e) {
      if (!String(e?.message).startsWith("NOSCRIPT")) throw e;
      return send(["EVAL", SCRIPTS[name], ...tail]);
    }
  }

  /** Runs `fn`, turning any failure of the client or server into a StoreError for `operation`. */
  async function op(operation, fn) {
    try {
      return await fn();
    } catch (e) {
      throw storeError(operation, e);
    }
  }

  return {
    backend: BACKEND,
    key,

    get: () =>
      op("get", async () => {
        const raw = await send(["GET", key]);
        if (raw === null || raw === undefined) return undefined;
        return parseRecord(String(raw));
      }),

    set(record) {
      if (!record || typeof record !== "object" || !Number.isSafeInteger(record.version)) {
        return Promise.reject(new TypeError("redisStore.set: record must be an object with an integer version"));
      }
      const json = JSON.stringify(record);
      return op("set", async () => Number(await script("set", [key], [json, String(record.version)])) === 1);
    },

    delete: () =>
      op("delete", async () => {
        await send(["DEL", key]);
      }),

    async lock(name, ttlMs) {
      lockName(name, "lock");
      const px = ttl(ttlMs, "lock");
      const lease = newLease();
      return op("lock", async () => {
        const reply = await script("lock", [lockKey(name), stampKey(name)], [lease, px]);
        if (!Array.isArray(reply)) return null;
        const stamp = reply[1] === null || reply[1] === undefined ? null : Number(reply[1]);
        return { lease, now: Number(reply[0]), stamp };
      });
    },

    async renew(name, lease, ttlMs) {
      lockName(name, "renew");
      const px = ttl(ttlMs, "renew");
      return op("renew", async () => Number(await script("renew", [lockKey(name)], [String(lease), px])) === 1);
    },

    async unlock(name, lease, unlockOptions = {}) {
      lockName(name, "unlock");
      const args = [String(lease), unlockOptions?.stamp ? "1" : "0", String(STAMP_TTL_MS)];
      return op("unlock", async () => Number(await script("unlock", [lockKey(name), stampKey(name)], args)) === 1);
    },
  };
}
