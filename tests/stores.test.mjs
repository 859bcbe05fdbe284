// The session stores against real servers (tests/js/services.mjs): node-redis and ioredis on Redis, pg on
// PostgreSQL. No mocks: compare-and-set, lease exclusivity and expiry, lanes, stamps, two processes, and
// what a caller sees when the backend goes down and comes back. Run: node --test tests/stores.test.mjs
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "redis";
import Redis from "ioredis";
import pg from "pg";
import { startRedis, startPostgres } from "./js/services.mjs";
import { redisStore } from "../pkg/lib/stores/redis.js";
import { postgresStore, postgresSchema, POSTGRES_SCHEMA } from "../pkg/lib/stores/postgres.js";
import { memoryStore } from "../pkg/lib/stores/memory.js";
import { fileStore } from "../pkg/lib/stores/file.js";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";

// What a user configures so that a down backend fails a call within about a second instead of hanging:
const FAIL_FAST = {
  // node-redis: no offline queue (calls while disconnected reject at once); a socket timeout, the only
  // bound on a command already sent to a hung server (commandOptions.timeout stops counting once a command
  // is written), kept from closing idle connections by a ping interval below it; and a reconnect strategy
  // of one's own: the default one gives up for good after a socket timeout.
  nodeRedis: (url) => ({
    url,
    disableOfflineQueue: true,
    pingInterval: 400,
    socket: { connectTimeout: 1000, socketTimeout: 1000, reconnectStrategy: (n) => Math.min(50 * 2 ** n, 500) },
  }),
  // ioredis: no offline queue, no per-command retries, connect and command timeouts (a timed-out command
  // keeps its place in the reply order), capped backoff.
  ioredis: {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 1000,
    retryStrategy: (n) => Math.min(50 * 2 ** n, 500),
    lazyConnect: true,
  },
  // pg: a connect timeout (also bounds the wait for a free pooled connection) and a client-side query
  // timeout (the pool then discards that connection); the default for both is to wait forever. And an
  // 'error' listener on the pool: an idle connection that the server drops is otherwise an uncaught error.
  pg: { connectionTimeoutMillis: 1000, query_timeout: 1000 },
};
const BOUND_MS = 2500; // a down or hung backend must fail a call within this (the timeouts above: 1 s)

const quiet = () => {}; // the clients' error events (a reconnecting client reports each failed attempt)

const KINDS = [
  {
    name: "node-redis",
    backend: "Redis",
    start: startRedis,
    async client(server) {
      return createClient(FAIL_FAST.nodeRedis(server.url)).on("error", quiet).connect();
    },
    close: (c) => c.destroy(),
    store: redisStore,
  },
  {
    name: "ioredis",
    backend: "Redis",
    start: startRedis,
    async client(server) {
      const c = new Redis(server.url, FAIL_FAST.ioredis).on("error", quiet);
      await c.connect();
      return c;
    },
    close: (c) => c.disconnect(),
    store: redisStore,
  },
  {
    name: "pg",
    backend: "PostgreSQL",
    start: startPostgres,
    // One connection per pool, so that N pools are N clients truly at once.
    async client(server, extra = {}) {
      return new pg.Pool({ ...server.connection, max: 1, ...FAIL_FAST.pg, ...extra }).on("error", quiet);
    },
    close: (c) => c.end(),
    store: postgresStore,
  },
];

// The stores without a server: the same contract, in one process (memory) and across processes (file).
let fileRoot;
const memoryStores = new Map();
const LOCAL_KINDS = [
  {
    name: "memory",
    backend: "memory",
    local: true,
    // One memoryStore per key, shared by every "client" of a test, as the sessions of a process share one.
    store: (c, key) => {
      if (!memoryStores.has(key)) memoryStores.set(key, memoryStore());
      return memoryStores.get(key);
    },
  },
  {
    name: "file",
    backend: "file",
    local: true,
    store: (c, key, options = {}) =>
      fileStore(join(fileRoot, key.replaceAll(":", "_")), { lanes: join(fileRoot, options.namespace ?? "lanes") }),
  },
];

