// The package's own command, `ctct-oauth` (pkg/bin/ctct-oauth.mjs), end to end against the local
// authorization server: device and loopback-PKCE logins driven by a scripted user, the file store's
// guarantees, real Redis and PostgreSQL stores, signals, help and exit codes. No mocks: each run is a child
// process, as a user's shell would start it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createClient } from "redis";
import pg from "pg";
import { ConstantContactOAuth, decodeAccessToken, postgresStore, redisStore } from "ctct-oauth";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";
import { ScriptedUser } from "./js/user-agent.mjs";
import { freePort, startPostgres, startRedis } from "./js/services.mjs";

const CLI = new URL("../pkg/bin/ctct-oauth.mjs", import.meta.url).pathname;
const COMMANDS = ["login", "whoami", "token", "refresh", "logout"];
let authz;
let port; // the loopback port registered for the PKCE client, as an application would register it
let redirectUri;

before(async () => {
  port = await freePort();
  redirectUri = `http://127.0.0.1:${port}/callback`;
  authz = await startAuthServer({ redirectUris: [redirectUri] });
  // 1 s between device polls (CC's 5 s would only slow the tests down).
  await admin({ deviceInterval: 1 });
});
after(() => authz?.close());

const admin = (body) => fetch(`${authz.origin}/__admin/config`, { method: "POST", body: JSON.stringify(body) });
const stats = async () => (await fetch(`${authz.origin}/__admin/stats`)).json();

/** An environment of the command's own: a private HOME, no display, the local server's endpoints. */
async function envFor(client, extra = {}) {
  const home = await mkdtemp(join(tmpdir(), "ctct-cli-home-"));
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^CTCT_|^DISPLAY$|^WAYLAND/.test(k)));
  return {
    ...base,
    HOME: home,
    CTCT_CLIENT_ID: CLIENTS[client].id,
    CTCT_ENDPOINTS: JSON.stringify(authz.endpoints),
    CTCT_ALLOW_INSECURE_LOOPBACK: "1",
    CTCT_SCOPES: "account_read contact_data",
    ...extra,
  };
}

/** Starts the command: `{ child, done, waitFor(regex) }`; `done` resolves to { code, signal, stdout, stderr }. */
function start(args, env) {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.re.exec(stderr);
      if (m) (waiters.splice(waiters.indexOf(w), 1), w.resolve(m));
    }
  };
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => ((stderr += d), check()));
  const done = new Promise((resolve) =>
    child.on("close", (code, signal) => {
      for (const w of waiters) w.reject(new Error(`exited (${code}) before ${w.re}:\n${stdout}${stderr}`));
      resolve({ code, signal, stdout, stderr });
    }),
  );
  const waitFor = (re) =>
    new Promise((resolve, reject) => {
      waiters.push({ re, resolve, reject });
      check();
    });
  return { child, done, waitFor, output: () => stdout + stderr };
}
const run = (args, env) => start(args, env).done;

/** A device login approved by the scripted user. */
async function deviceLogin(args, env) {
  const p = start(["login", "--device", ...args], env);
  const [, uri, code] = await p.waitFor(/open (\S+)\nand enter the code (\S+)/);
  const page = await new ScriptedUser().approveDevice(uri, code);
  assert.match(page.html, /Device connected/);
  return p.done;
}

const readJson = async (path) => JSON.parse(await readFile(path, "utf8"));
/** The versions a file store holds (`r-<version>.json`, up to 2^53 - 1), highest first. */
const versions = async (dir) =>
  (await readdir(dir))
    .flatMap((f) => /^r-(\d+)\.json$/.exec(f)?.[1] ?? [])
    .map(Number)
    .filter(Number.isSafeInteger)
    .sort((a, b) => b - a);
/** A file store's record: its highest version. */
const readStored = async (dir) => readJson(join(dir, `r-${(await versions(dir))[0]}.json`));
/** Writes a record into a file store as its next version, as another program could. */
const writeStored = (dir, record) => writeFile(join(dir, `r-${record.version}.json`), JSON.stringify(record));
/** A record whose access token is due: opaque (no `exp` to read), expired by its own times. */
const due = (record) => {
  const { expiresAt, ...rest } = record;
  return { ...rest, version: record.version + 1, tokens: { ...record.tokens, accessToken: "due-token", expiresAt: 1 } };
};
const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

