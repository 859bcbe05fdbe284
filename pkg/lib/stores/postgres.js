/**
 * A session store on PostgreSQL, for a `pg` Pool (or anything with `query(text, values)` resolving to
 * `{ rows, rowCount }`) that the caller created. Every compare-and-set is one statement, so it is atomic
 * without a transaction: records by INSERT ... ON CONFLICT ... WHERE version < new version, leases by the
 * same upsert with an expiry from the server's clock_timestamp(). The contract (shared with the other
 * stores) and the tables are in ./README.md; the statements are `statements()` below.
 *
 * Locks: one row per (scope, name), where the scope is the store's key for account names (e.g. "refresh")
 * and the namespace for names starting with "lane:" (shared by every store of the namespace). The row also
 * keeps the name's stamp, so it outlives its lease.
 *
 * No import of any PostgreSQL package: the caller brings the pool.
 */
import { LANE, attempt, checkName, checkRecord, checkTtl, isVersion, newLease, parseRecord } from "./common.js";

/** @import { PostgresStoreOptions } from "../../index.js" */
/** @import { LockingStore } from "./common.js" */
/** @typedef {{ query(text: string, values?: unknown[]): Promise<any> }} Pool a `pg` Pool; its answers are `any` */

const BACKEND = "PostgreSQL";
const DEFAULTS = { table: "ctct_oauth_sessions", locksTable: "ctct_oauth_locks", namespace: "ctct-oauth" };

/**
 * A table name as SQL: each dot-separated part quoted ("schema.table" stays schema-qualified).
 * @param {unknown} name
 */
function ident(name) {
  if (typeof name !== "string" || name === "") throw new TypeError("postgresStore: table names must be strings");
  return name
    .split(".")
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join(".");
}

/**
 * The DDL the store runs on first use (idempotent); run it yourself and pass `createTable: false` if you prefer.
 * @param {{ table?: string | undefined, locksTable?: string | undefined }} [options]
 */
export function postgresSchema(options = {}) {
  const table = ident(options.table ?? DEFAULTS.table);
  const locks = ident(options.locksTable ?? DEFAULTS.locksTable);
  return `CREATE TABLE IF NOT EXISTS ${table} (
  key        text PRIMARY KEY,
  version    bigint NOT NULL,
  record     jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS ${locks} (
  scope      text NOT NULL,
  name       text NOT NULL,
  lease      text,
  expires_at timestamptz,
  stamp      bigint,
  PRIMARY KEY (scope, name)
);`;
}

/** The DDL with the default table names. */
export const POSTGRES_SCHEMA = postgresSchema();

// Milliseconds since 1970 on the server's clock (clock_timestamp(): real time, not the transaction's start).
const ms = (/** @type {string} */ t) => `floor(extract(epoch FROM ${t}) * 1000)::bigint`;

/**
 * @param {string} table quoted
 * @param {string} locks quoted
 */
function statements(table, locks) {
  const ttl = "$4::float8 * interval '1 millisecond'";
  return {
    // The version as text: pg reads bigint as a string anyway, and one beyond 2^53 must not be rounded.
    get: `SELECT version::text AS version, record FROM ${table} WHERE key = $1`,
    // A stored version the library could not have written is replaced by any write.
    set: `INSERT INTO ${table} AS s (key, version, record, updated_at)
VALUES ($1, $2, $3::jsonb, clock_timestamp())
ON CONFLICT (key) DO UPDATE SET version = EXCLUDED.version, record = EXCLUDED.record, updated_at = EXCLUDED.updated_at
WHERE s.version < EXCLUDED.version OR s.version NOT BETWEEN 1 AND 9007199254740991`,
    delete: `DELETE FROM ${table} WHERE key = $1`,
    // Taken iff no row, or its lease is released or expired; concurrent callers queue on the row and
    // re-check the WHERE against the winner's row, so exactly one gets `taken`. A caller refused gets the
    // holder's row as this statement saw it (its stamp: when the previous holder's request ended).
    lock: `WITH c AS (SELECT clock_timestamp() AS now), taken AS (
INSERT INTO ${locks} AS l (scope, name, lease, expires_at)
SELECT $1, $2, $3, c.now + ${ttl} FROM c
ON CONFLICT (scope, name) DO UPDATE SET lease = EXCLUDED.lease, expires_at = EXCLUDED.expires_at
WHERE l.expires_at IS NULL OR l.expires_at <= (SELECT now FROM c)
RETURNING l.stamp)
SELECT true AS taken, (SELECT ${ms("now")} FROM c) AS now, stamp FROM taken
UNION ALL
SELECT false, (SELECT ${ms("now")} FROM c), l.stamp FROM ${locks} l
WHERE l.scope = $1 AND l.name = $2 AND NOT EXISTS (SELECT 1 FROM taken)`,
    renew: `UPDATE ${locks} SET expires_at = clock_timestamp() + ${ttl}
WHERE scope = $1 AND name = $2 AND lease = $3 AND expires_at > clock_timestamp()`,
    release: `UPDATE ${locks} SET lease = NULL, expires_at = NULL
WHERE scope = $1 AND name = $2 AND lease = $3 AND expires_at > clock_timestamp()`,
    stamp: `INSERT INTO ${locks} AS l (scope, name, stamp) VALUES ($1, $2, ${ms("clock_timestamp()")})
ON CONFLICT (scope, name) DO UPDATE SET stamp = EXCLUDED.stamp`,
  };
}