let keySeq = 0;
const freshKey = (tag) => `test:${tag}:${process.pid}:${++keySeq}`;
/** Whether a lock call took the lease (refused: `{ lease: null, now, stamp }`). */
const taken = (l) => typeof l?.lease === "string";

for (const kind of [...LOCAL_KINDS, ...KINDS]) {
  describe(`${kind.name} store`, () => {
    let server;
    const opened = [];
    const client = async (extra) => {
      if (kind.local) return null;
      const c = await kind.client(server, extra);
      opened.push(c);
      return c;
    };
    /** `n` stores on the same key, each on a client of its own. */
    const storesOnSeparateClients = async (n, key) =>
      Promise.all(Array.from({ length: n }, async () => kind.store(await client(), key)));
    let c0;

    before(async () => {
      fileRoot ??= await mkdtemp(join(tmpdir(), "ctct-file-store-"));
      if (kind.local) return;
      const t = performance.now();
      server = await kind.start();
      console.log(`# ${kind.backend} for ${kind.name} ready in ${Math.round(performance.now() - t)} ms`);
      c0 = await client();
    });
    after(async () => {
      await Promise.allSettled(opened.map((c) => kind.close(c)));
      await server?.dispose();
    });

    test("get / set / delete: a compare-and-set on the version", async () => {
      const s = kind.store(c0, freshKey("cas"));
      assert.equal(await s.get(), undefined);
      assert.equal(await s.set({ version: 1, refreshToken: "r1" }), true, "no record: written");
      assert.deepEqual(await s.get(), { version: 1, refreshToken: "r1" });
      assert.equal(await s.set({ version: 1, refreshToken: "other" }), false, "equal version: refused");
      assert.equal(await s.set({ version: 3, refreshToken: "r3", nested: { a: [1, "x"] } }), true, "newer: written");
      assert.deepEqual(await s.get(), { version: 3, refreshToken: "r3", nested: { a: [1, "x"] } });
      assert.equal(await s.set({ version: 2, refreshToken: "older" }), false, "older version: refused");
      assert.equal(await s.set({ version: 3 }), false);
      await s.delete();
      assert.equal(await s.get(), undefined);
      assert.equal(await s.set({ version: 1 }), true, "after delete any version is written");
      await s.delete();
      await s.delete(); // deleting nothing is fine
      await assert.rejects(s.set({ refreshToken: "no version" }), TypeError);
      for (const version of ["2", 0, -1, 1.5, 2 ** 53, NaN]) await assert.rejects(s.set({ version }), TypeError);
    });

    test("50 concurrent writers of the same version on separate clients: exactly one wins", async () => {
      for (const preset of [false, true]) {
        const key = freshKey("race");
        const stores = await storesOnSeparateClients(50, key);
        if (preset) assert.equal(await stores[0].set({ version: 1, writer: -1 }), true);
        const results = await Promise.all(stores.map((s, i) => s.set({ version: 2, writer: i })));
        const winners = results.flatMap((ok, i) => (ok ? [i] : []));
        assert.equal(winners.length, 1, `${preset ? "over v1" : "no record"}: one winner, got ${winners}`);
        assert.deepEqual(await stores[0].get(), { version: 2, writer: winners[0] });
      }
    });

    test("lock: 50 concurrent callers on separate clients get one lease; the holder too is refused", async () => {
      const stores = await storesOnSeparateClients(50, freshKey("lock"));
      const leases = (await Promise.all(stores.map((s) => s.lock("refresh", 5000)))).filter(taken);
      assert.equal(leases.length, 1);
      const [l] = leases;
      assert.match(l.lease, /^[0-9a-f]{32}$/);
      assert.equal(typeof l.now, "number");
      assert.ok(Math.abs(l.now - Date.now()) < 5000, "now is the backend's clock, in ms since 1970");
      assert.equal(l.stamp, kind.name === "memory" ? 0 : null, "never stamped");
      for (const refused of [await stores[0].lock("refresh", 5000), await stores[49].lock("refresh", 5000)]) {
        assert.equal(refused.lease, null, "refused");
        assert.ok(Math.abs(refused.now - l.now) < 5000, "a refusal says the backend's time too");
      }
    });

    test("a lease taken for 300 ms is free again after 300 ms (backend clock), not before", async () => {
      const s = kind.store(c0, freshKey("ttl"));
      const first = await s.lock("refresh", 300);
      assert.ok(taken(first));
      let next = null;
      let refused = 0;
      const t = performance.now();
      while (!taken((next = await s.lock("refresh", 300)))) {
        refused++;
        assert.ok(performance.now() - t < 2000, "the lease never expired");
        await sleep(10);
      }
      const held = next.now - first.now;
      assert.ok(refused > 0, "refused while held");
      assert.ok(held >= 300, `free after ${held} ms on the backend clock: too early`);
      assert.ok(held < 1500, `free after ${held} ms: too late`);
      assert.notEqual(next.lease, first.lease);
    });

    test("renew and unlock only by the holder; not once the lease has expired", async () => {
      const key = freshKey("holder");
      const [a, b] = [kind.store(c0, key), kind.store(await client(), key)];
      const l = await a.lock("refresh", 600);
      assert.equal(await b.unlock("refresh", "0".repeat(32)), false, "another lease cannot release");
      assert.equal(await b.renew("refresh", "0".repeat(32), 5000), false, "another lease cannot renew");
      assert.equal((await b.lock("refresh", 300)).lease, null);
      assert.equal(await a.renew("refresh", l.lease, 3000), true);
      await sleep(700); // past the first TTL: renewed, so still held
      assert.equal((await b.lock("refresh", 300)).lease, null, "the renewal held it past the first TTL");
      assert.equal(await b.unlock("refresh", l.lease), true, "the lease, not the store, is what holds it");
      assert.equal(await b.unlock("refresh", l.lease), false, "released once");
      assert.equal(await a.renew("refresh", l.lease, 1000), false, "a released lease cannot renew");
      const m = await b.lock("refresh", 100);
      assert.ok(taken(m), "free after unlock");
      await sleep(200);
      assert.equal(await b.renew("refresh", m.lease, 1000), false, "an expired lease cannot renew");
      assert.equal(await b.unlock("refresh", m.lease), false, "an expired lease releases nothing");
      await assert.rejects(a.lock("refresh", 0), TypeError);
      await assert.rejects(a.lock("", 100), TypeError);
    });

    test("lane: names are shared by stores of one namespace; other names are per key", async () => {
      const lane = `lane:client-${process.pid}-${++keySeq}`;
      const c1 = await client();
      const s1 = kind.store(c0, freshKey("acct"));
      const s2 = kind.store(c1, freshKey("acct"));
      const other = kind.store(c1, freshKey("acct"), { namespace: `other-${keySeq}` });
      const l1 = await s1.lock(lane, 5000);
      assert.ok(taken(l1));
      assert.equal((await s2.lock(lane, 5000)).lease, null, "another account's store sees the same lane");
      // memoryStore's lanes belong to the process (one per client id), not to a namespace.
      if (kind.name !== "memory") assert.ok(taken(await other.lock(lane, 5000)), "another namespace: its own lanes");
      assert.ok(taken(await s1.lock("refresh", 5000)));
      assert.ok(taken(await s2.lock("refresh", 5000)), "refresh is per account");
      assert.equal((await s1.lock("refresh", 5000)).lease, null);
      assert.equal(await s2.unlock(lane, l1.lease, { stamp: true }), true, "any store of the lane may release it");
      const l2 = await s2.lock(lane, 5000);
      assert.ok(taken(l2) && l2.stamp > 0, "and the stamp is shared too");
      assert.ok(taken(await s1.lock("other-name", 5000)));
    });

    test("stamps: the backend's time at unlock, recorded even after the lease expired", async () => {
      const s = kind.store(c0, freshKey("stamp"));
      const a = await s.lock("refresh", 5000);
      assert.equal(a.stamp, kind.name === "memory" ? 0 : null);
      assert.equal(await s.unlock("refresh", a.lease, { stamp: true }), true);
      const b = await s.lock("refresh", 50);
      assert.ok(b.stamp >= a.now && b.stamp <= b.now, `stamp ${b.stamp} within [${a.now}, ${b.now}]`);
      assert.ok(Number.isInteger(b.stamp));
      await sleep(120); // b's lease expires unreleased
      assert.equal(await s.unlock("refresh", b.lease, { stamp: true }), false, "nothing left to release");
      const c = await s.lock("refresh", 5000);
      assert.ok(c.stamp > b.stamp && c.stamp <= c.now, "but the stamp was recorded");
      assert.equal(await s.unlock("refresh", c.lease), true);
      const d = await s.lock("refresh", 5000);
      assert.equal(d.stamp, c.stamp, "an unlock without { stamp } keeps the last stamp");
    });

    test("two processes contend for one lock: the critical sections never overlap", async (t) => {
      if (kind.name === "memory") return t.skip("a memoryStore lives in one process");
      const key = freshKey("procs");
      const rounds = 25;
      const children = [0, 1].map((id) => contender(kind.name, server, key, rounds, id));
      await Promise.all(children.map((ch) => ch.ready));
      for (const ch of children) ch.go();
      const results = await Promise.all(children.map((ch) => ch.done));
      for (const r of results) {
        assert.equal(r.casFailures, 0, "a CAS failed inside the lock: two holders at once");
        assert.equal(r.lost, 0, "a lease was lost mid-section");
      }
      assert.ok(results[0].refused + results[1].refused > 0, "the processes did contend");
      const final = await kind.store(c0, key).get();
      assert.equal(final.version, 2 * rounds, "every increment landed");
    });

    if (kind.local) return; // no server to stop

    test("backend stopped: every call rejects fast (backend, operation); restarted: same client works", async () => {
      await backendDownAndUp(kind, server, c0, () => server.stop());
    });

    test("backend crashed (SIGKILL): rejects fast; restarted: the same client works", async () => {
      await backendDownAndUp(kind, server, c0, () => server.kill());
    });

    test("backend hung (SIGSTOP): calls reject by the client's timeouts; resumed: replies still match", async () => {
      const s = kind.store(c0, freshKey("hung"));
      assert.equal(await s.set({ version: 1 }), true);
      const { lease } = await s.lock("refresh", 60_000);
      const t = performance.now();
      server.pause();
      let outcomes;
      try {
        outcomes = await Promise.allSettled(Object.entries(operations(s, lease)).map(([, call]) => call()));
      } finally {
        server.resume();
      }
      const ms = performance.now() - t;
      console.log(`# ${kind.name}: hung, every call rejected within ${Math.round(ms)} ms`);
      Object.keys(operations(s, lease)).forEach((operation, i) => {
        assert.equal(outcomes[i].status, "rejected", `${operation} resolved against a hung server`);
        assert.equal(outcomes[i].reason.backend, kind.backend);
        assert.equal(outcomes[i].reason.operation, operation);
      });
      assert.ok(ms < BOUND_MS, `took ${Math.round(ms)} ms`);
      await usableAgain(kind, s);
      // A late reply to a timed-out command must not be taken for the answer to a later one.
      for (let v = 10; v < 30; v++) {
        assert.equal(await s.set({ version: v }), true);
        assert.deepEqual(await s.get(), { version: v });
      }
    });

    if (kind.backend === "Redis") redisOnly(kind, () => c0);
    else postgresOnly(client);
  });
}