test("device login, whoami, token, refresh (a new version file each time), logout; whoami then exits 1", async () => {
  const env = await envFor("device");
  const dir = join(env.HOME, ".ctct-oauth", "tokens");
  const login = await deviceLogin([], env);
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /^Signed in as owner@example.com \(client cc-device\); tokens saved to file:/);
  assert.match(login.stderr, /Waiting for approval/, "progress is shown while polling");
  const file = join(dir, `r-${(await versions(dir))[0]}.json`);
  assert.equal((await stat(file)).mode & 0o777, 0o600, "the record is private");
  assert.equal((await stat(dir)).mode & 0o777, 0o700, "and so is its directory");
  assert.equal((await stat(join(env.HOME, ".ctct-oauth"))).mode & 0o777, 0o700, "and the one above");
  const saved = await readJson(file);
  assert.ok(Number.isInteger(saved.version) && saved.tokens.refreshToken, "a versioned session record");

  const whoami = await run(["whoami"], env);
  assert.equal(whoami.code, 0, whoami.stderr);
  assert.match(whoami.stdout, /client id: +cc-device/);
  assert.match(whoami.stdout, /subject: +owner@example.com/);
  assert.match(whoami.stdout, /scopes: +account_read contact_data$/m);
  const verified = JSON.parse((await run(["whoami", "--verify", "--json"], env)).stdout);
  assert.deepEqual(
    [verified.clientId, verified.subject, verified.verified, verified.expired],
    ["cc-device", "owner@example.com", true, false],
  );

  const token = await run(["token"], env);
  assert.equal(token.code, 0, token.stderr);
  assert.equal(token.stdout, `${saved.tokens.accessToken}\n`, "the token and nothing else, not refreshed");
  assert.equal(token.stderr, "");

  // A refresh writes a new version file; the one a reader may hold open is never rewritten.
  const before = (await stats()).tokenByGrant.refresh_token ?? 0;
  const refresh = await run(["refresh"], env);
  assert.equal(refresh.code, 0, refresh.stderr);
  assert.match(refresh.stdout, /^Refreshed; the access token is valid until \d{4}-/);
  assert.equal((await stats()).tokenByGrant.refresh_token, before + 1);
  assert.equal((await readJson(file)).tokens.refreshToken, saved.tokens.refreshToken, "the old version is untouched");
  const rotated = await readStored(dir);
  assert.notEqual(rotated.tokens.refreshToken, saved.tokens.refreshToken, "the rotated pair was saved");
  assert.equal(rotated.version, saved.version + 1);
  assert.equal((await stat(join(dir, `r-${rotated.version}.json`))).mode & 0o777, 0o600, "the new file is private");
  const names = await readdir(dir);
  assert.ok(
    names.every((f) => /^(r-\d+|l-[0-9a-f]+-\d+)\.json$/.test(f)),
    `no temp file: ${names}`,
  );

  // Due (expired here): `token` refreshes first and saves the rotated pair before printing the new token.
  await writeStored(dir, due(rotated));
  const dueRun = await run(["token"], env);
  assert.equal(dueRun.code, 0, dueRun.stderr);
  const afterDue = await readStored(dir);
  assert.notEqual(afterDue.tokens.refreshToken, rotated.tokens.refreshToken);
  assert.equal(dueRun.stdout, `${afterDue.tokens.accessToken}\n`);

  const revokes = (await stats()).revoke;
  const logout = await run(["logout"], env);
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stdout, /^Signed out; the refresh token was revoked/);
  assert.equal((await stats()).revoke, revokes + 1);
  const auth = new ConstantContactOAuth({
    clientId: CLIENTS.device.id,
    endpoints: authz.endpoints,
    allowInsecureLoopback: true,
  });
  await assert.rejects(auth.refresh(afterDue.tokens.refreshToken), { code: "invalid_grant" }, "revoked for real");
  const record = await readStored(dir);
  assert.equal(record.signedOut, true);
  assert.equal(record.tokens, undefined, "no token is kept");
  for (const cmd of ["whoami", "token", "refresh"]) {
    const r = await run([cmd], env);
    assert.equal(r.code, 1, `${cmd}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^error not_signed_in: Signed out in file:.*Run: ctct-oauth login$/m);
  }
  const again = await run(["logout"], env);
  assert.deepEqual([again.code, again.stdout], [0, `Not signed in (file:${dir}); nothing to do.\n`]);

  // An authorization code saved where a token belongs (by hand) is named as such.
  const code = "Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK-0s";
  await writeStored(dir, { version: record.version + 1, tokens: { accessToken: code, expiresAt: 4e9 } });
  const mistake = await run(["whoami"], env);
  assert.equal(mistake.code, 1);
  assert.match(mistake.stderr, /^error authorization_code_not_token: .*exchange it first/im);
});

test("login --browser: PKCE through the loopback redirect, a forged state refused, the tokens saved", async () => {
  const env = await envFor("pkce", { CTCT_TOKENS_DIR: join(await mkdtemp(join(tmpdir(), "ctct-cli-")), "t") });
  const p = start(["login", "--browser", "--no-open", "--port", String(port)], env);
  const [, url] = await p.waitFor(/^ {2}(http:\/\/\S+\/authorize\?\S+)$/m);
  assert.match(p.output(), new RegExp(`Listening on ${redirectUri}; .*registered exactly`));
  const params = new URL(url).searchParams;
  assert.equal(params.get("redirect_uri"), redirectUri);
  assert.equal(params.get("code_challenge_method"), "S256");

  // Another state (a stale tab, a forged link) is refused, nothing is saved, and the command keeps waiting.
  for (const query of ["code=forged&state=another", "error=access_denied&state=another", "code=forged"]) {
    const forged = await fetch(`${redirectUri}?${query}`);
    assert.equal(forged.status, 400, query);
    assert.match(await forged.text(), /does not belong to the sign-in/);
  }
  await assert.rejects(stat(env.CTCT_TOKENS_DIR), { code: "ENOENT" });
  assert.equal(p.child.exitCode, null, "still waiting");

  const back = await new ScriptedUser().authorize(url, { redirectUri });
  assert.ok(back.startsWith(`${redirectUri}?code=`), back);
  // The browser's last step: the redirect, to the command's own loopback server.
  const landed = await fetch(back);
  assert.equal(landed.status, 200);
  assert.equal(landed.headers.get("referrer-policy"), "no-referrer");
  assert.match(await landed.text(), /You can close this tab/);
  const { code, stdout, stderr } = await p.done;
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^Signed in as owner@example.com \(client cc-pkce\)/);
  const saved = await readStored(env.CTCT_TOKENS_DIR);
  assert.equal(decodeAccessToken(saved.tokens.accessToken).clientId, "cc-pkce");
  assert.ok(saved.tokens.refreshToken);
  assert.equal((await stat(env.CTCT_TOKENS_DIR)).mode & 0o777, 0o700);
  await assert.rejects(fetch(back), "the loopback server is closed");
  const token = await run(["token"], env);
  assert.equal(token.stdout, `${saved.tokens.accessToken}\n`);
});

test("login --browser: a denial with the right state fails with access_denied; a timeout fails cleanly", async () => {
  const dir = join(await mkdtemp(join(tmpdir(), "ctct-cli-")), "t");
  // The registered URI in CTCT_REDIRECT_URI is where the command listens, without --port.
  const env = await envFor("pkce", { CTCT_TOKENS_DIR: dir, CTCT_REDIRECT_URI: redirectUri });
  const p = start(["login", "--browser", "--no-open"], env);
  const [, url] = await p.waitFor(/^ {2}(http:\/\/\S+\/authorize\?\S+)$/m);
  assert.equal(new URL(url).searchParams.get("redirect_uri"), redirectUri);
  const back = await new ScriptedUser().authorize(url, { redirectUri, decision: "deny" });
  const landed = await fetch(back);
  assert.equal(landed.status, 400);
  assert.match(await landed.text(), /Sign-in failed/);
  const denied = await p.done;
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /^error access_denied: /m);
  await assert.rejects(stat(dir), { code: "ENOENT" });

  const started = Date.now();
  const late = await run(["login", "--browser", "--no-open", "--port", String(port), "--timeout", "1s"], env);
  assert.equal(late.code, 1);
  assert.match(late.stderr, /^error login_timeout: nobody signed in within 1 s; nothing was saved$/m);
  assert.ok(Date.now() - started < 5000);
  await assert.rejects(fetch(redirectUri), "the loopback server is closed");
  await assert.rejects(stat(dir), { code: "ENOENT" });
});

test("--store redis://host:port/<key>: login saves the record production reads, token reads it", async (t) => {
  const redis = await startRedis();
  const env = await envFor("device");
  const key = "ctct:cli-test";
  const store = ["--store", `${redis.url}/${key}`];
  const login = await deviceLogin(store, env);
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, new RegExp(`saved to ${redis.url} key ${key}$`, "m"));
  const client = createClient({ url: redis.url });
  await client.on("error", () => {}).connect();
  t.after(() => (client.destroy(), redis.dispose())); // the client first: the server's exit is not its error

  const record = await redisStore(client, key).get();
  assert.equal(decodeAccessToken(record.tokens.accessToken).clientId, "cc-device");
  const token = await run(["token", ...store], env);
  assert.equal(token.stdout, `${record.tokens.accessToken}\n`, token.stderr);
  assert.equal((await run(["refresh", ...store], env)).code, 0);
  const rotated = await redisStore(client, key).get();
  assert.ok(rotated.version > record.version);
  assert.notEqual(rotated.tokens.refreshToken, record.tokens.refreshToken);
  assert.equal((await run(["token", ...store], env)).stdout, `${rotated.tokens.accessToken}\n`);
  // CTCT_STORE is the default --store; without a key, the key is ctct-oauth:<client id>.
  const other = await run(["whoami"], { ...env, CTCT_STORE: redis.url });
  assert.equal(other.code, 1);
  assert.match(other.stderr, /No saved tokens in redis:\/\/127\.0\.0\.1:\d+ key ctct-oauth:cc-device\./);
  // A server that is not there: a store error, exit 3, the password never shown.
  const gone = await run(["token", "--store", `redis://user:hunter2@127.0.0.1:${await freePort()}/k`], env);
  assert.equal(gone.code, 3, gone.stderr);
  assert.match(gone.stderr, /^error store_error: could not connect to Redis at redis:\/\/user:\*\*\*@/m);
  assert.doesNotMatch(gone.stderr, /hunter2/);
});

