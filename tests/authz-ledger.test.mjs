// What the chaos suite needs from the local authorization server (authz-server/): storage that forgets no grant,
// a quiet start, a refresh token spent once even when two requests present it at once, the ledger of every token
// and revocation request (the checker's evidence), faults after processing ("reset-after") and faults drawn with a
// probability from a seed. Real HTTP (Node's fetch and node:http), real oidc-provider.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { request } from "node:http";
import { startAuthServer, CLIENTS, tokenHash } from "../authz-server/server.mjs";
import { ScriptedUser } from "./js/user-agent.mjs";

let s;
before(async () => {
  s = await startAuthServer();
});
after(() => s?.close());

const basic = (c) => `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString("base64")}`;
const FORM = "application/x-www-form-urlencoded";
const admin = (path, body) =>
  fetch(`${s.origin}/__admin/${path}`, { method: "POST", body: body && JSON.stringify(body) }).then((r) => r.json());
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url"));

/** A refresh at the token endpoint as `kind`'s client: [status, JSON body]. */
async function refresh(refreshToken, { kind = "confidential", signal } = {}) {
  const c = CLIENTS[kind];
  const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken });
  const headers = { "content-type": FORM };
  if (c.secret) headers.authorization = basic(c);
  else body.set("client_id", c.id);
  const res = await fetch(s.endpoints.token, { method: "POST", headers, body, signal });
  const text = await res.text();
  return [res.status, text.startsWith("{") ? JSON.parse(text) : text];
}

