// The TCP fault proxy (tests/js/fault-proxy.mjs) between real clients (raw sockets, node-redis, ioredis, pg) and
// real servers (Redis, PostgreSQL, and a Node echo server where a test must see what the server side got). Each
// fault is asserted by what a client observes, and each test checks the healthy case first, so a fault that did
// nothing fails it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer } from "node:net";
import { createClient } from "redis";
import Redis from "ioredis";
import pg from "pg";
import { startProxy } from "./js/fault-proxy.mjs";
import { startRedis, startPostgres } from "./js/services.mjs";

let redis, other, postgres;
before(async () => {
  [redis, other, postgres] = await Promise.all([startRedis(), startRedis(), startPostgres()]);
  await redis.command("SET", "who", "first");
  await other.command("SET", "who", "second");
});
after(async () => {
  await Promise.all([redis?.dispose(), other?.dispose(), postgres?.dispose()]);
});

const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const quiet = () => {};

/** A raw connection: resolves once connected, or rejects with the connect error (e.g. ECONNREFUSED). */
function rawConnect(port) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      socket.received = "";
      socket.on("data", (d) => (socket.received += d));
      socket.gone = new Promise((r) => socket.on("close", r));
      socket.on("error", (e) => (socket.failure = e));
      resolve(socket);
    });
  });
}

/** Resolves with what `socket` received once it matches `re`, or null if nothing matched within `ms`. */
async function receivedWithin(socket, re, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (re.test(socket.received)) return socket.received;
    await wait(10);
  }
  return null;
}

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

test("pass: node-redis, ioredis and pg work through the proxy; stats count connections and bytes", async () => {
  const proxy = await startProxy(redis);
  const pgProxy = await startProxy(postgres);
  try {
    const nr = await createClient({ url: proxy.url("redis") })
      .on("error", quiet)
      .connect();
    const io = new Redis(proxy.url("redis"), { lazyConnect: true }).on("error", quiet);
    await io.connect();
    const pool = new pg.Pool({ connectionString: pgProxy.url("postgres", "/postgres", "postgres"), max: 1 });
    assert.equal(await nr.get("who"), "first");
    assert.equal(await io.get("who"), "first");
    assert.equal((await pool.query("SELECT 41 + 1 AS n")).rows[0].n, 42);
    const st = proxy.stats();
    assert.equal(st.accepted, 2);
    assert.equal(st.open, 2);
    assert.ok(st.bytesUp > 0 && st.bytesDown > 0, JSON.stringify(st));
    assert.equal(
      pgProxy.url("postgres", "/postgres", "postgres"),
      `postgres://postgres@127.0.0.1:${pgProxy.port}/postgres`,
    );
    await nr.destroy();
    io.disconnect();
    await pool.end();
  } finally {
    await proxy.close();
    await pgProxy.close();
  }
});

test('"stall": new and existing connections hang; back to "pass", what was sent is delivered', async () => {
  const proxy = await startProxy(redis);
  try {
    const io = new Redis(proxy.url("redis"), { lazyConnect: true, maxRetriesPerRequest: 0 }).on("error", quiet);
    await io.connect();
    assert.equal(await io.get("who"), "first", "healthy first");
    const early = await rawConnect(proxy.port);
    early.write("PING\r\n");
    assert.equal(await receivedWithin(early, /\+PONG/, 1000), "+PONG\r\n");

    await proxy.mode("stall");
    const existing = io.get("who");
    early.write("PING\r\n");
    const fresh = await rawConnect(proxy.port); // the handshake completes: a hung network, not a refusal
    fresh.write("PING\r\n");
    assert.deepEqual(await within(existing, 400), { pending: true }, "an existing connection's command hangs");
    assert.equal(await receivedWithin(early, /\+PONG\r\n\+PONG/, 100), null, "nothing comes back on a raw one");
    assert.equal(await receivedWithin(fresh, /PONG/, 100), null, "nor on a new one");
    assert.equal(proxy.stats().held, 1);

    await proxy.mode("pass");
    assert.deepEqual(await within(existing, 1000), { value: "first" }, "the stalled command completes");
    assert.ok(await receivedWithin(early, /\+PONG\r\n\+PONG/, 1000), "the stalled PING is delivered");
    assert.ok(await receivedWithin(fresh, /\+PONG/, 1000), "the held connection is connected onwards");
    early.destroy();
    fresh.destroy();
    io.disconnect();
  } finally {
    await proxy.close();
  }
});