test("--store postgres://...?key=<key>: login saves the record production reads, token reads it", async (t) => {
  const server = await startPostgres();
  const env = await envFor("device");
  const key = "ctct:cli-test";
  const store = ["--store", `${server.url}?key=${encodeURIComponent(key)}`];
  const login = await deviceLogin(store, env);
  assert.equal(login.code, 0, login.stderr);
  const pool = new pg.Pool(server.connection);
  t.after(async () => (await pool.end(), await server.dispose())); // the pool first, as for Redis
  const record = await postgresStore(pool, key).get();
  assert.equal(decodeAccessToken(record.tokens.accessToken).clientId, "cc-device");
  const token = await run(["token", ...store], env);
  assert.equal(token.stdout, `${record.tokens.accessToken}\n`, token.stderr);
  const whoami = JSON.parse((await run(["whoami", "--json", ...store], env)).stdout);
  assert.match(whoami.store, new RegExp(`key ${key}$`));
  assert.equal((await run(["logout", ...store], env)).code, 0);
  assert.equal((await postgresStore(pool, key).get()).signedOut, true);
});

test("Ctrl-C: a device login exits 130 with nothing written; a browser login closes its loopback server", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ctct-cli-"));
  const env = await envFor("device", { CTCT_TOKENS_DIR: join(dir, "tokens") });
  // No flag: with no display to open a browser on, the default is the device flow.
  const device = start(["login"], env);
  await device.waitFor(/and enter the code \S+\n[^]*Waiting for approval/);
  device.child.kill("SIGINT");
  const r = await device.done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /^interrupted$/m);
  assert.doesNotMatch(r.stderr, NO_STACK);
  assert.deepEqual(await readdir(dir), [], "no file, no temp file, no lock");

  const pkceEnv = await envFor("pkce", { CTCT_TOKENS_DIR: env.CTCT_TOKENS_DIR });
  const browser = start(["login", "--browser", "--no-open"], pkceEnv);
  const [, listening] = await browser.waitFor(/Listening on (http:\/\/127\.0\.0\.1:\d+\/callback);/);
  assert.equal((await fetch(`${listening}?state=x&code=y`)).status, 400, "the server was up");
  browser.child.kill("SIGINT");
  const b = await browser.done;
  assert.equal(b.code, 130, b.stderr);
  assert.doesNotMatch(b.stderr, NO_STACK);
  await assert.rejects(fetch(listening), "the loopback server is closed");
  assert.deepEqual(await readdir(dir), []);
});

