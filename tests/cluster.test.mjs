// Sessions across processes: real Redis and PostgreSQL servers started here on free loopback
// ports (tests/js/services.mjs), Node child processes as the machines of a cluster
// (tests/js/cluster-worker.mjs), and the local authorization server counting and timing every token
// request. One refresh per account in the whole cluster; a holder killed before or after the server
// handled its request; the 1 request/s limit paced across processes; the backend down and back.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
import { startRedis, startPostgres } from "./js/services.mjs";
import { connect, KINDS } from "./js/store-clients.mjs";
import { localServer, expired } from "./js/local-server.mjs";
import { rejects } from "./js/report.mjs";

const WORKER = fileURLToPath(new URL("./js/cluster-worker.mjs", import.meta.url));
let authz, redis, postgres;
before(async () => {
  // Access tokens live 2 s here, so a refresh is due almost at once.
  [authz, redis, postgres] = await Promise.all([startAuthServer({ accessTokenTtl: 2 }), startRedis(), startPostgres()]);
});
after(async () => {
  await authz?.close();
  await redis?.dispose();
  await postgres?.dispose();
});

const { admin, stats, client, tokensFor } = localServer(() => authz);
const urlOf = (kind) => (kind === "pg" ? postgres.url : redis.url);
const config = () => ({
  clientId: CLIENTS.confidential.id,
  clientSecret: CLIENTS.confidential.secret,
  endpoints: authz.endpoints,
});
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
let keys = 0;
const freshKey = (name) => `ctct:test:${name}:${++keys}:${Date.now()}`;

/** A worker process; resolves each JSON line it prints through `onLine`, and its exit. */
function worker(task, onLine = () => {}) {
  const child = spawn(process.execPath, [WORKER], { env: { ...process.env, CTCT_TASK: JSON.stringify(task) } });
  child.stdin.on("error", () => {});
  let buf = "";
  let err = "";
  const lines = [];
  child.stdout.on("data", (d) => {
    buf += d;
    for (let i; (i = buf.indexOf("\n")) >= 0; buf = buf.slice(i + 1)) {
      const line = JSON.parse(buf.slice(0, i));
      lines.push(line);
      onLine(line);
    }
  });
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, lines, err })));
  let gone = false;
  const ready = new Promise((resolve, reject) => {
    child.on("exit", () => ((gone = true), reject(new Error(`a worker exited before it was ready: ${err}`))));
    const check = () => (lines.some((l) => l.ready) ? resolve() : gone || setTimeout(check, 10));
    check();
  });
  ready.catch(() => {});
  return { child, exited, ready };
}

/** Starts every worker's work at once, after each has loaded, connected and said so. */
async function together(runs) {
  await Promise.all(runs.map((r) => r.ready));
  for (const r of runs) r.child.stdin.write("go\n");
  return Promise.all(runs.map((r) => r.exited));
}

/** A store in this process for setting up and inspecting what the workers share. */
async function storeOf(kind, key) {
  const b = await connect(kind, urlOf(kind));
  return { store: b.store(key), close: b.close };
}

async function seed(kind, key, tokens) {
  const { store, close } = await storeOf(kind, key);
  await store.set({ version: 1, tokens, refreshUsedAt: Math.floor(Date.now() / 1000) });
  await close();
}

async function stored(kind, key) {
  const { store, close } = await storeOf(kind, key);
  const record = await store.get();
  await close();
  return record;
}

for (const kind of KINDS) {
  describe(kind, () => {
    test(`8 processes × 100 callers on one expired account: exactly 1 token request (${kind})`, async () => {
      await admin("reset");
      const auth = client();
      const tokens = await tokensFor(auth);
      const key = freshKey("hammer");
      await seed(kind, key, expired(tokens));
      await admin("reset");
      const task = { action: "hammer", kind, url: urlOf(kind), key, n: 100, config: config(), barrier: true };
      const results = await together(
        Array.from({ length: 8 }, () => worker({ ...task, session: { refreshMarginSeconds: 0 } })),
      );
      for (const r of results) assert.equal(r.code, 0, r.err);
      const answers = results.map((r) => r.lines.at(-1));
      assert.deepEqual(
        answers.flatMap((a) => a.errors),
        [],
        "0 invalid_grant, 0 errors in any process",
      );
      const all = new Set(answers.flatMap((a) => a.tokens));
      assert.equal(all.size, 1, "every caller in every process got the same new access token");
      assert.equal((await stats()).tokenByGrant.refresh_token, 1, "exactly 1 token request at the server");
      const record = await stored(kind, key);
      assert.equal(record.tokens.accessToken, [...all][0], "the store holds the rotated pair");
      assert.notEqual(record.tokens.refreshToken, tokens.refreshToken);
    });
  });
}

