// Regression tests for the refresh protocol under the faults of a real deployment, one test per
// numbered item, against real Redis and PostgreSQL servers and the local authorization server. Two
// sessions on one store stand for two processes: they share nothing but the store (and the process's
// lane, as two processes share the store's). Items 2 (the command), 13 (stores) and 8 (Cluster) are in
// tests/cli.test.mjs, tests/stores.test.mjs and tests/cluster.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { ConstantContactOAuth, memoryStore } from "ctct-oauth";
import { startAuthServer } from "../authz-server/server.mjs";
import { startRedis, startPostgres } from "./js/services.mjs";
import { connect } from "./js/store-clients.mjs";
import { localServer, expired } from "./js/local-server.mjs";
import { rejects } from "./js/report.mjs";

let s, redis, postgres;
const opened = [];
before(async () => {
  [s, redis, postgres] = await Promise.all([startAuthServer(), startRedis(), startPostgres()]);
});
after(async () => {
  for (const b of opened) await b.close();
  await s?.close();
  await redis?.dispose();
  await postgres?.dispose();
});

const { admin, stats, client, tokensFor: signIn } = localServer(() => s);
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const refreshes = async () => (await stats()).tokenByGrant.refresh_token ?? 0;
let keys = 0;
const key = (name) => `ctct:issue20:${name}:${++keys}`;
async function backend(kind) {
  const b = await connect(kind, kind === "pg" ? postgres.url : redis.url);
  opened.push(b);
  return b;
}
/** `inner` seen through a connection that `cut(true)` severs (reads and writes fail) and `cut(false)` restores. */
function cuttable(inner) {
  let severed = false;
  const fail = () => Promise.reject(new Error("the connection was cut"));
  const store = {
    ...inner,
    get: () => (severed ? fail() : inner.get()),
    set: (/** @type {any} */ r) => (severed ? fail() : inner.set(r)),
  };
  return { inner, store, cut: (/** @type {boolean} */ on) => (severed = on) };
}
async function tokensFor(auth) {
  const t = await signIn(auth);
  await wait(1100); // the exchange counts against the 1 request/s limit too
  return t;
}

for (const kind of ["node-redis", "pg"]) {
  test(`1: a refresh in flight elsewhere never undoes a sign-out or a newer sign-in (${kind})`, async () => {
    await admin("reset");
    const auth = client();
    const b = await backend(kind);
    const k = key("late");
    const [a, other] = [auth.session({ store: b.store(k) }), auth.session({ store: b.store(k) })];
    await a.setTokens(expired(await tokensFor(auth)));
    // A's refresh is answered slowly; meanwhile B signs out.
    await admin("config", { fault: { at: "token", kind: "slow-body", slowMs: 900 } });
    const late = a.accessToken();
    await wait(300);
    await other.signOut();
    await rejects(late, "reauthorization_required", (e) => assert.equal(e.reason, "revoked"));
    const fresh = auth.session({ store: b.store(k) });
    await rejects(fresh.accessToken(), "reauthorization_required", (e) => assert.equal(e.reason, "revoked"));
    assert.equal((await b.store(k).get()).signedOut, true, "the sign-out stands");
    assert.equal((await stats()).revoke, 1, "A's late pair was revoked");

    // Again, but B signs in as another user: the store keeps B's user.
    await admin("reset");
    const k2 = key("late-signin");
    const [c, d] = [auth.session({ store: b.store(k2) }), auth.session({ store: b.store(k2) })];
    await c.setTokens(expired(await tokensFor(auth)));
    const newer = await tokensFor(auth);
    await admin("config", { fault: { at: "token", kind: "slow-body", slowMs: 900 } });
    const lateToo = c.accessToken();
    await wait(300);
    await d.setTokens(newer);
    assert.equal(await lateToo, newer.accessToken, "the refresh that lost adopts the newer sign-in");
    assert.equal((await b.store(k2).get()).tokens.refreshToken, newer.refreshToken);
    assert.equal(await auth.session({ store: b.store(k2) }).accessToken(), newer.accessToken);
  });
}