test("Ctrl-C during a refresh waits until the rotated pair is saved, then exits 130", async () => {
  const env = await envFor("device", { CTCT_TOKENS_DIR: join(await mkdtemp(join(tmpdir(), "ctct-cli-")), "t") });
  assert.equal((await deviceLogin([], env)).code, 0);
  const saved = await readStored(env.CTCT_TOKENS_DIR);
  // The server rotates at once and trickles its answer: a Ctrl-C lands after the old token is spent.
  await admin({ fault: { at: "token", kind: "slow-body", slowMs: 2000 } });
  const sent = (await stats()).tokenByGrant.refresh_token ?? 0;
  const p = start(["refresh"], env);
  while (((await stats()).tokenByGrant.refresh_token ?? 0) === sent) await new Promise((r) => setTimeout(r, 20));
  p.child.kill("SIGINT");
  const r = await p.done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /finishing the token request first, so its answer is saved/);
  assert.match(r.stderr, /^interrupted \(after finishing the token request and saving its answer\)$/m);
  assert.doesNotMatch(r.stderr, NO_STACK);
  const rotated = await readStored(env.CTCT_TOKENS_DIR);
  assert.notEqual(rotated.tokens.refreshToken, saved.tokens.refreshToken, "the answer was not dropped");
  assert.equal((await run(["refresh"], env)).code, 0, "and the saved refresh token is the live one");
});