const SECRET = "rt-secret-value-42";

/** One call of each operation (a record with a secret in it, to check that no message quotes it). */
const operations = (s, lease) => ({
  get: () => s.get(),
  set: () => s.set({ version: 2, refreshToken: SECRET }),
  delete: () => s.delete(),
  lock: () => s.lock("refresh", 1000),
  renew: () => s.renew("refresh", lease, 1000),
  unlock: () => s.unlock("refresh", lease, { stamp: true }),
});

/** Waits until the store answers again (the client reconnecting on its own), and says how long it took. */
async function usableAgain(kind, s) {
  const t = performance.now();
  for (;;) {
    try {
      await s.get();
      break;
    } catch (e) {
      if (performance.now() - t > 10_000) throw new Error("the client did not recover", { cause: e });
      await sleep(50);
    }
  }
  console.log(`# ${kind.name}: usable again ${Math.round(performance.now() - t)} ms after the server was back`);
}

/** Takes the backend down with `down()`, checks every operation's rejection, restarts it, checks recovery. */
async function backendDownAndUp(kind, server, c, down) {
  const s = kind.store(c, freshKey("down"));
  assert.equal(await s.set({ version: 1 }), true);
  const { lease } = await s.lock("refresh", 60_000);
  await down();
  let slowest = 0;
  for (const [operation, call] of Object.entries(operations(s, lease))) {
    const t = performance.now();
    const err = await call().then(
      () => assert.fail(`${operation} resolved with the backend down`),
      (e) => e,
    );
    const ms = performance.now() - t;
    assert.ok(err instanceof Error, `${operation}: an Error`);
    assert.equal(err.backend, kind.backend, `${operation}: ${err.message}`);
    assert.equal(err.operation, operation);
    assert.ok(err.cause, `${operation}: the client's error as cause`);
    assert.ok(!err.message.includes(SECRET), "no record contents in the message");
    assert.ok(ms < BOUND_MS, `${operation} took ${Math.round(ms)} ms to fail`);
    slowest = Math.max(slowest, ms);
  }
  console.log(`# ${kind.name}: down, every call rejected within ${Math.round(slowest)} ms`);
  await server.start();
  await usableAgain(kind, s);
  // Redis comes back empty (no persistence: the test servers keep none); PostgreSQL keeps everything.
  const before = await s.get();
  if (kind.backend === "Redis") assert.equal(before, undefined);
  else assert.deepEqual(before, { version: 1 });
  assert.equal(await s.set({ version: 3 }), true);
  assert.deepEqual(await s.get(), { version: 3 });
  const again = await s.lock("refresh-after", 1000);
  assert.ok(taken(again));
  assert.equal(await s.unlock("refresh-after", again.lease, { stamp: true }), true);
}

