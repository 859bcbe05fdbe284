// What the chaos suite needs from the local authorization server (authz-server/): storage that forgets no grant and
// a quiet start. Real HTTP (Node's fetch), real oidc-provider.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
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

test("start-up is quiet: --json prints its one JSON line on stdout and nothing on stderr", async () => {
  const child = spawn(process.execPath, ["authz-server/server.mjs", "--port", "0", "--json"], {
    cwd: new URL("..", import.meta.url),
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  try {
    const deadline = Date.now() + 15_000;
    while (!out.includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Anything printed just after the line (a late warning) counts too.
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    child.kill();
  }
  assert.equal(err, "", "nothing on stderr (no Unsupported runtime, no in-memory adapter warning)");
  const lines = out.split("\n");
  assert.equal(lines.length, 2, out);
  assert.equal(lines[1], "");
  assert.ok(JSON.parse(lines[0]).endpoints.token);
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