test("3: a pair the store will not take is kept, its lease held, until it lands: never spent twice", async () => {
  await admin("reset");
  const auth = client();
  const b = await backend("pg");
  const k = key("unwritten");
  const opts = { lockTtlMs: 3000, timeoutMs: 1500 };
  const [a, other] = [auth.session({ store: b.store(k), ...opts }), auth.session({ store: b.store(k), ...opts })];
  await a.setTokens(expired(await tokensFor(auth)));
  await admin("reset");
  // The server refuses every write of a token record (a trigger on the sessions table); its locks still work.
  const refuse = `CREATE OR REPLACE FUNCTION ctct_test_refuse() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'writes refused by the test'; END $$ LANGUAGE plpgsql;
    CREATE OR REPLACE TRIGGER ctct_test_refuse BEFORE INSERT OR UPDATE ON ctct_oauth_sessions
    FOR EACH ROW EXECUTE FUNCTION ctct_test_refuse()`;
  await b.client.query(refuse);
  let waiting;
  try {
    await rejects(a.accessToken(), "store_error", (e) => assert.match(e.message, /keeps writing it/));
    assert.equal((await a.status()).pendingWrite, true, "the new pair is held, being written");
    // Another process wants a token while the pair is unwritten, for longer than a lease lives: it waits
    // (the holder keeps its lease) instead of spending the refresh token the store still holds.
    waiting = other.accessToken();
    waiting.catch(() => {}); // judged below
    await wait(2 * opts.lockTtlMs + 500);
  } finally {
    await b.client.query("DROP TRIGGER IF EXISTS ctct_test_refuse ON ctct_oauth_sessions");
  }
  const held = (await a.tokens()).accessToken;
  assert.equal(await waiting, held, "the other process adopts the pair once it lands");
  assert.equal((await b.store(k).get()).tokens.accessToken, held, "and the store holds it");
  assert.equal(await refreshes(), 1, "one refresh request: the old refresh token was never presented again");
});

test("5: a record with a version the library never writes: nothing spent; a sign-in replaces it", async () => {
  await admin("reset");
  const auth = client();
  const b = await backend("pg");
  const k = key("version");
  const tokens = await tokensFor(auth);
  await b.client.query("SELECT 1"); // the tables exist after the first store call
  const store = b.store(k);
  await store.get();
  await b.client.query(
    "INSERT INTO ctct_oauth_sessions (key, version, record) VALUES ($1, 9007199254740993, $2::jsonb)",
    [k, JSON.stringify({ tokens: expired(tokens) })],
  );
  const session = auth.session({ store });
  await rejects(session.accessToken(), "reauthorization_required", (e) => {
    assert.equal(e.reason, "invalid_record");
    assert.equal(e.field, "version");
  });
  assert.equal(await refreshes(), 0, "no refresh token spent");
  await session.setTokens(expired(tokens));
  assert.notEqual(await session.accessToken(), expired(tokens).accessToken, "refreshed once the record is fixed");
  assert.equal((await store.get()).version, 2);
});

test("6: machines with clocks apart read one store each on its own clock; a session keeps to its clock", async () => {
  await admin("reset");
  const ahead = client();
  const hourAhead = () => Date.now() / 1000 + 3600;
  const shared = memoryStore();
  const w = ahead.session({ store: shared, clock: hourAhead });
  await w.setTokens(expired(await tokensFor(ahead)));
  await w.accessToken(); // refreshed on a clock an hour ahead: the record holds the server's exp
  const reader = client().session({ store: shared });
  const status = await reader.status();
  const exp = JSON.parse(Buffer.from((await reader.accessToken()).split(".")[1], "base64url")).exp;
  assert.equal(status.expiresAt, exp, "a right clock reads the server's exp, not the writer's hour-ahead time");

  // A session whose own clock is 25 h ahead refreshes once, then uses the pair: it reads it on that clock.
  await admin("reset");
  const auth = client();
  const later = auth.session({ clock: () => Date.now() / 1000 + 90_000 });
  await later.setTokens(expired(await tokensFor(auth)));
  const first = await later.accessToken();
  for (let i = 0; i < 5; i++) assert.equal(await later.accessToken(), first);
  assert.equal(await refreshes(), 1, "one refresh, not one per call");
});