function redisOnly(kind, c) {
  test("records are hashes at the key (the version apart); leases hashes under the key and the namespace", async () => {
    const key = freshKey("raw");
    const s = redisStore(c(), key, { namespace: "ns-raw" });
    await s.set({ version: 7, accessToken: "a" });
    const [version, raw] = await send(c(), ["HMGET", key, "version", "record"]);
    assert.equal(version, "7");
    assert.deepEqual(JSON.parse(raw), { version: 7, accessToken: "a" });
    const l = await s.lock("refresh", 5000);
    assert.equal(await send(c(), ["HGET", `${key}:lock:refresh`, "lease"]), l.lease);
    const lane = await s.lock("lane:cid", 5000);
    assert.equal(await send(c(), ["HGET", "ns-raw:lock:lane:cid", "lease"]), lane.lease);
    await s.unlock("lane:cid", lane.lease, { stamp: true });
    const ttl = Number(await send(c(), ["PTTL", "ns-raw:lock:lane:cid"]));
    assert.ok(ttl > 3_590_000 && ttl <= 3_600_000, `stamp kept an hour (PTTL ${ttl})`);
  });

  test("scripts flushed from the server (SCRIPT FLUSH): reloaded by EVAL", async () => {
    const s = redisStore(c(), freshKey("flush"));
    assert.equal(await s.set({ version: 1 }), true);
    await send(c(), ["SCRIPT", "FLUSH"]);
    assert.equal(await s.set({ version: 2 }), true);
    assert.ok(taken(await s.lock("refresh", 1000)));
  });

  test("what is not a record: get says so without quoting it; any write replaces it", async () => {
    const key = freshKey("junk");
    const s = redisStore(c(), key);
    await send(c(), ["SET", key, "secret-junk{"]);
    assert.deepEqual(await s.get(), { version: null, unreadable: "wrong_type" });
    assert.equal(await s.set({ version: 1 }), true);
    await send(c(), ["HSET", key, "version", "3", "record", "secret-junk{"]);
    assert.deepEqual(await s.get(), { version: 3, unreadable: "not_json" });
    assert.equal(await s.set({ version: 2 }), false, "a readable version still counts");
    // A version that does not survive JSON (a lone surrogate in the record used to hide it from cjson) is
    // kept apart, so it is always compared; one the library could not have written is replaced.
    await send(c(), ["HSET", key, "version", "5", "record", '{"version":5,"x":"\\ud800"}']);
    assert.equal(await s.set({ version: 4 }), false, "an older version never wins");
    for (const bad of ["9007199254740993", "1.5", "-3", "x"]) {
      await send(c(), ["HSET", key, "version", bad]);
      assert.equal(await s.set({ version: 1 }), true, `a stored version of ${bad} is replaced`);
    }
  });

  test("a server error (a lease key holding another type) rejects with backend, operation and cause", async () => {
    const key = freshKey("wrongtype");
    await send(c(), ["SET", `${key}:lock:refresh`, "x"]);
    const err = await redisStore(c(), key)
      .lock("refresh", 1000)
      .catch((e) => e);
    assert.equal(err.backend, "Redis");
    assert.equal(err.operation, "lock");
    assert.match(String(err.cause?.message), /WRONGTYPE/);
  });

  test("a reply error carries no record: nothing the client hung on it reaches the cause or inspect()", async () => {
    const key = freshKey("oom");
    const s = redisStore(c(), key);
    await send(c(), ["CONFIG", "SET", "maxmemory", "1"]);
    let err;
    try {
      err = await s.set({ version: 1, tokens: { refreshToken: SECRET } }).catch((e) => e);
    } finally {
      await send(c(), ["CONFIG", "SET", "maxmemory", "0"]);
    }
    assert.equal(err.operation, "set");
    assert.match(err.message, /OOM/);
    const shown = inspect(err, { depth: 10, showHidden: true });
    assert.ok(!shown.includes(SECRET), `inspect shows the record: ${shown}`);
    assert.equal(err.cause.command, undefined, "ioredis's command and arguments are not kept");
  });

  test("not a Redis client: a TypeError at once", () => {
    assert.throws(() => redisStore({}, "k"), TypeError);
    assert.throws(() => redisStore(c(), ""), TypeError);
  });
}

