// Sessions against the local server, which counts token requests: single-flight refresh, persist before
// release, adoption of a pair rotated elsewhere, the two strategies, session.fetch and sign-out.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { memoryStore, webStorageStore, decodeAccessToken } from "ctct-oauth";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
import { rejects } from "./js/report.mjs";
import { localServer, expired } from "./js/local-server.mjs";

let s;
before(async () => {
  s = await startAuthServer();
});
after(() => s?.close());

const { admin, stats, client, tokensFor: signIn } = localServer(() => s);
const refreshes = async () => (await stats()).tokenByGrant.refresh_token ?? 0;
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

/** A fresh rotating token pair, through the real login and consent pages. */
async function tokensFor(auth) {
  const tokens = await signIn(auth);
  await wait(1000); // the exchange counts against the 1 request/s token limit too
  return tokens;
}

/** A clock this many seconds before the token set's expiry. */
const before_ = (tokens, seconds) => () => tokens.expiresAt - seconds;

test("check-before-call: no refresh outside the margin, one inside it", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  let now = tokens.expiresAt - 301;
  const session = auth.session({ clock: () => now });
  await session.setTokens(tokens);
  assert.equal(await session.accessToken(), tokens.accessToken);
  assert.equal(await refreshes(), 0, "301 s before expiry with a 300 s margin: no refresh");
  now = tokens.expiresAt - 299;
  const fresh = await session.accessToken();
  assert.notEqual(fresh, tokens.accessToken);
  assert.equal(await refreshes(), 1);
});

test("1,000 concurrent callers on an expiring token: exactly one token request, one shared result", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  const session = auth.session();
  await session.setTokens(expired(tokens));
  const got = await Promise.allSettled(Array.from({ length: 1000 }, () => session.accessToken()));
  const failed = got.filter((r) => r.status === "rejected");
  assert.deepEqual(
    failed.map((r) => r.reason?.code),
    [],
    "0 invalid_grant, 0 errors",
  );
  const values = new Set(got.map((r) => r.value));
  assert.equal(values.size, 1, "every caller gets the same new token");
  assert.notEqual([...values][0], tokens.accessToken);
  assert.equal(await refreshes(), 1, "exactly 1 token request for 1,000 callers");
});

test("persist before release: the rotated pair is stored before anyone gets it", async () => {
  const auth = client();
  const tokens = await tokensFor(auth);
  const store = memoryStore();
  const session = auth.session({ store });
  await session.setTokens(expired(tokens));
  const fresh = await session.accessToken();
  const stored = await store.get();
  assert.equal(stored.tokens.accessToken, fresh, "the store already holds what the caller got");
  assert.equal(stored.version, 2);
});

test("a store write that fails once during rotation is retried: the caller gets the stored pair", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  const inner = memoryStore();
  let failNext = false;
  const store = {
    ...inner,
    set: async (r) => (failNext ? ((failNext = false), Promise.reject(new Error("disk full"))) : inner.set(r)),
  };
  const session = auth.session({ store });
  await session.setTokens(expired(tokens));
  failNext = true;
  const token = await session.accessToken();
  assert.equal((await inner.get()).tokens.accessToken, token, "the retried write stored the rotated pair");
  assert.notEqual((await inner.get()).tokens.refreshToken, tokens.refreshToken);
  assert.equal(await refreshes(), 1, "no re-authorization, no extra refresh");
});

test("a store that keeps failing after rotation: store_error; the pair held, written once it is back", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  const inner = memoryStore();
  let down = false;
  const store = { ...inner, set: async (r) => (down ? Promise.reject(new Error("disk full")) : inner.set(r)) };
  const session = auth.session({ store, timeoutMs: 1000, lockTtlMs: 3000 });
  await session.setTokens(expired(tokens));
  down = true;
  await rejects(session.accessToken(), "store_error", (e) => assert.match(e.message, /keeps writing it/));
  assert.equal((await session.status()).pendingWrite, true);
  const held = await session.accessToken(); // the held pair's access token works meanwhile
  assert.equal((await inner.get()).tokens.accessToken, expired(tokens).accessToken, "not written yet");
  // The lease stays with the writer: another session of the same store cannot refresh meanwhile.
  const other = auth.session({ store: inner, timeoutMs: 1000, lockTtlMs: 3000 });
  assert.equal((await inner.lock("refresh", 1000)).lease, null, "the account's lease is held");
  down = false;
  await session.flush();
  assert.equal((await inner.get()).tokens.accessToken, held, "the held pair landed");
  assert.equal((await session.status()).pendingWrite, false);
  assert.equal(await other.accessToken(), held);
  assert.equal(await refreshes(), 1, "one refresh, nothing spent twice");
});

