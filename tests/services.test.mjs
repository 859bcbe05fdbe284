// The servers of tests/js/services.mjs the chaos suite builds on, each checked against its own protocol with real
// clients: Redis with and without an append-only file, replication and a failover behind the fault proxy (losing
// what a lagging replica never got), read-only Redis and PostgreSQL, a Redis Cluster and its failover, PgBouncer in
// transaction mode, and pause() as a hang. Each fault is checked against the healthy case, so one that did nothing
// fails its test.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient, createCluster } from "redis";
import Redis from "ioredis";
import pg from "pg";
import {
  startRedis,
  startPostgres,
  startPgBouncer,
  startRedisCluster,
  redisFailover,
  redisCommand,
} from "./js/services.mjs";
import { startProxy } from "./js/fault-proxy.mjs";

const quiet = () => {};
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

/** Settles `promise` within `ms`: { value } | { error } | { pending: true }. */
async function within(promise, ms) {
  let timer;
  const pending = new Promise((r) => (timer = setTimeout(() => r({ pending: true }), ms)));
  const settled = promise.then(
    (value) => ({ value }),
    (error) => ({ error }),
  );
  const result = await Promise.race([settled, pending]);
  clearTimeout(timer);
  return result;
}

describe("Redis", () => {
  test("appendonly: true keeps every acknowledged write across stop/start and kill/start", async () => {
    const redis = await startRedis({ appendonly: true });
    try {
      await redis.command("SET", "a", "1");
      await redis.stop();
      assert.equal(redis.state(), "stopped");
      await redis.start();
      assert.equal(await redis.command("GET", "a"), "1", "kept across a graceful restart");
      await redis.command("SET", "b", "2"); // acknowledged, then the process dies at once
      await redis.kill();
      await redis.start();
      assert.equal(await redis.command("GET", "b"), "2", "kept across a crash (appendfsync always)");
    } finally {
      await redis.dispose();
    }
  });

  test("by default a restart is a flush (no persistence), stop or kill", async () => {
    const redis = await startRedis();
    try {
      for (const restart of ["stop", "kill"]) {
        await redis.command("SET", "a", "1");
        assert.equal(await redis.command("GET", "a"), "1");
        await redis[restart]();
        await redis.start();
        assert.equal(await redis.command("GET", "a"), null, `lost after ${restart}/start`);
      }
    } finally {
      await redis.dispose();
    }
  });

  test("pause() makes calls hang (a client's timeout fires), resume() answers them", async () => {
    const redis = await startRedis();
    const io = new Redis(redis.url, { lazyConnect: true, commandTimeout: 300, maxRetriesPerRequest: 0 });
    io.on("error", quiet);
    try {
      await io.connect();
      assert.equal(await io.ping(), "PONG");
      redis.pause();
      assert.equal(redis.state(), "paused");
      await assert.rejects(io.ping(), /timed out/i);
      await assert.rejects(redisCommand(redis, "PING", { timeoutMs: 200 }), /no reply in 200 ms/);
      redis.resume();
      assert.equal(redis.state(), "running");
      assert.equal(await io.ping(), "PONG");
    } finally {
      io.disconnect();
      await redis.dispose();
    }
  });

  test("setReadOnly(true): writes and scripts that write get READONLY, reads work; false: writable again", async () => {
    const redis = await startRedis();
    const nr = await createClient({ url: redis.url }).on("error", quiet).connect();
    try {
      await nr.set("k", "before");
      await redis.setReadOnly(true);
      await assert.rejects(nr.set("k", "during"), { message: "READONLY You can't write against a read only replica." });
      await assert.rejects(
        nr.eval("return redis.call('SET', KEYS[1], ARGV[1])", { keys: ["k"], arguments: ["during"] }),
        /READONLY/,
      );
      assert.equal(await nr.get("k"), "before", "reads are answered, the data is kept");
      await redis.setReadOnly(false);
      assert.equal(await nr.set("k", "after"), "OK");
      assert.equal(await nr.get("k"), "after");
    } finally {
      await nr.destroy();
      await redis.dispose();
    }
  });

  test('setReadOnly(true, { error: "NOREPLICAS" }): a primary without replicas refuses writes', async () => {
    const redis = await startRedis();
    try {
      await redis.command("SET", "k", "before");
      await redis.setReadOnly(true, { error: "NOREPLICAS" });
      await assert.rejects(redis.command("SET", "k", "during"), { code: "NOREPLICAS" });
      assert.equal(await redis.command("GET", "k"), "before");
      await redis.setReadOnly(false, { error: "NOREPLICAS" });
      assert.equal(await redis.command("SET", "k", "after"), "OK");
    } finally {
      await redis.dispose();
    }
  });

  test("a replica follows its primary, refuses writes; promoted, it takes them, also after a restart", async () => {
    const primary = await startRedis();
    await primary.command("SET", "k", "v");
    const replica = await startRedis({ replicaOf: primary });
    try {
      assert.deepEqual(replica.replicaOf(), { host: primary.host, port: primary.port });
      assert.equal(await replica.command("GET", "k"), "v", "the initial sync brought the data");
      await primary.command("SET", "k2", "v2");
      await until(async () => (await replica.command("GET", "k2")) === "v2", 2000); // asynchronous, and quick
      await assert.rejects(replica.command("SET", "x", "1"), { code: "READONLY" });
      await replica.promote();
      assert.equal(replica.replicaOf(), null);
      assert.equal(await replica.command("SET", "x", "1"), "OK");
      await replica.stop();
      await replica.start();
      assert.equal(await replica.command("SET", "y", "1"), "OK", "still a primary after a restart");
      assert.equal(await primary.command("GET", "x"), null, "the old primary did not get the new one's writes");
    } finally {
      await primary.dispose();
      await replica.dispose();
    }
  });

  for (const lag of [false, true]) {
    const title = lag
      ? "a failover from a lagging replica loses writes the old primary acknowledged"
      : "a failover behind the proxy: clients follow to the promoted replica, which has every write";
    test(title, async () => {
      const primary = await startRedis();
      const replica = await startRedis({ replicaOf: primary });
      const proxy = await startProxy(primary);
      const io = new Redis(proxy.url("redis"), { lazyConnect: true, maxRetriesPerRequest: 1 }).on("error", quiet);
      try {
        await io.connect();
        await io.set("early", "1");
        assert.equal(await io.wait(1, 2000), 1, "replicated");
        if (lag) await replica.lag(true);
        assert.equal(await io.set("late", "1"), "OK", "acknowledged by the primary");
        assert.equal(await io.wait(1, lag ? 200 : 2000), lag ? 0 : 1, lag ? "no replica has it" : "the replica has it");
        await redisFailover({ primary, replica, proxy });
        assert.equal(proxy.stats().target.port, replica.port);
        assert.equal(await io.get("early"), "1", "the client reconnected through the proxy, to the new primary");
        assert.equal(await io.get("late"), lag ? null : "1", lag ? "the acknowledged write is lost" : "kept");
        assert.equal(await io.set("after", "1"), "OK", "the new primary takes writes");
      } finally {
        io.disconnect();
        await proxy.close();
        await primary.dispose();
        await replica.dispose();
      }
    });
  }
});