test('"refuse": a new connection fails at once (ECONNREFUSED), existing ones pass; "pass" listens again', async () => {
  const proxy = await startProxy(redis);
  try {
    const existing = await rawConnect(proxy.port);
    await proxy.mode("refuse");
    const t0 = Date.now();
    await assert.rejects(rawConnect(proxy.port), { code: "ECONNREFUSED" });
    assert.ok(Date.now() - t0 < 500, "at once");
    const nr = createClient({ url: proxy.url("redis"), socket: { reconnectStrategy: false } }).on("error", quiet);
    await assert.rejects(nr.connect(), { code: "ECONNREFUSED" });
    existing.write("PING\r\n");
    assert.ok(await receivedWithin(existing, /\+PONG/, 1000), "an existing connection still passes");
    await proxy.mode("pass");
    const again = await rawConnect(proxy.port);
    again.write("PING\r\n");
    assert.ok(await receivedWithin(again, /\+PONG/, 1000), "the same port answers again");
    existing.destroy();
    again.destroy();
  } finally {
    await proxy.close();
  }
});

test('"blackhole-new": new connections hang, existing ones pass; node-redis cannot connect', async () => {
  const proxy = await startProxy(redis);
  try {
    const existing = await rawConnect(proxy.port);
    await proxy.mode("blackhole-new");
    const fresh = await rawConnect(proxy.port);
    fresh.write("PING\r\n");
    existing.write("PING\r\n");
    assert.ok(await receivedWithin(existing, /\+PONG/, 1000), "an existing connection passes");
    assert.equal(await receivedWithin(fresh, /PONG/, 300), null, "a new one gets nothing");
    const nr = createClient({ url: proxy.url("redis"), socket: { connectTimeout: 300, reconnectStrategy: false } });
    nr.on("error", quiet);
    // node-redis's connect completes only on its first reply (it sends commands on connect): that never comes.
    assert.deepEqual(
      await within(
        nr.connect().then(() => nr.ping()),
        500,
      ),
      { pending: true },
    );
    nr.destroy();
    await proxy.mode("pass");
    assert.ok(await receivedWithin(fresh, /\+PONG/, 1000), "the held connection is forwarded once healed");
    existing.destroy();
    fresh.destroy();
  } finally {
    await proxy.close();
  }
});

test("cut(): every open connection is reset on both sides; clients reconnect through the proxy", async () => {
  // A Node server as the upstream, to see what the server side of a cut gets.
  const serverSide = [];
  const echo = createServer((s) => {
    const seen = { reset: false, closed: false };
    serverSide.push(seen);
    s.on("error", (e) => (seen.reset = e.code === "ECONNRESET"));
    s.on("close", () => (seen.closed = true));
    s.pipe(s);
  });
  await new Promise((r) => echo.listen(0, "127.0.0.1", r));
  const proxy = await startProxy({ host: "127.0.0.1", port: echo.address().port });
  const redisProxy = await startProxy(redis);
  try {
    const a = await rawConnect(proxy.port);
    const b = await rawConnect(proxy.port);
    a.write("hello");
    assert.ok(await receivedWithin(a, /hello/, 1000), "echoed before the cut");
    await receivedWithin(b, /never/, 50);
    assert.equal(serverSide.length, 2);
    proxy.cut();
    assert.ok(!(await within(Promise.all([a.gone, b.gone]), 1000)).pending, "both client sockets closed");
    assert.equal(a.failure?.code, "ECONNRESET", "the client sees a reset");
    assert.equal(b.failure?.code, "ECONNRESET");
    await wait(50);
    assert.deepEqual(serverSide, [
      { reset: true, closed: true },
      { reset: true, closed: true },
    ]);
    assert.equal(proxy.stats().open, 0);

    // ioredis reconnects by itself and its next command works.
    const io = new Redis(redisProxy.url("redis"), { lazyConnect: true }).on("error", quiet);
    await io.connect();
    const closed = new Promise((r) => io.once("close", r));
    redisProxy.cut();
    assert.ok(!(await within(closed, 1000)).pending, "the connection was cut");
    assert.equal(await io.get("who"), "first", "and the client reconnected");
    assert.equal(redisProxy.stats().accepted, 2);
    io.disconnect();
  } finally {
    await proxy.close();
    await redisProxy.close();
    echo.close();
  }
});