/** One raw command on either client (as the store does). */
function send(client, args) {
  return typeof client.call === "function" ? client.call(...args) : client.sendCommand(args);
}

function postgresOnly(client) {
  test("tables: created on first use; 8 pools creating the same new tables at once all succeed", async () => {
    const suffix = `${process.pid}_${++keySeq}`;
    const options = { table: `race_sessions_${suffix}`, locksTable: `race_locks_${suffix}` };
    const pools = await Promise.all(Array.from({ length: 8 }, () => client()));
    const results = await Promise.all(pools.map((p, i) => postgresStore(p, `k${i}`, options).set({ version: 1 })));
    assert.deepEqual(results, Array(8).fill(true));
    const { rows } = await pools[0].query("SELECT count(*)::int AS n FROM " + options.table);
    assert.equal(rows[0].n, 8);
  });

  test("createTable: false uses tables the user made from the exported SQL (schema-qualified names too)", async () => {
    const pool = await client();
    const missing = postgresStore(pool, "k", { table: "nowhere", locksTable: "nowhere_locks", createTable: false });
    const err = await missing.get().catch((e) => e);
    assert.equal(err.backend, "PostgreSQL");
    assert.equal(err.operation, "get");
    assert.equal(err.cause?.code, "42P01", "undefined_table");
    assert.match(POSTGRES_SCHEMA, /CREATE TABLE IF NOT EXISTS "ctct_oauth_sessions"/);
    const options = { table: "ctct_own.sessions", locksTable: "ctct_own.locks", createTable: false };
    await pool.query("CREATE SCHEMA IF NOT EXISTS ctct_own");
    for (const statement of postgresSchema(options)
      .split(";")
      .filter((x) => x.trim()))
      await pool.query(statement);
    const s = postgresStore(pool, "k", options);
    assert.equal(await s.set({ version: 1 }), true);
    assert.ok(await s.lock("refresh", 1000));
    const { rows } = await pool.query("SELECT version, record FROM ctct_own.sessions WHERE key = 'k'");
    assert.deepEqual(rows, [{ version: "1", record: { version: 1 } }]);
  });

  test("a role without CREATE on the schema (PostgreSQL 15's default) uses tables that exist", async () => {
    const admin = await client();
    await postgresStore(admin, "k").get(); // the default tables, made by a role that may
    await admin.query("DO $$ BEGIN CREATE ROLE ctct_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    await admin.query("GRANT SELECT, INSERT, UPDATE, DELETE ON ctct_oauth_sessions, ctct_oauth_locks TO ctct_app");
    const app = await client({ user: "ctct_app" });
    await assert.rejects(app.query("CREATE TABLE IF NOT EXISTS ctct_oauth_sessions (key text)"), { code: "42501" });
    const s = postgresStore(app, freshKey("app"));
    assert.equal(await s.set({ version: 1 }), true);
    const l = await s.lock("refresh", 1000);
    assert.equal(await s.unlock("refresh", l.lease, { stamp: true }), true);
  });

  test("not a pool: a TypeError at once", () => {
    assert.throws(() => postgresStore({}, "k"), TypeError);
    assert.throws(() => postgresStore({ query() {} }, ""), TypeError);
  });
}

/**
 * A child `node` process that, on "go", takes the lock `rounds` times and inside it increments the record
 * by a CAS (which fails if another holder got in between). Resolves `done` with its counts.
 */
function contender(kindName, server, key, rounds, id) {
  const modules = {
    redis: import.meta.resolve("redis"),
    ioredis: import.meta.resolve("ioredis"),
    pg: import.meta.resolve("pg"),
    redisStore: import.meta.resolve("../pkg/lib/stores/redis.js"),
    postgresStore: import.meta.resolve("../pkg/lib/stores/postgres.js"),
    fileStore: import.meta.resolve("../pkg/lib/stores/file.js"),
  };
  const url = kindName === "file" ? join(fileRoot, key.replaceAll(":", "_")) : server.url;
  const job = { kindName, url, connection: server?.connection, key, rounds, id, modules };
  const child = spawn(process.execPath, ["--input-type=module", "-e", CONTENDER], {
    env: { ...process.env, CTCT_CONTENDER: JSON.stringify(job) },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  let onReady;
  const ready = new Promise((r) => (onReady = r));
  child.stdout.on("data", (d) => {
    out += d;
    if (out.includes("ready\n")) onReady();
  });
  const done = new Promise((resolve, reject) =>
    child.on("exit", (code) => {
      const last = out.trim().split("\n").pop();
      if (code === 0) resolve(JSON.parse(last));
      else reject(new Error(`contender ${id} exited ${code}: ${out}`));
    }),
  );
  done.catch(onReady); // a child that dies early must not leave the test waiting for "ready"
  return { ready, done, go: () => child.stdin.end("go\n") };
}

const CONTENDER = `
const job = JSON.parse(process.env.CTCT_CONTENDER);
const m = job.modules;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let client, store, close;
if (job.kindName === "file") {
  store = (await import(m.fileStore)).fileStore(job.url);
  close = async () => {};
} else if (job.kindName === "pg") {
  const pg = (await import(m.pg)).default;
  client = new pg.Pool({ ...job.connection, max: 2 });
  store = (await import(m.postgresStore)).postgresStore(client, job.key);
  close = () => client.end();
} else {
  const { redisStore } = await import(m.redisStore);
  if (job.kindName === "ioredis") {
    const Redis = (await import(m.ioredis)).default;
    client = new Redis(job.url);
    close = () => client.disconnect();
  } else {
    client = await (await import(m.redis)).createClient({ url: job.url }).connect();
    close = () => client.destroy();
  }
  store = redisStore(client, job.key);
}
await store.get(); // connected (and tables made) before the start
process.stdout.write("ready\\n");
await new Promise((r) => process.stdin.once("data", r));
let refused = 0, casFailures = 0, lost = 0;
for (let i = 0; i < job.rounds; i++) {
  let l;
  while (!(l = await store.lock("refresh", 5000)).lease) { refused++; await sleep(1); }
  const rec = (await store.get()) ?? { version: 0 };
  if (!(await store.set({ ...rec, version: rec.version + 1, last: job.id }))) casFailures++;
  await sleep(2);
  if (!(await store.unlock("refresh", l.lease))) lost++;
  await sleep(1);
}
await close();
process.stdout.write(JSON.stringify({ refused, casFailures, lost }) + "\\n");
`;