// The lease: short here, so a dead holder delays the others by about this. No margin: tokens live 2 s.
const LEASE = { timeoutMs: 1500, lockTtlMs: 3000, refreshMarginSeconds: 0 };

test("the holder is SIGKILLed while its request is held: another completes within the lease + 2 s", async () => {
  const kind = "node-redis";
  await admin("reset");
  const tokens = await tokensFor(client());
  const key = freshKey("killed-before");
  await seed(kind, key, expired(tokens));
  await admin("reset");
  // The next token request is held, unanswered and unprocessed, until its client goes away.
  await admin("config", { fault: { at: "token", kind: "hang", times: 1 } });
  const task = { action: "hammer", kind, url: urlOf(kind), key, n: 1, config: config(), session: LEASE };
  // The other processes are up, waiting for the holder's lease, when it dies.
  const others = [worker({ ...task, barrier: true }), worker({ ...task, barrier: true })];
  await Promise.all(others.map((o) => o.ready));
  const holder = worker(task);
  for (let i = 0; (await stats()).faults < 1; i++) {
    assert.ok(i < 400, "the holder's request reached the server");
    await wait(25);
  }
  for (const o of others) o.child.stdin.write("go\n");
  await wait(100);
  holder.child.kill("SIGKILL");
  const killedAt = Date.now();
  const results = await Promise.all(others.map((o) => o.exited));
  const tookMs = Date.now() - killedAt;
  for (const r of results) assert.equal(r.code, 0, r.err);
  const tokensSeen = new Set(results.flatMap((r) => r.lines.at(-1).tokens));
  assert.deepEqual(
    results.flatMap((r) => r.lines.at(-1).errors),
    [],
  );
  assert.equal(tokensSeen.size, 1, "both survivors got the one new token");
  // The lease runs out; a waiter looks again within its longest backoff (1 s, jittered up to 1.25 s), then
  // refreshes and exits: measured to the survivors' exit, so the slack covers a request and a process exit.
  assert.ok(tookMs < LEASE.lockTtlMs + 2000, `completed ${tookMs} ms after the kill`);
  assert.equal((await stats()).tokenByGrant.refresh_token, 1, "exactly 1 refresh handled by the server");
});

test("the holder is SIGKILLed after the server rotated: reauthorization_required/rotated, no loop", async () => {
  const kind = "pg";
  await admin("reset");
  const tokens = await tokensFor(client());
  const key = freshKey("killed-after");
  await seed(kind, key, expired(tokens));
  await admin("reset");
  // The next token request is processed (the refresh token rotates) and its answer never sent.
  await admin("config", { fault: { at: "token", kind: "hang-after", times: 1 } });
  const task = { action: "hammer", kind, url: urlOf(kind), key, n: 1, config: config(), session: LEASE };
  const holder = worker(task);
  for (let i = 0; ((await stats()).tokenByGrant.refresh_token ?? 0) < 1; i++) {
    assert.ok(i < 200, "the server handled the holder's refresh");
    await wait(25);
  }
  holder.child.kill("SIGKILL");
  const survivors = await Promise.all([worker(task), worker(task), worker(task)].map((o) => o.exited));
  for (const r of survivors) {
    assert.equal(r.code, 0, r.err);
    const [e] = r.lines.at(-1).errors;
    assert.equal(e?.code, "reauthorization_required", JSON.stringify(r.lines));
    assert.equal(e?.reason, "rotated");
    assert.match(e.message, /another process or device/);
  }
  const refused = (await stats()).tokenByGrant.refresh_token - 1;
  assert.ok(refused <= 3, `at most one refused request per survivor (${refused})`);
});