/** A confidential client's sign-in through the real pages and its code exchange: the token response. */
async function signIn(login) {
  const q = new URLSearchParams({
    client_id: CLIENTS.confidential.id,
    response_type: "code",
    redirect_uri: `${s.origin}/callback`,
    scope: "contact_data offline_access",
    state: "st",
  });
  const redirectUri = `${s.origin}/callback`;
  const redirect = await new ScriptedUser().authorize(`${s.endpoints.authorize}?${q}`, { login, redirectUri });
  const code = new URL(redirect).searchParams.get("code");
  const res = await fetch(s.endpoints.token, {
    method: "POST",
    headers: { "content-type": FORM, authorization: basic(CLIENTS.confidential) },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

/** Runs `fn(i)` for i < n, `width` at a time. */
async function pool(n, width, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/**
 * The server's command in its own process, once its JSON line is out: `{ info, out(), err(), stop() }`, where
 * `info` is that line parsed and `out()` / `err()` all it printed so far.
 */
async function serverProcess() {
  const child = spawn(process.execPath, ["authz-server/server.mjs", "--port", "0", "--json"], {
    cwd: new URL("..", import.meta.url),
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const deadline = Date.now() + 15_000;
  while (!out.includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const stop = () => child.kill();
  try {
    return { info: JSON.parse(out.split("\n")[0]), out: () => out, err: () => err, stop };
  } catch (e) {
    stop();
    throw new Error(`the server printed no JSON line in time: ${out} (stderr: ${err})`, { cause: e });
  }
}

test("start-up and the first token request are quiet: one JSON line on stdout, nothing on stderr", async () => {
  const server = await serverProcess();
  try {
    // A token request (oidc-provider warned at the first one that the form had been read before it).
    const { endpoints, clients } = server.info;
    const form = { grant_type: "refresh_token", refresh_token: "unknown", client_id: clients.pkce.id };
    const answer = await fetch(endpoints.token, { method: "POST", body: new URLSearchParams(form) });
    assert.equal(answer.status, 400, "an unknown refresh token is refused");
    // Anything printed just after (a late warning) counts too.
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    server.stop();
  }
  assert.equal(server.err(), "", "nothing on stderr (no Unsupported runtime, no in-memory adapter warning)");
  const lines = server.out().split("\n");
  assert.equal(lines.length, 2, server.out());
  assert.equal(lines[1], "");
  assert.ok(JSON.parse(lines[0]).endpoints.token);
});

test("a client that resets the connection mid-answer is not logged as a server error", async () => {
  // The chaos suite's workers are killed, and time out, while a "slow-body" answer is still coming.
  const server = await serverProcess();
  let reset = false;
  try {
    const { endpoints, clients } = server.info;
    const fault = { fault: { at: "token", kind: "slow-body", slowMs: 1500 } };
    const config = await fetch(new URL("/__admin/config", endpoints.token), {
      method: "POST",
      body: JSON.stringify(fault),
    });
    assert.equal(config.status, 200);
    const form = { grant_type: "refresh_token", refresh_token: "unknown", client_id: clients.pkce.id };
    await new Promise((resolve, reject) => {
      const headers = { "content-type": FORM };
      const req = request(endpoints.token, { method: "POST", headers }, (res) => {
        // The first bytes of the body are here, the rest is on its way: the client goes with an RST.
        res.once("data", () => {
          req.socket.resetAndDestroy();
          reset = true;
          resolve();
        });
      });
      req.on("error", (e) => (reset ? undefined : reject(e)));
      req.end(new URLSearchParams(form).toString());
    });
    // The server notices when it next writes or reads: wait out the rest of the slow body.
    await new Promise((r) => setTimeout(r, 2000));
  } finally {
    server.stop();
  }
  assert.ok(reset, "the client reset the connection mid-body");
  assert.equal(server.err(), "", "no ECONNRESET / EPIPE on stderr");
});

test("storage forgets nothing: 2,000 accounts (and 20 signed in by the pages), each refreshed twice", async () => {
  // oidc-provider's default store, an LRU of 1,000 entries, answered invalid_grant for most of these.
  const accounts = [];
  await pool(20, 4, async (i) => {
    accounts.push({ refreshToken: (await signIn(`paged${i}@example.com`)).refresh_token });
  });
  for (let i = 0; i < 2000; i++) accounts.push(await s.seed({ sub: `fleet${i}@example.com` }));
  const failures = [];
  await pool(accounts.length, 8, async (i) => {
    for (let round = 0; round < 2; round++) {
      const [status, body] = await refresh(accounts[i].refreshToken);
      if (status !== 200) return failures.push({ i, round, status, body });
      accounts[i].refreshToken = body.refresh_token;
    }
  });
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} accounts forgotten`);
  const held = s.storage();
  assert.ok(held.entries > 6000, `far more than the old LRU's 1,000: ${JSON.stringify(held)}`);
  assert.equal(held.grants, 2020);
});

test("two refreshes presenting one token at once: one 200, one invalid_grant (the server spends it once)", async () => {
  await admin("reset");
  const results = [];
  for (let i = 0; i < 10; i++) {
    const { refreshToken } = await s.seed({ sub: `race${i}@example.com` });
    results.push((await Promise.all([refresh(refreshToken), refresh(refreshToken)])).map(([status]) => status));
  }
  for (const pair of results) assert.deepEqual(pair.toSorted(), [200, 400], JSON.stringify(results));
  const spent = s.ledger().filter((e) => e.type === "token");
  assert.equal(spent.filter((e) => e.status === 200 && !e.reuse).length, 10);
  assert.equal(spent.filter((e) => e.status === 400 && e.reuse && e.error === "invalid_grant").length, 10);
});

test("the ledger: a sign-in, a refresh, a replay, a revocation and a refused refresh, in arrival order", async () => {
  await admin("reset");
  const first = await signIn("ledger@example.com");
  const [, second] = await refresh(first.refresh_token);
  const [replayStatus] = await refresh(first.refresh_token); // reuse: oidc-provider revokes the whole grant
  assert.equal(replayStatus, 400);
  const fresh = await s.seed({ sub: "revoker@example.com" });
  const [, rotated] = await refresh(fresh.refreshToken);
  const revoked = await fetch(s.endpoints.revoke, {
    method: "POST",
    headers: { "content-type": FORM, authorization: basic(CLIENTS.confidential) },
    body: new URLSearchParams({ token: rotated.refresh_token, token_type_hint: "refresh_token" }),
  });
  assert.equal(revoked.status, 200);
  const [afterRevoke] = await refresh(rotated.refresh_token);
  assert.equal(afterRevoke, 400);

  const entries = s.ledger();
  assert.deepEqual(
    entries.map((e) => e.seq),
    entries.map((_, i) => i + 1),
  );
  const claims = (t) => claimsOf(t.access_token);
  const grantOf = entries[0].issued.grantId;
  const common = { clientId: "cc-confidential", processed: true, fault: null, delivered: true, complete: true };
  const strip = (e) => {
    assert.ok(e.at >= Date.now() - 60_000 && e.at <= (e.answeredAt ?? e.at), JSON.stringify(e));
    const { at, answeredAt, ...rest } = e;
    return rest;
  };
  assert.deepEqual(entries.map(strip), [
    {
      seq: 1,
      type: "token",
      ...{ clientId: "cc-confidential", grant: "authorization_code", presented: null, status: 200, error: null },
      reuse: false,
      issued: {
        refreshToken: tokenHash(first.refresh_token),
        accessJti: claims(first).jti,
        sub: "ledger@example.com",
        grantId: grantOf,
      },
      ...{ processed: true, fault: null, delivered: true, complete: true },
    },
    {
      seq: 2,
      type: "token",
      ...{ clientId: "cc-confidential", grant: "refresh_token", presented: tokenHash(first.refresh_token) },
      ...{ status: 200, error: null, reuse: false },
      issued: {
        refreshToken: tokenHash(second.refresh_token),
        accessJti: claims(second).jti,
        sub: "ledger@example.com",
        grantId: grantOf,
      },
      ...{ processed: true, fault: null, delivered: true, complete: true },
    },
    {
      seq: 3,
      type: "token",
      ...{ clientId: "cc-confidential", grant: "refresh_token", presented: tokenHash(first.refresh_token) },
      ...{ status: 400, error: "invalid_grant", reuse: true, issued: null, ...common },
    },
    {
      seq: 4,
      type: "seed",
      clientId: "cc-confidential",
      issued: {
        refreshToken: tokenHash(fresh.refreshToken),
        accessJti: null,
        sub: "revoker@example.com",
        grantId: fresh.grantId,
      },
    },
    {
      seq: 5,
      type: "token",
      ...{ clientId: "cc-confidential", grant: "refresh_token", presented: tokenHash(fresh.refreshToken) },
      ...{ status: 200, error: null, reuse: false },
      issued: {
        refreshToken: tokenHash(rotated.refresh_token),
        accessJti: claims(rotated).jti,
        sub: "revoker@example.com",
        grantId: fresh.grantId,
      },
      ...{ processed: true, fault: null, delivered: true, complete: true },
    },
    {
      seq: 6,
      type: "revocation",
      ...{ clientId: "cc-confidential", token: tokenHash(rotated.refresh_token), tokenTypeHint: "refresh_token" },
      ...{ tokenKind: "refresh_token", grantId: fresh.grantId, status: 200, error: null, ...common },
    },
    {
      seq: 7,
      type: "token",
      ...{ clientId: "cc-confidential", grant: "refresh_token", presented: tokenHash(rotated.refresh_token) },
      // Revoked, never accepted before: not a replay.
      ...{ status: 400, error: "invalid_grant", reuse: false, issued: null, ...common },
    },
  ]);
  assert.equal(tokenHash("x"), "2d711642b726b044", "the first 16 hex digits of SHA-256 (hex)");
  assert.equal(tokenHash(""), null);

  // The same over HTTP, with ?since; refused to a web page; emptied by a reset.
  const http = await (await fetch(`${s.origin}/__admin/ledger`)).json();
  assert.deepEqual(http, entries);
  const since = await (await fetch(`${s.origin}/__admin/ledger?since=5`)).json();
  assert.deepEqual(
    since.map((e) => e.seq),
    [6, 7],
  );
  const page = await fetch(`${s.origin}/__admin/ledger`, { headers: { origin: "http://evil.example" } });
  assert.equal(page.status, 403);
  await admin("reset");
  assert.deepEqual(s.ledger(), []);
});

test("the ledger names every client, and a refusal before oidc-provider (429) as not processed", async () => {
  await admin("reset");
  await admin("config", { tokenRateLimit: true });
  const post = async (body, headers = {}) => {
    const res = await fetch(s.endpoints.token, {
      method: "POST",
      headers: { "content-type": FORM, ...headers },
      body: new URLSearchParams(body),
    });
    return res.status;
  };
  const pkce = { grant_type: "refresh_token", refresh_token: "nope", client_id: CLIENTS.pkce.id };
  assert.equal(await post(pkce), 400);
  assert.equal(await post(pkce), 429, "the second within a second");
  const device = "urn:ietf:params:oauth:grant-type:device_code";
  assert.equal(await post({ grant_type: device, device_code: "unknown", client_id: CLIENTS.device.id }), 400);
  const longLived = { authorization: basic(CLIENTS.longLived) };
  assert.equal(await post({ grant_type: "refresh_token", refresh_token: "nope" }, longLived), 400);
  assert.deepEqual(
    s.ledger().map((e) => [e.clientId, e.grant, e.status, e.error, e.processed]),
    [
      ["cc-pkce", "refresh_token", 400, "invalid_grant", true],
      ["cc-pkce", "refresh_token", 429, "rate_limited", false],
      ["cc-device", "device_code", 400, "invalid_grant", true],
      ["cc-long-lived", "refresh_token", 400, "invalid_grant", true],
    ],
  );
  await admin("reset");
});

test("a fault answered instead (503): recorded, nothing processed, the token still works", async () => {
  await admin("reset");
  const { refreshToken } = await s.seed({ sub: "before@example.com" });
  await admin("config", { fault: { at: "token", kind: "503" } });
  const [status] = await refresh(refreshToken);
  assert.equal(status, 503);
  const [, ok] = await refresh(refreshToken);
  assert.ok(ok.refresh_token, "the presented token was not spent");
  const [, faulted, fault, next] = s.ledger();
  assert.deepEqual(
    [faulted.seq, faulted.status, faulted.processed, faulted.issued, faulted.fault, faulted.reuse],
    [2, 503, false, null, "503", false],
  );
  assert.equal(faulted.presented, tokenHash(refreshToken));
  assert.deepEqual(
    { ...fault, at: 0 },
    { seq: 3, type: "fault", at: 0, kind: "503", endpoint: "token", request: 2, processed: false },
  );
  assert.deepEqual([next.status, next.processed, next.reuse], [200, true, false]);
});

/** A raw POST: resolves to { response: status } or { error: code } (whichever came first). */
function rawRefresh(refreshToken, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }).toString();
    const req = request(s.endpoints.token, {
      method: "POST",
      headers: { "content-type": FORM, authorization: basic(CLIENTS.confidential), "content-length": body.length },
    });
    req.setTimeout(timeoutMs, () => {
      resolve({ timeout: true });
      req.destroy();
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ response: res.statusCode, text }));
      res.on("error", (e) => resolve({ response: res.statusCode, error: e.code }));
    });
    req.on("error", (e) => resolve({ error: e.code }));
    req.end(body);
  });
}