test("several `token` runs at once on a due pair: one refresh between them, one token, the pair saved", async () => {
  const env = await envFor("device", { CTCT_TOKENS_DIR: join(await mkdtemp(join(tmpdir(), "ctct-cli-")), "t") });
  assert.equal((await deviceLogin([], env)).code, 0);
  await writeStored(env.CTCT_TOKENS_DIR, due(await readStored(env.CTCT_TOKENS_DIR)));
  const before = (await stats()).tokenByGrant.refresh_token ?? 0;
  const runs = await Promise.all(Array.from({ length: 6 }, () => run(["token"], env)));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  assert.equal((await stats()).tokenByGrant.refresh_token, before + 1, "one refresh request for six processes");
  const stored = await readStored(env.CTCT_TOKENS_DIR);
  assert.deepEqual(new Set(runs.map((r) => r.stdout)), new Set([`${stored.tokens.accessToken}\n`]));
  assert.equal((await run(["refresh"], env)).code, 0, "the stored refresh token is the live one");
});

test("login replaces a record it cannot use; a store that will not take the pair: it is saved elsewhere", async (t) => {
  const dir = join(await mkdtemp(join(tmpdir(), "ctct-cli-")), "t");
  const env = await envFor("device", { CTCT_TOKENS_DIR: dir, CTCT_STORE_WAIT_MS: "1500" });
  await mkdir(dir, { recursive: true });
  await writeStored(dir, { version: 2 ** 53 + 2, tokens: "not a token set" }); // not a version the library writes
  const login = await deviceLogin([], env);
  assert.equal(login.code, 0, login.stderr);
  const stored = await readStored(dir);
  assert.ok(Number.isSafeInteger(stored.version) && stored.tokens.refreshToken, "replaced by the new sign-in");
  assert.equal((await run(["token"], env)).code, 0);

  // A Redis that refuses writes (out of memory): the sign-in's pair is not thrown away.
  const redis = await startRedis();
  const client = createClient({ url: redis.url });
  await client.on("error", () => {}).connect();
  t.after(() => (client.destroy(), redis.dispose()));
  await client.sendCommand(["CONFIG", "SET", "maxmemory", "1"]);
  const refused = await deviceLogin(["--store", `${redis.url}/ctct:full`], env);
  assert.equal(refused.code, 3, refused.stderr);
  const [, rescued] = /they are saved in file:(\S+)/.exec(refused.stderr) ?? [];
  assert.ok(rescued, refused.stderr);
  assert.match(refused.stderr, /^hint: use --store file:\S+ until the store is back$/m);
  const kept = await readStored(rescued);
  assert.ok(kept.tokens.refreshToken, "the pair is in the rescue directory");
  const token = await run(["token", "--store", `file:${rescued}`], env);
  assert.equal(token.stdout, `${kept.tokens.accessToken}\n`, token.stderr);
});