test("another context rotated the pair: this session adopts it instead of failing", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  const shared = memoryStore();
  const a = auth.session({ store: shared });
  const b = auth.session({ store: shared });
  await a.setTokens(expired(tokens));
  await b.tokens(); // b has loaded the old pair
  const fromA = await a.accessToken(); // a rotates and stores
  const fromB = await b.accessToken(); // b finds the newer pair in the store
  assert.equal(fromB, fromA);
  assert.equal(await refreshes(), 1);
});

test("invalid_grant: re-read the store, adopt a newer pair; only then reauthorization_required (rotated)", async () => {
  await admin("reset");
  const auth = client();
  const tokens = expired(await tokensFor(auth));
  // A store that lags: its first read after the other context's rotation still shows the old pair.
  const real = memoryStore();
  let lagOnce = false;
  let stale;
  const lagging = { ...real, get: async () => (lagOnce ? ((lagOnce = false), stale) : real.get()) };
  const a = auth.session({ store: real });
  await a.setTokens(tokens);
  const b = auth.session({ store: lagging });
  await b.tokens();
  stale = await real.get();
  await a.accessToken(); // rotates: b's refresh token is now dead
  lagOnce = true;
  const fromB = await b.accessToken(); // refresh fails with invalid_grant, then the re-read finds a's pair
  assert.equal(fromB, (await real.get()).tokens.accessToken);

  const lonely = auth.session({ store: memoryStore() });
  await lonely.setTokens(tokens); // the long-dead original pair
  await rejects(lonely.accessToken(), "reauthorization_required", (e) => assert.equal(e.reason, "rotated"));
});

test("timer strategy: refreshes on its own before expiry (fake clock, real timer)", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  const session = auth.session({ strategy: "timer", clock: before_(tokens, 301) }); // due in 1 s
  const seen = [];
  session.onTokens((t) => seen.push(t.accessToken));
  await session.setTokens(tokens);
  assert.equal(await refreshes(), 0);
  await wait(2500);
  assert.equal(await refreshes(), 1, "the timer refreshed once");
  assert.equal(seen.length, 2, "onTokens: the set pair, then the refreshed one");
  await session.signOut();
});

test("the token endpoint's 1 request/s: back-to-back refreshes are queued, not refused", async () => {
  await admin("reset");
  await admin("config", { tokenRateLimit: true });
  try {
    const auth = client("longLived");
    const tokens = await tokensFor(auth);
    const first = auth.session();
    const second = auth.session();
    await first.setTokens(expired(tokens));
    await second.setTokens(expired(tokens));
    const t0 = Date.now();
    await Promise.all([first.accessToken(), second.accessToken()]);
    assert.ok(Date.now() - t0 >= 900, "the second waited its turn");
    assert.equal(await refreshes(), 2);
  } finally {
    await admin("config", { tokenRateLimit: false });
  }
});

test("session.fetch: API base prefix, Bearer token, JSON; 401 refreshes once and retries once", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  const session = auth.session();
  await session.setTokens(tokens);
  const res = await session.fetch("/account/summary");
  assert.equal(res.status, 200);
  assert.equal((await res.json()).contact_email, "owner@example.com");
  // The access token is revoked at the server: the API answers 401, the session refreshes and retries.
  await auth.revoke(tokens.accessToken, "access_token");
  const after401 = await session.fetch("/account/user/privileges");
  assert.equal(after401.status, 200);
  assert.equal(await refreshes(), 1);
  assert.notEqual((await session.tokens()).accessToken, tokens.accessToken);
  await assert.rejects(
    session.fetch("https://evil.example/steal"),
    (e) => e.code === "invalid_config",
    "the token goes only to the API",
  );
});

test("session.json: 429 throttled and quota_exceeded, and both error body shapes", async () => {
  const auth = client();
  const session = auth.session();
  await session.setTokens(await tokensFor(auth));
  try {
    await admin("config", { api429: "throttled" });
    await rejects(session.json("/account/summary"), "rate_limited", (e) => {
      assert.equal(e.errorKey, "throttled");
      assert.deepEqual(e.errors, [{ errorKey: "throttled", errorMessage: "Too Many Requests" }]);
    });
    await admin("config", { api429: "quota_exceeded" });
    await rejects(session.json("/account/summary"), "rate_limited", (e) => {
      assert.equal(e.errorKey, "quota_exceeded");
      assert.match(e.message, /daily/);
    });
  } finally {
    await admin("config", { api429: null });
  }
  await rejects(session.json("/no/such/thing"), "api_error", (e) => {
    assert.equal(e.status, 404);
    assert.equal(e.errors[0].errorKey, "not_found");
  });
});