for (const kind of ["reset-after", "truncated-after", "hang-after"]) {
  test(`"${kind}": processed (the token rotated), the answer lost, the ledger holds what was issued`, async () => {
    await admin("reset");
    const { refreshToken, grantId } = await s.seed({ sub: `${kind}@example.com` });
    await admin("config", { fault: { at: "token", kind } });
    const got = await rawRefresh(refreshToken, 1000);
    if (kind === "reset-after") assert.deepEqual(got, { error: "ECONNRESET" }, "reset before any byte of the answer");
    if (kind === "truncated-after") {
      assert.equal(got.response, 200);
      assert.throws(() => JSON.parse(got.text));
    }
    if (kind === "hang-after") assert.deepEqual(got, { timeout: true });
    const [, entry, fault] = s.ledger();
    assert.equal(entry.status, 200);
    assert.equal(entry.processed, true);
    assert.equal(entry.fault, kind);
    assert.equal(entry.delivered, kind === "truncated-after");
    assert.deepEqual(Object.keys(entry.issued), ["refreshToken", "accessJti", "sub", "grantId"]);
    assert.match(entry.issued.refreshToken, /^[0-9a-f]{16}$/);
    assert.deepEqual([entry.issued.sub, entry.issued.grantId], [`${kind}@example.com`, grantId]);
    assert.deepEqual([fault.type, fault.kind, fault.request, fault.processed], ["fault", kind, entry.seq, true]);
    // The presented token was spent: presenting it again is a replay.
    const [status] = await refresh(refreshToken);
    assert.equal(status, 400);
    assert.equal(s.ledger().at(-1).reuse, true);
  });
}