// Errors of two sessions creating the same table at the same moment (CREATE TABLE IF NOT EXISTS is not
// safe against that): unique_violation on pg_type, duplicate_table, duplicate_object. A retry then sees it.
const CREATE_RACE = new Set(["23505", "42P07", "42710"]);

/**
 * Creates the two tables unless they exist: once per pool and table pair in a process (a failed attempt is
 * forgotten, so the next call retries). Existence is checked first because CREATE TABLE IF NOT EXISTS
 * still needs the CREATE privilege on the schema, which an application's role often lacks (PostgreSQL 15
 * no longer grants it on `public`), even when the tables are there.
 */
/** @type {WeakMap<Pool, Map<string, Promise<void>>>} */
const created = new WeakMap();
/**
 * @param {Pool} pool
 * @param {PostgresStoreOptions} options
 */
function ensureTables(pool, options) {
  const names = [options.table ?? DEFAULTS.table, options.locksTable ?? DEFAULTS.locksTable].map(ident);
  const id = names.join(" ");
  let byTables = created.get(pool);
  if (!byTables) created.set(pool, (byTables = new Map()));
  let done = byTables.get(id);
  if (!done) {
    done = (async () => {
      const { rows } = await pool.query("SELECT to_regclass($1) IS NULL AS a, to_regclass($2) IS NULL AS b", names);
      if (!rows[0].a && !rows[0].b) return;
      // One statement per query: works with pools that only speak the extended protocol.
      for (const statement of postgresSchema(options).split(/;\s*(?=CREATE)/)) {
        for (let attempt = 1; ; attempt++) {
          try {
            await pool.query(statement);
            break;
          } catch (e) {
            if (!CREATE_RACE.has(e?.code) || attempt >= 3) throw e;
          }
        }
      }
    })();
    byTables.set(id, done);
    done.catch(() => byTables.delete(id));
  }
  return done;
}

/**
 * @param {Pool} pool a `pg` Pool (anything with `query(text, values)`)
 * @param {string} key the account's record key, e.g. "ctct:account-42"
 * @param {PostgresStoreOptions} [options]
 * @returns {LockingStore & { key: string }}
 */
export function postgresStore(pool, key, options = {}) {
  if (!pool || typeof pool.query !== "function") throw new TypeError("postgresStore: expected a pg Pool");
  if (typeof key !== "string" || key === "") throw new TypeError("postgresStore: key must be a non-empty string");
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const sql = statements(ident(options.table ?? DEFAULTS.table), ident(options.locksTable ?? DEFAULTS.locksTable));
  const scope = (/** @type {string} */ name) => (name.startsWith(LANE) ? namespace : key);

  /**
   * Runs `fn` after the tables exist, turning any failure into a StoreError for `operation`.
   * @template T
   * @param {string} operation
   * @param {() => Promise<T>} fn
   */
  const op = (operation, fn) =>
    attempt(BACKEND, operation, async () => {
      if (options.createTable !== false) await ensureTables(pool, options);
      return fn();
    });

  return {
    backend: BACKEND,
    key,

    get: () =>
      op("get", async () => {
        const { rows } = await pool.query(sql.get, [key]);
        if (rows.length === 0) return undefined;
        const { record } = rows[0];
        // The column is the version; one the library could not have written is reported as none.
        const version = Number(rows[0].version);
        const v = isVersion(version) ? version : null;
        if (typeof record === "string") return parseRecord(record, v); // a pool without the jsonb parser
        if (!record || typeof record !== "object" || Array.isArray(record))
          return { version: v, unreadable: "not_object" };
        return { ...record, version: v };
      }),

    async set(record) {
      checkRecord(record, "postgresStore");
      const json = JSON.stringify(record);
      return op("set", async () => (await pool.query(sql.set, [key, record.version, json])).rowCount === 1);
    },

    delete: () =>
      op("delete", async () => {
        await pool.query(sql.delete, [key]);
      }),

    async lock(name, ttlMs) {
      const n = checkName(name, "postgresStore.lock");
      const t = checkTtl(ttlMs, "postgresStore.lock");
      const lease = newLease();
      return op("lock", async () => {
        const { rows } = await pool.query(sql.lock, [scope(n), n, lease, t]);
        // No row: another caller created the row after this statement's snapshot; refused, no hints.
        if (rows.length === 0) return { lease: null, now: undefined, stamp: null };
        const stamp = rows[0].stamp === null ? null : Number(rows[0].stamp);
        return { lease: rows[0].taken ? lease : null, now: Number(rows[0].now), stamp };
      });
    },

    async renew(name, lease, ttlMs) {
      const n = checkName(name, "postgresStore.renew");
      const t = checkTtl(ttlMs, "postgresStore.renew");
      return op("renew", async () => (await pool.query(sql.renew, [scope(n), n, String(lease), t])).rowCount === 1);
    },

    async unlock(name, lease, unlockOptions = {}) {
      const n = checkName(name, "postgresStore.unlock");
      return op("unlock", async () => {
        // Stamp before releasing: whoever takes the lock next must already see this stamp.
        if (unlockOptions?.stamp) await pool.query(sql.stamp, [scope(n), n]);
        return (await pool.query(sql.release, [scope(n), n, String(lease)])).rowCount === 1;
      });
    },
  };
}