for (const kind of ["node-redis", "pg"]) {
  test(`4 processes refreshing 20 accounts: never two token requests within 1 s at the server (${kind})`, async () => {
    await admin("reset");
    const auth = client();
    const pairs = [];
    for (let i = 0; i < 20; i++) pairs.push(await tokensFor(auth));
    const keysList = pairs.map(() => freshKey("paced"));
    for (const [i, k] of keysList.entries()) await seed(kind, k, expired(pairs[i]));
    await admin("reset");
    await admin("config", { tokenRateLimit: true }); // the server's own limiter, real: a 429 would show here
    try {
      const shares = [0, 1, 2, 3].map((p) => keysList.filter((_, i) => i % 4 === p));
      const task = { action: "accounts", kind, url: urlOf(kind), config: config(), session: LEASE, barrier: true };
      const results = await together(shares.map((share) => worker({ ...task, keys: share })));
      for (const r of results) assert.equal(r.code, 0, r.err);
      assert.deepEqual(
        results.flatMap((r) => r.lines.at(-1).errors),
        [],
        "queued, never refused",
      );
      const times = (await stats()).tokenTimes;
      assert.equal(times.length, 20);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      assert.ok(Math.min(...gaps) >= 1000, `arrivals ${gaps.join(", ")} ms apart`);
    } finally {
      await admin("config", { tokenRateLimit: false });
    }
  });
}

for (const kind of ["node-redis", "pg"]) {
  test(`backend down in a refresh, then back: store_error, no token lost, no reauthorization (${kind})`, async () => {
    const server = kind === "pg" ? postgres : redis;
    await admin("reset");
    const auth = client();
    const tokens = await tokensFor(auth);
    const key = freshKey("outage");
    const b = await connect(kind, urlOf(kind));
    try {
      const session = auth.session({ store: b.store(key), ...LEASE });
      await session.setTokens(expired(tokens));
      // A second account, due too, whose refresh will be asked for while the store is down.
      const other = auth.session({ store: b.store(freshKey("down")), ...LEASE });
      await wait(1000);
      await other.setTokens(expired(await tokensFor(auth)));
      await admin("reset");
      // The refresh answer trickles in; the backend goes down before it lands.
      await admin("config", { fault: { at: "token", kind: "slow-body", slowMs: 900 } });
      const refreshing = session.accessToken();
      await wait(400);
      await server.stop();
      await rejects(refreshing, "store_error", (e) => assert.match(e.message, kind === "pg" ? /PostgreSQL/ : /Redis/));
      // The rotated pair is held in memory (its access token works while the store is down), being written.
      const held = (await session.tokens()).accessToken;
      assert.notEqual(held, expired(tokens).accessToken);
      assert.equal((await session.status()).pendingWrite, true);
      // A refresh that is due now must not start without the lock: a rotating token is never spent blind.
      await rejects(other.accessToken(), "store_error", (e) => assert.match(e.message, /lock/));
      await server.start();
      await wait(300); // the client reconnects
      // The pending write lands once the store is back. (Tokens live 2 s here, so this call may refresh
      // again: which it can only do with the rotated refresh token the session kept.)
      const after = await session.accessToken();
      const record = await b.store(key).get();
      assert.equal(record?.tokens?.accessToken, after, "the store holds the pair the session holds: nothing lost");
      assert.notEqual(record.tokens.refreshToken, tokens.refreshToken, "the rotated refresh token, not the spent one");
    } finally {
      await b.close();
    }
  });
}