describe("PostgreSQL", () => {
  let postgres;
  before(async () => {
    postgres = await startPostgres();
    const c = new pg.Client(postgres.connection);
    await c.connect();
    await c.query("CREATE TABLE t (x int)");
    await c.end();
  });
  after(() => postgres?.dispose());

  test("setReadOnly(true): connections already pooled get 25006 on a write, reads work; false: writable", async () => {
    const pool = new pg.Pool({ ...postgres.connection, max: 3 }).on("error", quiet);
    try {
      // Three sessions open before the switch: a pool's connections, checked out so they are the ones used.
      const held = await Promise.all([1, 2, 3].map(() => pool.connect()));
      for (const c of held) await c.query("INSERT INTO t VALUES (1)");
      await postgres.setReadOnly(true);
      const during = await Promise.allSettled(held.map((c) => c.query("INSERT INTO t VALUES (2)")));
      assert.deepEqual(
        during.map((r) => [r.status, r.reason?.code, r.reason?.message]),
        Array(3).fill(["rejected", "25006", "cannot execute INSERT in a read-only transaction"]),
      );
      assert.equal((await held[0].query("SELECT count(*)::int AS n FROM t WHERE x = 1")).rows[0].n, 3, "reads work");
      held.forEach((c) => c.release());
      await postgres.setReadOnly(false);
      await pool.query("INSERT INTO t VALUES (3)");
    } finally {
      await pool.end();
      await postgres.setReadOnly(false);
    }
  });

  test("setReadOnly(true, { terminate: true }) also ends the sessions; new ones are read-only", async () => {
    const client = new pg.Client(postgres.connection);
    const errors = [];
    client.on("error", (e) => errors.push(e));
    await client.connect();
    try {
      await postgres.setReadOnly(true, { terminate: true });
      errors.push(await client.query("SELECT 1").catch((e) => e));
      // 57P01 admin_shutdown: "terminating connection due to administrator command" (as an event or the answer).
      assert.ok(
        errors.some((e) => e?.code === "57P01"),
        errors.map((e) => e?.message),
      );
      const fresh = new pg.Client(postgres.connection);
      await fresh.connect();
      await assert.rejects(fresh.query("INSERT INTO t VALUES (4)"), { code: "25006" });
      await fresh.end();
    } finally {
      await postgres.setReadOnly(false);
    }
  });

  describe("behind PgBouncer", () => {
    /** Two clients: A sets session state, B holds the server connection A used, then A looks for its state. */
    async function sessionStateKept(bouncer) {
      const a = new pg.Client(bouncer.connection);
      const b = new pg.Client(bouncer.connection);
      await a.connect();
      await b.connect();
      try {
        await a.query("SET statement_timeout = '1234ms'");
        await a.query("CREATE TEMP TABLE mine (x int)");
        // PgBouncer hands out the most recently used server connection (LIFO): B's transaction takes A's.
        await b.query("BEGIN");
        await b.query("SELECT 1");
        const timeout = (await a.query("SHOW statement_timeout")).rows[0].statement_timeout;
        const table = await a.query("SELECT count(*) FROM mine").then(
          () => true,
          (e) => (assert.match(e.message, /relation "mine" does not exist/), false),
        );
        await b.query("COMMIT");
        return { timeout, table };
      } finally {
        await a.end();
        await b.end();
      }
    }

    test("transaction mode: single statements for 300 clients at once; session state lost between them", async () => {
      const bouncer = await startPgBouncer(postgres, { poolMode: "transaction" });
      try {
        // More clients than PostgreSQL's max_connections (200): PgBouncer multiplexes them on its 20.
        const clients = Array.from({ length: 300 }, () => new pg.Client(bouncer.connection));
        await Promise.all(clients.map((c) => c.connect()));
        const rows = await Promise.all(clients.map((c, i) => c.query("SELECT $1::int AS i", [i])));
        assert.deepEqual(
          rows.map((r) => r.rows[0].i),
          clients.map((_, i) => i),
        );
        await Promise.all(clients.map((c) => c.end()));
        assert.deepEqual(await sessionStateKept(bouncer), { timeout: "0", table: false });
      } finally {
        await bouncer.dispose();
      }
    });

    test("session mode keeps session state (the control for the test above)", async () => {
      const bouncer = await startPgBouncer(postgres, { poolMode: "session" });
      try {
        assert.deepEqual(await sessionStateKept(bouncer), { timeout: "1234ms", table: true });
      } finally {
        await bouncer.dispose();
      }
    });

    test("pause() hangs queries through it; stop/start and a read-only database behind it", async () => {
      const bouncer = await startPgBouncer(postgres);
      const pool = new pg.Pool({ ...bouncer.connection, max: 2, query_timeout: 300, connectionTimeoutMillis: 1000 });
      pool.on("error", quiet);
      try {
        assert.equal((await pool.query("SELECT 1 AS one")).rows[0].one, 1);
        bouncer.pause();
        await assert.rejects(pool.query("SELECT 1"), /timeout/i);
        bouncer.resume();
        assert.equal((await pool.query("SELECT 1 AS one")).rows[0].one, 1);
        await postgres.setReadOnly(true); // its server connections, already open, are affected too
        await assert.rejects(pool.query("INSERT INTO t VALUES (5)"), { code: "25006" });
        await postgres.setReadOnly(false);
        await pool.query("INSERT INTO t VALUES (5)");
        await bouncer.stop();
        await assert.rejects(pool.query("SELECT 1"));
        await bouncer.start();
        await until(() => pool.query("SELECT 1").then(() => true));
      } finally {
        await pool.end();
        await bouncer.dispose();
        await postgres.setReadOnly(false);
      }
    });
  });
});