test('"reset" (answered before processing): the token still works (the control for "reset-after")', async () => {
  await admin("reset");
  const { refreshToken } = await s.seed({ sub: "reset-before@example.com" });
  await admin("config", { fault: { at: "token", kind: "reset" } });
  const got = await rawRefresh(refreshToken, 1000);
  assert.equal(got.response, 200, "a status line, then the connection goes");
  const [status] = await refresh(refreshToken);
  assert.equal(status, 200);
  const [, entry] = s.ledger();
  assert.deepEqual([entry.status, entry.processed, entry.issued, entry.delivered], [200, false, null, false]);
});

/** Which of `n` token requests get the fault (true), with the fault switch set to `fault`. */
async function pattern(fault, n = 40) {
  await admin("reset");
  await admin("config", { fault });
  const hits = [];
  for (let i = 0; i < n; i++) hits.push((await refresh(`no-such-token-${i}`))[0] === 500);
  return hits;
}

test("a fault with a probability and a seed: about that share, the same requests for the same seed", async () => {
  const a = await pattern({ at: "token", kind: "500", probability: 0.3, seed: 42 });
  const b = await pattern({ at: "token", kind: "500", probability: 0.3, seed: 42 });
  const c = await pattern({ at: "token", kind: "500", probability: 0.3, seed: 7 });
  const count = (p) => p.filter(Boolean).length;
  assert.deepEqual(a, b, "reproducible");
  assert.notDeepEqual(a, c, "another seed, other requests");
  assert.ok(count(a) >= 4 && count(a) <= 20, `about 30% of 40: ${count(a)}`);
  assert.equal(s.ledger().filter((e) => e.type === "fault").length, count(c), "each fault in the ledger");
  assert.equal((await pattern({ at: "token", kind: "500", probability: 0, seed: 1 })).some(Boolean), false);
  assert.equal((await pattern({ at: "token", kind: "500", probability: 1, seed: 1 })).every(Boolean), true);
  // With times, a cap: then the setting is gone.
  const capped = await pattern({ at: "token", kind: "500", probability: 1, seed: 1, times: 3 }, 6);
  assert.deepEqual(capped, [true, true, true, false, false, false]);
  assert.equal((await admin("config", {})).fault, null);
  await admin("reset");
});