test("a fleet: 2,000 accounts expiring within an hour, 4 processes, under the limit, each in time", async () => {
  // Time runs 60 times faster here, for all of it alike: the fake clock, the server's limiter (one token
  // request per 16.7 ms) and the clients' lane (60 requests a "second"). The long-lived client's refresh
  // token is reused by every account (it comes back the same each time), so 2,000 sign-ins are not needed.
  const speed = 60;
  const kind = "node-redis";
  const fleetServer = await startAuthServer();
  try {
    const live = localServer(() => fleetServer);
    const auth = live.client("longLived");
    const tokens = await live.tokensFor(auth);
    const t0 = Math.floor(Date.now() / 1000);
    const n = 2000;
    const keysList = Array.from({ length: n }, (_, i) => `ctct:fleet:${t0}:${i}`);
    const b = await connect(kind, urlOf(kind));
    // Within one hour, starting ten minutes from now.
    const expiresAt = (i) => t0 + 600 + Math.floor((i * 3600) / n);
    await Promise.all(
      keysList.map((k, i) =>
        b.store(k).set({
          version: 1,
          tokens: { ...tokens, accessToken: `old-${i}`, expiresAt: expiresAt(i) },
          refreshUsedAt: t0,
        }),
      ),
    );
    await b.close();
    await live.admin("reset");
    await live.admin("config", { tokenRateLimit: true, tokenRateLimitMs: 1000 / speed });
    const real0 = Date.now();
    const task = {
      action: "fleet",
      kind,
      url: urlOf(kind),
      keys: keysList,
      clock: { t0, real0, speed },
      config: {
        clientId: CLIENTS.longLived.id,
        clientSecret: CLIENTS.longLived.secret,
        endpoints: fleetServer.endpoints,
      },
      session: { tokenRequestsPerSecond: speed, timeoutMs: 5000, lockTtlMs: 8000 },
    };
    const runs = [0, 1, 2, 3].map(() => worker({ ...task, barrier: true }));
    const exited = together(runs);
    // Every process passes until the server has seen every account's refresh (or the time is up).
    const deadline = Date.now() + 150_000;
    let seen = 0;
    while ((seen = (await live.stats()).tokenByGrant.refresh_token ?? 0) < n && Date.now() < deadline) {
      await wait(250);
      if (process.env.CTCT_FLEET_TRACE) console.error(`fleet: ${seen} refreshes after ${Date.now() - real0} ms`);
    }
    await wait(500); // a last refresh's pair written
    for (const r of runs) r.child.stdin.write("stop\n");
    const results = await exited;
    for (const r of results) assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      results.flatMap((r) => r.lines.at(-1).failed),
      [],
      "no refresh failed (no 429, no invalid_grant)",
    );
    const s = await live.stats();
    const times = s.tokenTimes;
    if (process.env.CTCT_FLEET_TRACE) {
      const c = await connect(kind, urlOf(kind));
      for (const [i, k] of keysList.entries()) {
        const r = await c.store(k).get();
        if (r.version !== 2)
          console.error(`fleet: account ${i} at version ${r.version}`, JSON.stringify(r).slice(0, 300));
      }
      await c.close();
      const owners = new Map();
      results.forEach((r, p) => r.lines.at(-1).mine.forEach((k) => owners.set(k, [...(owners.get(k) ?? []), p])));
      for (const [k, ps] of owners) if (ps.length > 1) console.error(`fleet: ${k} refreshed by ${ps}`);
      console.error(`fleet: per process ${results.map((r) => r.lines.at(-1).refreshed)}`);
    }
    assert.equal(s.tokenByGrant.refresh_token, n, "each account refreshed once in the whole cluster");
    const total = results.reduce((sum, r) => sum + r.lines.at(-1).refreshed, 0);
    assert.equal(total, n, "and each by one process (the others skipped or adopted it)");
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(
      Math.min(...gaps) >= 1000 / speed,
      `never two within a ("compressed") second: min ${Math.min(...gaps)} ms`,
    );
    // Each account's refresh happened before its expiry (the fake clock: `refreshUsedAt`).
    const check = await connect(kind, urlOf(kind));
    const late = [];
    for (const [i, k] of keysList.entries()) {
      const r = await check.store(k).get();
      if (!(r.version >= 2 && r.refreshUsedAt < expiresAt(i))) late.push(i);
    }
    await check.close();
    assert.deepEqual(late, [], "every account refreshed before its expiry");
  } finally {
    await fleetServer.close();
  }
});