async function until(check, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new Error("not in time");
    await wait(50);
  }
}

describe("Redis Cluster", () => {
  let cluster;
  before(async () => {
    cluster = await startRedisCluster({ masters: 3, replicas: 1 });
  });
  after(() => cluster?.dispose());

  test("three shards with a replica each; node-redis and ioredis serve keys in different slots", async () => {
    const shards = await cluster.shards();
    assert.equal(shards.length, 3);
    assert.equal(cluster.nodes.length, 6);
    assert.equal(cluster.rootNodes.length, 6);
    for (const s of shards) assert.equal(s.replicas.length, 1);
    // "a" and "b" hash to slots 15495 and 3300: two different masters.
    const slotA = await redisCommand(cluster.nodes[0], "CLUSTER", "KEYSLOT", "a");
    const slotB = await redisCommand(cluster.nodes[0], "CLUSTER", "KEYSLOT", "b");
    const owner = (slot) => shards.find((s) => s.slots.some(([f, t]) => slot >= f && slot <= t)).master;
    assert.notEqual(owner(slotA), owner(slotB));

    const nr = createCluster({ rootNodes: cluster.rootNodes.map(({ url }) => ({ url })) }).on("error", quiet);
    await nr.connect();
    const io = new Redis.Cluster(cluster.rootNodes.map(({ host, port }) => ({ host, port })));
    io.on("error", quiet);
    try {
      await nr.set("a", "1");
      await io.set("b", "2");
      assert.equal(await io.get("a"), "1");
      assert.equal(await nr.get("b"), "2");
      assert.equal(await owner(slotA).command("GET", "a"), "1", "stored on the slot's master");
      await assert.rejects(owner(slotB).command("GET", "a"), { message: /^MOVED / }, "another master redirects");
    } finally {
      await nr.destroy();
      io.disconnect();
    }
  });

  test("a script over keys in two slots gets CROSSSLOT; with one hash tag it runs", async () => {
    const io = new Redis.Cluster(cluster.rootNodes.map(({ host, port }) => ({ host, port })));
    io.on("error", quiet);
    const script = "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('SET', KEYS[2], ARGV[1])";
    try {
      await assert.rejects(io.eval(script, 2, "a", "b", "v"), /CROSSSLOT/);
      assert.equal(await io.eval(script, 2, "{t}a", "{t}b", "v"), "OK");
      assert.equal(await io.get("{t}b"), "v");
    } finally {
      io.disconnect();
    }
  });

  test("failover(i) promotes shard i's replica, the cluster is ok, the data and clients carry on", async () => {
    const io = new Redis.Cluster(cluster.rootNodes.map(({ host, port }) => ({ host, port })));
    io.on("error", quiet);
    try {
      const before = await cluster.shards();
      const key = await keyIn(before[1]);
      await io.set(key, "kept");
      const promoted = await cluster.failover(1);
      const after = await cluster.shards();
      assert.equal(promoted, before[1].replicas[0]);
      assert.equal(after[1].master, before[1].replicas[0], "the replica is master of those slots");
      assert.deepEqual(after[1].replicas, [before[1].master], "the old master follows it");
      assert.equal(after[0].master, before[0].master, "other shards unchanged");
      for (const n of cluster.nodes) assert.match(await n.command("CLUSTER", "INFO"), /cluster_state:ok/);
      assert.equal(await promoted.command("GET", key), "kept", "a manual failover loses nothing");
      assert.equal(await io.get(key), "kept", "ioredis follows the MOVED redirect");
      assert.equal(await io.set(key, "new"), "OK");
    } finally {
      io.disconnect();
    }
  });

  test("a paused master's keys hang; resumed, they answer", async () => {
    const shards = await cluster.shards();
    const master = shards[2].master;
    const key = await keyIn(shards[2]);
    assert.equal(await master.command("SET", key, "v"), "OK");
    master.pause(); // for less than the node timeout (2 s): no automatic failover
    try {
      assert.deepEqual(await within(master.command("GET", key, { timeoutMs: 5000 }), 400), { pending: true });
    } finally {
      master.resume();
    }
    assert.equal(await master.command("GET", key), "v");
    await cluster.waitOk();
  });

  /** A key in one of the shard's slots (about one name in three is, for three shards). */
  async function keyIn(shard) {
    for (let i = 0; i < 1000; i++) {
      const slot = await redisCommand(cluster.nodes[0], "CLUSTER", "KEYSLOT", `k${i}`);
      if (shard.slots.some(([from, to]) => slot >= from && slot <= to)) return `k${i}`;
    }
    throw new Error("no key found for the shard");
  }
});