test("7: accounts with stores of their own share the application's lane: queued, never refused", async () => {
  await admin("reset");
  const auth = client();
  const sets = [];
  for (let i = 0; i < 3; i++) sets.push(await tokensFor(auth));
  await admin("config", { tokenRateLimit: true });
  try {
    const sessions = sets.map(() => auth.session({ store: memoryStore() }));
    for (const [i, x] of sessions.entries()) await x.setTokens(expired(sets[i]));
    const got = await Promise.allSettled(sessions.map((x) => x.accessToken()));
    assert.deepEqual(
      got.map((g) => g.status),
      ["fulfilled", "fulfilled", "fulfilled"],
      JSON.stringify(got.map((g) => g.reason?.code)),
    );
    const times = (await stats()).tokenTimes;
    assert.ok(times.at(-1) - times.at(-3) >= 2000, "a second apart");
  } finally {
    await admin("config", { tokenRateLimit: false });
  }
});

test("9: a session that found no tokens sees a sign-in stored later by another process", async () => {
  await admin("reset");
  const auth = client();
  const b = await backend("node-redis");
  const k = key("later");
  const tokens = await tokensFor(auth);
  const waiting = auth.session({ store: b.store(k) });
  await rejects(waiting.accessToken(), "reauthorization_required", (e) => assert.equal(e.reason, "no_tokens"));
  await auth.session({ store: b.store(k) }).setTokens(tokens);
  await rejects(waiting.accessToken(), "reauthorization_required"); // looked less than a second ago
  await wait(1050);
  assert.equal(await waiting.accessToken(), tokens.accessToken);
});

test("10: a fleet reports read failures as failed, a dead account once, an account listed twice once", async () => {
  await admin("reset");
  const auth = client();
  const b = await backend("pg");
  const [dead, live] = [key("dead"), key("live")];
  const spent = await tokensFor(auth);
  await auth.refresh(spent.refreshToken); // its refresh token is now dead
  await auth.session({ store: b.store(dead) }).setTokens(expired(spent));
  await auth.session({ store: b.store(live) }).setTokens(expired(await tokensFor(auth)));
  let broken = false;
  const fleet = auth.fleet({
    store: (a) => {
      const s = b.store(a);
      return { ...s, get: () => (broken && a === live ? Promise.reject(new Error("connection lost")) : s.get()) };
    },
  });
  const first = await fleet.refreshDue([dead, live, live]);
  assert.deepEqual(first.refreshed, [live], "the live account, once");
  assert.deepEqual(
    first.failed.map((f) => [f.account, f.error.reason]),
    [[dead, "rotated"]],
  );
  const sent = await refreshes();
  const second = await fleet.refreshDue([dead, live]);
  assert.deepEqual(second.failed, [], "reported once");
  assert.deepEqual(second.reauthorize, [dead], "then listed");
  assert.equal(await refreshes(), sent, "never locked or refreshed again");
  broken = true;
  await wait(1050);
  const fleet2 = auth.fleet({
    store: (a) => ({ ...b.store(a), get: () => Promise.reject(new Error("connection lost")) }),
  });
  const third = await fleet2.refreshDue([live]);
  assert.deepEqual(third.empty, [], "a store that cannot be read is not `empty`");
  assert.deepEqual(
    third.failed.map((f) => [f.account, f.error.code]),
    [[live, "store_error"]],
  );
});

test("11: 200 accounts due at once in one process: at most 20 store commands per refresh", async () => {
  const b = await backend("ioredis");
  let sent = 0;
  const call = b.client.call.bind(b.client);
  b.client.call = (...args) => ((sent += 1), call(...args));
  let issued = 0;
  const fetch = async () => {
    issued += 1;
    const body = {
      access_token: `at-${issued}`,
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: `rt-${issued}`,
    };
    return new Response(JSON.stringify(body), { status: 200 });
  };
  const fast = new ConstantContactOAuth({ clientId: "bulk", clientSecret: "bulk-secret-123", fetch });
  const sessions = Array.from({ length: 200 }, (_, i) =>
    fast.session({ store: b.store(key(`bulk-${i}`)), tokenRequestsPerSecond: 100 }),
  );
  const expiredAt = Math.floor(Date.now() / 1000) - 1;
  for (const x of sessions)
    await x.setTokens({ accessToken: "old", refreshToken: "r".repeat(20), expiresAt: expiredAt });
  sent = 0;
  await Promise.all(sessions.map((x) => x.accessToken()));
  assert.equal(issued, 200);
  assert.ok(sent / issued <= 20, `${sent / issued} store commands per refresh`);
});