test("a PostgreSQL password is masked wherever the store is named, in the URL's user part or its query", async () => {
  const env = await envFor("device");
  for (const url of [
    "postgres://u:hunter2secret@127.0.0.1:1/db?key=k",
    "postgres://u@127.0.0.1:1/db?password=hunter2secret&key=k",
  ]) {
    const r = await run(["token", "--store", url], env);
    assert.notEqual(r.code, 0);
    assert.ok(!r.stderr.includes("hunter2secret") && !r.stdout.includes("hunter2secret"), r.stderr);
  }
});

test("--help for the command and each subcommand; usage errors exit 2", async () => {
  const env = await envFor("device");
  for (const args of [[], ["--help"], ["help"]]) {
    const r = await run(args, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ctct-oauth: authorize once/);
    for (const cmd of COMMANDS) assert.match(r.stdout, new RegExp(`^ {2}${cmd} `, "m"));
    assert.match(r.stdout, /^Exit codes:\n {2}0 +success\n {2}1 +not signed in/m);
    assert.match(r.stdout, /CTCT_CLIENT_ID/);
  }
  for (const cmd of COMMANDS) {
    for (const args of [
      [cmd, "--help"],
      [cmd, "-h"],
      ["help", cmd],
    ]) {
      const r = await run(args, env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: ctct-oauth ${cmd} `));
      assert.match(r.stdout, /--store <where>/);
      assert.match(r.stdout, /^ {2}130 +interrupted/m);
    }
  }
  assert.match((await run(["login", "--help"], env)).stdout, /register\s+http:\/\/127\.0\.0\.1:<n>\/callback/);
  const usage = [
    [["frobnicate"], /^error usage: no command frobnicate$/m],
    [["login", "--bogus"], /^error usage: Unknown option '--bogus'/m],
    [["login", "--device", "--browser"], /exclude each other/],
    [["login", "--timeout", "soon"], /--timeout soon: expected a duration/],
    [["login", "--port", "http"], /--port http: expected 0 to 65535/],
    [["token", "extra"], /^error usage: /m],
    [["whoami", "--store", "ftp://example.com/x"], /expected file:<path>/],
    [["whoami", "--verify=yes"], /^error usage: /m],
    [["help", "nothing"], /no command nothing/],
  ];
  for (const [args, message] of usage) {
    const r = await run(args, env);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /^hint: see: ctct-oauth /m);
    assert.equal(r.stdout, "");
  }
  const { CTCT_CLIENT_ID, ...noClient } = env;
  const unconfigured = await run(["whoami"], noClient);
  assert.equal(unconfigured.code, 2);
  assert.match(unconfigured.stderr, /^error invalid_config: `clientId` is required/m);
});

test("the packed package installs the command: npx ctct-oauth runs it", async () => {
  const exec = promisify(execFile);
  const packDir = await mkdtemp(join(tmpdir(), "ctct-pack-"));
  const pkgDir = new URL("../pkg/", import.meta.url).pathname;
  const { stdout } = await exec("npm", ["pack", "--json", "--pack-destination", packDir], { cwd: pkgDir });
  const [info] = JSON.parse(stdout);
  assert.ok(info.files.some((f) => f.path === "bin/ctct-oauth.mjs"));
  const project = await mkdtemp(join(tmpdir(), "ctct-cli-consumer-"));
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, version: "1.0.0" }));
  const tarball = join(packDir, info.filename);
  await exec("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: project });
  const env = await envFor("device");
  const help = await exec("npx", ["--no-install", "ctct-oauth", "token", "--help"], { cwd: project, env });
  assert.match(help.stdout, /^Usage: ctct-oauth token /);
  // Installed, the command finds the package's own entry and the user's store packages from the project.
  const r = await exec("npx", ["--no-install", "ctct-oauth", "whoami"], { cwd: project, env }).catch((e) => e);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error not_signed_in: No saved tokens in file:.*\.ctct-oauth\/tokens\./m);
  const noRedis = await exec("npx", ["--no-install", "ctct-oauth", "token", "--store", "redis://127.0.0.1:1/k"], {
    cwd: project,
    env,
  }).catch((e) => e);
  assert.equal(noRedis.code, 2, noRedis.stderr);
  assert.match(noRedis.stderr, /^error store_unavailable: --store redis:\/\/ uses the `redis` package/m);
  assert.match(noRedis.stderr, /^hint: install it in your project: npm install redis$/m);
});