test("signOut({ revoke: true }) revokes at the server, clears the store; then reauthorization_required", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  const store = memoryStore();
  const session = auth.session({ store });
  await session.setTokens(tokens);
  assert.deepEqual(await session.signOut({ revoke: true }), { revoked: true });
  assert.equal((await stats()).revoke, 1);
  const left = await store.get();
  assert.equal(left.signedOut, true, "a sign-out record, so a refresh still in flight anywhere revokes its pair");
  assert.equal(left.tokens, undefined, "no tokens left in the store");
  await rejects(session.accessToken(), "reauthorization_required", (e) => assert.equal(e.reason, "revoked"));
  await rejects(auth.refresh(tokens), "invalid_grant");
});

test("webStorageStore is versioned: an older pair never overwrites a newer one", async () => {
  const map = new Map();
  const storage = {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => map.set(k, String(v)),
    removeItem: (k) => map.delete(k),
  };
  const store = webStorageStore(storage, "k");
  await store.set({ version: 3, tokens: { accessToken: "new" } });
  await store.set({ version: 2, tokens: { accessToken: "old" } });
  assert.equal((await store.get()).tokens.accessToken, "new");
});

test("the refresh token's idle age is tracked, with a warning near the 180-day limit", async () => {
  const auth = client();
  const tokens = await tokensFor(auth);
  let now = Math.floor(Date.now() / 1000);
  const session = auth.session({ clock: () => now });
  await session.setTokens(tokens);
  assert.deepEqual((await session.status()).warnings, []);
  now += 160 * 86400;
  const status = await session.status();
  assert.equal(status.refreshTokenIdleDays, 160);
  assert.match(status.warnings[0], /^refresh_token_idle/);
  assert.equal(decodeAccessToken((await session.tokens()).accessToken).clientId, CLIENTS.confidential.id);
});

test("a refresh token refused after 180 idle days is reported as expired", async () => {
  const auth = client();
  const tokens = await tokensFor(auth);
  await auth.revoke(tokens.refreshToken); // the server now refuses it, as Constant Contact does after 180 idle days
  let now = Math.floor(Date.now() / 1000);
  const session = auth.session({ clock: () => now });
  await session.setTokens(expired(tokens));
  now += 181 * 86400;
  await rejects(session.accessToken(), "reauthorization_required", (e) => assert.equal(e.reason, "expired"));
});

test("signOut on a session that has not loaded yet still revokes what the store holds", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  const store = memoryStore();
  await auth.session({ store }).setTokens(tokens);
  await auth.session({ store }).signOut({ revoke: true }); // a fresh session object, as a page reload has
  assert.equal((await stats()).revoke, 1);
  await rejects(auth.refresh(tokens), "invalid_grant");
});

test("session.refresh(): refreshes now, once for concurrent callers, and adopts a pair stored meanwhile", async () => {
  await admin("reset");
  const auth = client();
  const tokens = await tokensFor(auth);
  const store = memoryStore();
  const session = auth.session({ store });
  await session.setTokens(tokens);
  const [a, b] = await Promise.all([session.refresh(), session.refresh()]);
  assert.equal(await refreshes(), 1, "two concurrent refresh() calls: one token request");
  assert.equal(a.accessToken, b.accessToken);
  assert.notEqual(a.refreshToken, tokens.refreshToken, "a rotated pair");
  assert.equal(await session.accessToken(), a.accessToken, "and it is the session's pair now");
  assert.ok(Number.isFinite(a.expiresAt) && a.refreshToken);

  // Another process rotated the pair through the same store: refresh() adopts it, no request of its own.
  await wait(1000);
  const other = auth.session({ store });
  const theirs = await other.refresh();
  const refreshesBefore = await refreshes();
  const ours = auth.session({ store });
  await ours.accessToken(); // loaded: holds their pair
  const third = await auth.session({ store }).refresh();
  assert.equal(await refreshes(), refreshesBefore + 1);
  assert.equal((await ours.refresh()).accessToken, third.accessToken, "the newer stored pair, adopted");
  assert.equal(await refreshes(), refreshesBefore + 1, "no second request");
  assert.notEqual(theirs.accessToken, third.accessToken);
});

test("an empty store: reauthorization_required with reason no_tokens and advice that fits", async () => {
  const session = client().session({ store: memoryStore() });
  for (const call of [() => session.tokens(), () => session.accessToken(), () => session.refresh()]) {
    await rejects(call(), "reauthorization_required", (e) => {
      assert.equal(e.reason, "no_tokens");
      assert.match(e.message, /No tokens are stored/);
    });
  }
  await rejects(session.setTokens(null), "invalid_config");
});