test("fault settings: a list, each on its endpoint; bad probabilities, seeds and times are refused", async () => {
  await admin("reset");
  await admin("config", {
    fault: [
      { at: "revoke", kind: "503" },
      { at: "token", kind: "429", times: 2 },
    ],
  });
  assert.equal((await refresh("x"))[0], 429);
  const rev = await fetch(s.endpoints.revoke, {
    method: "POST",
    headers: { "content-type": FORM, authorization: basic(CLIENTS.confidential) },
    body: new URLSearchParams({ token: "x" }),
  });
  assert.equal(rev.status, 503);
  assert.equal((await refresh("x"))[0], 429);
  assert.equal((await refresh("x"))[0], 400, "the token setting ran out");
  assert.equal((await admin("config", {})).fault, null, "and the list with it");
  const revocation = s.ledger().find((e) => e.type === "revocation");
  assert.deepEqual([revocation.status, revocation.fault, revocation.processed], [503, "503", false]);
  for (const bad of [
    { at: "token", kind: "500", probability: 1.5 },
    { at: "token", kind: "500", probability: 0.5, seed: 1.5 },
    { at: "token", kind: "500", times: 0 },
    { at: "token", kind: "reset-later" },
    [],
  ]) {
    const res = await fetch(`${s.origin}/__admin/config`, { method: "POST", body: JSON.stringify({ fault: bad }) });
    assert.equal(res.status, 400, JSON.stringify(bad));
  }
  await admin("reset");
});