test("12: after a Redis restart without persistence, the next token request still waits the lane's gap", async () => {
  await admin("reset");
  const auth = client();
  const b = await backend("node-redis");
  const [k1, k2] = [key("gap-1"), key("gap-2")];
  const [t1, t2] = [await tokensFor(auth), await tokensFor(auth)];
  await admin("config", { tokenRateLimit: true });
  try {
    await auth.session({ store: b.store(k1) }).setTokens(expired(t1));
    await auth.session({ store: b.store(k1) }).accessToken(); // a request: its end is stamped in Redis
    await redis.stop();
    await redis.start(); // the stamp (and everything) is gone
    await wait(300); // the client reconnects
    const s2 = auth.session({ store: b.store(k2) });
    await s2.setTokens(expired(t2));
    await s2.accessToken(); // with no stamp it waits a gap, so the server's 1/s limit is not hit
    const times = (await stats()).tokenTimes;
    assert.ok(times.at(-1) - times.at(-2) >= 1000, `${times.at(-1) - times.at(-2)} ms apart`);
  } finally {
    await admin("config", { tokenRateLimit: false });
  }
});

test("14: what a stored record holds is named when it is wrong: refreshUsedAt, a record over 64 KB", async () => {
  const auth = client();
  const store = memoryStore();
  await store.set({ version: 1, tokens: { accessToken: "x", expiresAt: 4e9 }, refreshUsedAt: "yesterday" });
  await rejects(auth.session({ store }).accessToken(), "reauthorization_required", (e) =>
    assert.equal(e.field, "refreshUsedAt"),
  );
  const big = memoryStore();
  await big.set({ version: 1, tokens: { accessToken: "x", expiresAt: 4e9, note: "n".repeat(20_000_000) } });
  await rejects(auth.session({ store: big }).accessToken(), "reauthorization_required", (e) =>
    assert.equal(e.field, "record"),
  );
});

test("4: a session's store_error prints no token, whatever the client hung on its cause", async () => {
  const auth = client();
  const secret = "rt-very-secret-refresh-token-value-0123456789";
  const inner = memoryStore();
  let readOnly = true;
  const store = {
    ...inner,
    async set(record) {
      if (!readOnly) return inner.set(record);
      const e = new Error("READONLY You can't write against a read only replica.");
      e.command = { name: "evalsha", args: [JSON.stringify(record)] }; // what ioredis attaches
      throw e;
    },
  };
  const session = auth.session({ store, timeoutMs: 1000 });
  const err = await session.setTokens({ accessToken: "a", refreshToken: secret, expiresAt: 4e9 }).catch((e) => e);
  assert.equal(err.code, "store_error");
  const shown = inspect(err, { depth: 10, showHidden: true });
  assert.ok(!shown.includes(secret), shown);
  assert.match(shown, /READONLY/, "the cause's own words are kept");
  readOnly = false;
  await session.flush(); // and the pair, kept meanwhile, lands
  assert.equal((await inner.get()).tokens.refreshToken, secret);
});

test("a sign-in whose write lost a race is written again as a record, one version past the winner", async () => {
  const auth = client();
  const inner = memoryStore();
  const theirs = { accessToken: "theirs", refreshToken: "their-refresh-token", expiresAt: 4e9 };
  let raced = false;
  const store = {
    ...inner,
    async set(record) {
      // Another process writes the same version just before this one.
      if (!raced) ((raced = true), await inner.set({ version: record.version, chain: record.version, tokens: theirs }));
      return inner.set(record);
    },
  };
  const mine = { accessToken: "mine", refreshToken: "my-refresh-token", expiresAt: 4e9 };
  await auth.session({ store }).setTokens(mine);
  const stored = await inner.get();
  assert.deepEqual([stored.version, stored.chain, stored.tokens.refreshToken], [2, 2, "my-refresh-token"]);
  // And a sign-out the same way.
  raced = false;
  await auth.session({ store }).signOut();
  const out = await inner.get();
  assert.deepEqual([out.signedOut, out.tokens], [true, undefined]);
});