test("delay(ms): each chunk is late by ms each way, in order; delay(0) restores", async () => {
  const proxy = await startProxy(redis);
  try {
    const io = new Redis(proxy.url("redis"), { lazyConnect: true }).on("error", quiet);
    await io.connect();
    const time = async (fn) => {
      const t0 = performance.now();
      await fn();
      return performance.now() - t0;
    };
    assert.ok((await time(() => io.ping())) < 100, "fast without a delay");
    proxy.delay(150);
    const slow = await time(() => io.ping());
    assert.ok(slow >= 290 && slow < 1000, `a round trip takes twice the delay: ${slow} ms`);
    // Many commands in flight: the replies keep their order (each one matches its command).
    const keys = Array.from({ length: 50 }, (_, i) => `order:${i}`);
    await Promise.all(keys.map((k) => io.set(k, k)));
    assert.deepEqual(await Promise.all(keys.map((k) => io.get(k))), keys);
    proxy.delay(0);
    await io.ping(); // whatever was queued at 150 ms has drained
    assert.ok((await time(() => io.ping())) < 100, "fast again");
    io.disconnect();
  } finally {
    await proxy.close();
  }
});

test("delay(ms) keeps the byte order under load, also when the delay shrinks while chunks are queued", async () => {
  const echo = createServer((sock) => sock.on("error", () => {}).pipe(sock));
  await new Promise((r) => echo.listen(0, "127.0.0.1", r));
  const proxy = await startProxy({ host: "127.0.0.1", port: echo.address().port });
  try {
    const socket = await rawConnect(proxy.port);
    let sent = "";
    proxy.delay(30);
    for (let i = 0; i < 400; i++) {
      const piece = `${i},`;
      sent += piece;
      socket.write(piece);
      if (i % 20 === 0) await wait(1); // separate chunks, in separate turns of the event loop
      if (i === 200) proxy.delay(5); // later chunks due before earlier ones: they must still wait their turn
      if (i === 300) proxy.delay(0);
    }
    assert.ok(await receivedWithin(socket, new RegExp(`${399},$`), 3000), "everything echoed");
    assert.equal(socket.received, sent, "in the order sent");
    socket.destroy();
  } finally {
    await proxy.close();
    echo.close();
  }
});

test("retarget(): new connections reach the other server; with cut(), node-redis and pg follow", async () => {
  const proxy = await startProxy(redis);
  const pgOther = await startPostgres();
  const pgProxy = await startProxy(postgres);
  try {
    const nr = await createClient({ url: proxy.url("redis") })
      .on("error", quiet)
      .connect();
    assert.equal(await nr.get("who"), "first");
    proxy.retarget(other);
    assert.equal(await nr.get("who"), "first", "an existing connection stays where it was");
    proxy.cut();
    await wait(100);
    assert.equal(await nr.get("who"), "second", "after the cut, the client reconnected to the new target");
    assert.deepEqual(proxy.stats().target, { host: "127.0.0.1", port: other.port });

    const pool = new pg.Pool({ connectionString: pgProxy.url("postgres", "/postgres", "postgres") });
    pool.on("error", quiet);
    const portOf = async (c) => (await c.query("SELECT current_setting('port') AS p")).rows[0].p;
    const held = await pool.connect();
    held.on("error", quiet);
    assert.equal(await portOf(held), String(postgres.port));
    pgProxy.retarget(pgOther);
    pgProxy.cut();
    await assert.rejects(portOf(held), /terminated|ECONNRESET|Connection/i, "the open connection was cut");
    held.release(true);
    assert.equal(await portOf(pool), String(pgOther.port), "a new connection reaches the other server");
    await pool.end();
    await nr.destroy();
  } finally {
    await proxy.close();
    await pgProxy.close();
    await pgOther.dispose();
  }
});