test("POST /__admin/seed: accounts without the pages; their refresh tokens work; bad input refused", async () => {
  const seed = (body, headers = {}) =>
    fetch(`${s.origin}/__admin/seed`, { method: "POST", headers, body: JSON.stringify(body) });
  const res = await seed({ subs: ["a@example.com", "b@example.com"], clientId: CLIENTS.longLived.id });
  assert.equal(res.status, 200);
  const seeded = await res.json();
  assert.deepEqual(
    seeded.map((x) => [x.clientId, x.sub, typeof x.refreshToken, typeof x.grantId]),
    [
      ["cc-long-lived", "a@example.com", "string", "string"],
      ["cc-long-lived", "b@example.com", "string", "string"],
    ],
  );
  const [status, body] = await refresh(seeded[0].refreshToken, { kind: "longLived" });
  assert.equal(status, 200);
  assert.equal(body.refresh_token, seeded[0].refreshToken, "the long-lived client's token is static");
  assert.deepEqual([claimsOf(body.access_token).sub, body.scope], ["a@example.com", "account_read contact_data"]);
  for (const bad of [{ subs: "a" }, { subs: ["a"], clientId: "nope" }, { subs: ["a"], scope: "bogus_scope" }]) {
    assert.equal((await seed(bad)).status, 400, JSON.stringify(bad));
  }
  assert.equal((await seed({ subs: ["a"] }, { origin: "http://evil.example" })).status, 403);
});

test("revocation entries tell a JWT access token and an unknown token from a refresh token", async () => {
  await admin("reset");
  const { refreshToken } = await s.seed({ sub: "kinds@example.com" });
  const [, tokens] = await refresh(refreshToken);
  const revoke = (token) =>
    fetch(s.endpoints.revoke, {
      method: "POST",
      headers: { "content-type": FORM, authorization: basic(CLIENTS.confidential) },
      body: new URLSearchParams({ token }),
    }).then((r) => r.status);
  assert.equal(await revoke(tokens.access_token), 200);
  assert.equal(await revoke("never-issued"), 200, "RFC 7009: an unknown token is no error");
  const [jwt, unknown] = s.ledger().filter((e) => e.type === "revocation");
  assert.deepEqual(
    [jwt.token, jwt.tokenKind, jwt.grantId, jwt.tokenTypeHint, jwt.status, jwt.processed],
    [tokenHash(tokens.access_token), "access_token", null, null, 200, true],
  );
  assert.deepEqual([unknown.token, unknown.tokenKind, unknown.status], [tokenHash("never-issued"), "unknown", 200]);
  // The access token is on the deny list now: the API stub refuses it.
  const api = await fetch(`${s.endpoints.apiBase}/account/summary`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  assert.equal(api.status, 401);
});