test("a sign-in still being written is not undone by a stored record of its version", async () => {
  // Found by the soak (seed 10216, a G2 violation): a process whose connection was cut signed in, at one version
  // past the last it had seen; another process had meanwhile stored that version. The connection came back, a
  // refresh read the other record, took it for the newer, spent its refresh token and wrote over the unwritten
  // sign-in, whose pair was then neither stored nor revoked.
  await admin("reset");
  const auth = client();
  const [first, other, mine] = [await tokensFor(auth), await tokensFor(auth), await tokensFor(auth)];
  const { inner, store, cut } = cuttable(memoryStore());
  const a = auth.session({ store: inner });
  const b = auth.session({ store });
  await a.setTokens(first);
  await b.tokens(); // B has seen version 1
  await a.setTokens(expired(other)); // version 2, due, unseen by B
  cut(true);
  await rejects(b.setTokens(mine), "store_error"); // written at version 2 too, in the background
  cut(false);
  const refreshed = (await b.refresh()).refreshToken;
  assert.notEqual(refreshed, mine.refreshToken, "B refreshed its own sign-in");
  await b.flush();
  assert.equal((await inner.get()).tokens.refreshToken, refreshed, "and the store holds B's pair");
  await wait(1100);
  const still = await auth.refresh(other.refreshToken);
  assert.ok(still.refreshToken, "the other sign-in's refresh token was never spent by B");
});

test("a refresh waits for its session's unwritten sign-in to land: the pair is kept, nothing revoked", async () => {
  // Found by the soak (seed 20106, G1): a session signed in while the store refused writes; once it was back,
  // the sign-in's token was due, and the session refreshed from the sign-in it held. Meanwhile the sign-in's own
  // write, refused at first, was written again at the version the refresh meant to write, so the refreshed pair
  // was taken for a late one and revoked, and the record kept the spent refresh token.
  await admin("reset");
  const auth = client();
  const [first, mine] = [await tokensFor(auth), await tokensFor(auth)];
  const { inner, store, cut } = cuttable(memoryStore());
  const a = auth.session({ store: inner });
  const b = auth.session({ store });
  await a.setTokens(first);
  await b.tokens(); // B has seen version 1
  await a.refresh(); // version 2, unseen by B
  cut(true);
  await rejects(b.setTokens(expired(mine)), "store_error"); // version 2 too, written in the background
  cut(false);
  // The refresh's answer is slow: the sign-in's write would land meanwhile.
  await admin("config", { fault: { at: "token", kind: "slow-body", slowMs: 1200, times: 1 } });
  const token = await b.accessToken();
  assert.notEqual(token, expired(mine).accessToken, "refreshed");
  assert.equal(await b.accessToken(), token, "and kept");
  await b.flush();
  assert.equal((await inner.get()).tokens.accessToken, token, "the store holds it");
  assert.equal((await stats()).revoke ?? 0, 0, "nothing revoked");
});

test("a refresh queued before a sign-in spends the sign-in's token once and keeps its pair", async () => {
  // Found by the soak (seed 10006): a refresh waiting its turn in the process's lane while the session was
  // given new tokens read the new sign-in's record, spent its refresh token, then took the pair for a late
  // one and revoked it; the next refresh presented the spent token again.
  await admin("reset");
  const auth = client();
  const [other, first, second] = [await tokensFor(auth), await tokensFor(auth), await tokensFor(auth)];
  const busy = auth.session({ store: memoryStore() });
  const session = auth.session({ store: memoryStore() });
  await busy.setTokens(expired(other));
  await session.setTokens(expired(first));
  // The other account's refresh holds the lane; this session's refresh queues behind it.
  await admin("config", { fault: { at: "token", kind: "slow-body", slowMs: 800 } });
  const ahead = busy.accessToken();
  await wait(100);
  const queued = session.accessToken();
  await wait(100);
  await session.setTokens(expired(second)); // a new sign-in while the refresh waits its turn
  await ahead;
  const token = await queued;
  assert.notEqual(token, expired(second).accessToken, "refreshed");
  assert.equal(await session.accessToken(), token, "and kept: no second refresh, no refused token");
  const presented = (await stats()).tokenByGrant.refresh_token;
  assert.equal(presented, 2, "one refresh per account");
  assert.equal((await stats()).revoke ?? 0, 0, "nothing revoked");
});
