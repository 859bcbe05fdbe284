// One process of a chaos schedule: sessions (or a fleet) of the local server's rotating client on the
// schedule's store, calling them at random, and carrying out the runner's orders (sign in, sign out,
// quiesce). Everything it sees goes to its log as JSON lines, written synchronously so that a SIGKILL
// loses nothing already seen: each token request sent and answered (by a fetch wrapper), each store
// operation and its result (by a store wrapper), each call's outcome. Tokens are logged as short hashes.
import { appendFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { ConstantContactOAuth, CtctOAuthError } from "ctct-oauth";
import { openStore } from "./stores.mjs";
import { prng } from "./prng.mjs";

const task = JSON.parse(process.env.CHAOS_TASK);
const hash = (t) => (typeof t === "string" ? createHash("sha256").update(t).digest("hex").slice(0, 16) : null);
const log = (ev) => appendFileSync(task.log, `${JSON.stringify({ t: Date.now(), w: task.id, ...ev })}\n`);
const r = prng(task.seed * 31 + task.id + 7);
const seen = new Set(); // every token this process has held: none may appear in an error

/** The local server's token endpoint and revocation, watched: what was sent, and what came back. */
const watched = async (url, init) => {
  const form = new URLSearchParams(typeof init?.body === "string" ? init.body : "");
  const grant = form.get("grant_type");
  const presented = form.get("refresh_token") ?? form.get("token");
  const kind = String(url).endsWith("/revoke") ? "revoke" : grant ? "token" : "other";
  if (kind === "token") log({ ev: "send", grant, rt: hash(presented) });
  if (kind === "revoke") log({ ev: "revoke", rt: hash(presented) });
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if (kind === "token") log({ ev: "neterr", rt: hash(presented), name: e?.name });
    throw e;
  }
  if (kind !== "token") return res;
  const text = await res.text().catch((e) => {
    log({ ev: "neterr", rt: hash(presented), name: e?.name, during: "body" });
    throw e;
  });
  let body = {};
  try {
    body = JSON.parse(text);
  } catch {
    // the library reads it; the log only needs what was issued
  }
  for (const t of [body.access_token, body.refresh_token]) if (typeof t === "string") seen.add(t);
  log({ ev: "recv", rt: hash(presented), status: res.status, issued: hash(body.refresh_token), error: body.error });
  return new Response(text, { status: res.status, headers: res.headers });
};

const tokenOf = (record) => record?.tokens?.refreshToken;

/** The account's store, watched: every operation and its result. */
function watch(store, account) {
  const op = (name, fn) =>
    async function (...args) {
      const rec = name === "set" ? args[0] : undefined;
      try {
        const out = await fn.apply(store, args);
        const result = name === "lock" ? { lease: Boolean(out?.lease) } : name === "get" ? undefined : { out };
        const detail = rec ? { version: rec.version, chain: rec.chain, rt: hash(tokenOf(rec)) } : {};
        if (rec) detail.kind = rec.signedOut ? "signed_out" : rec.failed ? "failed" : "tokens";
        if (name === "get") detail.version = out?.version ?? 0;
        // (Every renewal too: the checker reads when each lease would have run out.)
        log({ ev: "store", op: name, account, ok: true, ...result, ...detail });
        return out;
      } catch (e) {
        log({ ev: "store", op: name, account, ok: false, error: e?.message?.slice(0, 120), version: rec?.version });
        throw e;
      }
    };
  const w = { backend: store.backend };
  for (const name of ["get", "set", "delete", "lock", "renew", "unlock"]) {
    if (typeof store[name] === "function") w[name] = op(name, store[name]);
  }
  return w;
}

/** An error as the checker judges it: typed, and holding none of the tokens this process has seen. */
function judge(e, context) {
  if (!(e instanceof CtctOAuthError) || typeof e.code !== "string") {
    log({ ev: "untyped", context, name: e?.name, message: String(e?.message).slice(0, 200) });
  }
  const shown = [inspect(e, { depth: 8, showHidden: true }), String(e), JSON.stringify(e ?? null)].join("\n");
  for (const t of seen) {
    if (shown.includes(t) || (t.length > 40 && shown.includes(t.slice(10, 40)))) {
      log({ ev: "leak", context, code: e?.code });
      break;
    }
  }
  return { ok: false, code: e?.code, reason: e?.reason };
}

const clock = () => Date.now() / 1000 + task.clockOffset;
const auth = new ConstantContactOAuth({ ...task.config, fetch: watched, clock, allowInsecureLoopback: true });
/** The store's client: a process started while the store is down waits for it, as a server would. */
async function open() {
  for (let attempt = 0; ; attempt++) {
    try {
      return await openStore(task.store);
    } catch (e) {
      if (attempt >= 300) throw e;
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}
const opened = await open();
const stores = new Map(task.accounts.map((a) => [a, watch(opened.store(a), a)]));
const sessionsOf = new Map(
  task.accounts.map((a) => [
    a,
    Array.from({ length: task.sessions }, () => auth.session({ ...task.session, store: stores.get(a) })),
  ]),
);
const fleet = task.mode === "fleet" ? auth.fleet({ store: (a) => stores.get(a), session: task.session }) : null;

let running = true;
const inflight = new Set();
/** Runs `fn` as a logged call; a call that does not settle within 30 s is a hang. */
function call(op, account, fn) {
  const started = Date.now();
  const watchdog = setTimeout(() => log({ ev: "hang", op, account, since: started }), 30_000);
  const p = (async () => {
    try {
      const v = await fn();
      if (typeof v === "string") seen.add(v);
      log({
        ev: "call",
        op,
        account,
        ok: true,
        token: typeof v === "string" ? hash(v) : undefined,
        ms: Date.now() - started,
      });
    } catch (e) {
      log({ ev: "call", op, account, ...judge(e, op), ms: Date.now() - started });
    } finally {
      clearTimeout(watchdog);
    }
  })();
  inflight.add(p);
  p.finally(() => inflight.delete(p));
  return p;
}

async function work() {
  while (running) {
    const account = r.pick(task.accounts);
    const session = fleet ? fleet.session(account) : r.pick(sessionsOf.get(account));
    const what = r.weighted({ accessToken: 12, api: 3, refresh: 1, status: 1, pass: fleet ? 4 : 0 });
    if (what === "pass") {
      call("pass", null, async () => {
        const pass = await fleet.refreshDue(task.accounts);
        for (const f of pass.failed) judge(f.error, "fleet");
        log({ ev: "pass", ...Object.fromEntries(Object.entries(pass).map(([k, v]) => [k, v.length])) });
      });
    } else if (what === "api") {
      call("api", account, async () => (await session.fetch("/account/summary")).status);
    } else if (what === "refresh") {
      call("refresh", account, async () => (await session.refresh()).accessToken);
    } else if (what === "status") {
      call("status", account, async () => (await session.status()).pendingWrite);
    } else {
      call("accessToken", account, () => session.accessToken());
    }
    while (inflight.size >= task.callsAtOnce && running) await Promise.race(inflight);
    await new Promise((res) => setTimeout(res, r.int(10, 150)));
  }
}

/** The runner's orders, a JSON line each. */
async function order(o) {
  const sessions = sessionsOf.get(o.account) ?? [];
  const session = fleet ? fleet.session(o.account) : sessions[0];
  if (o.cmd === "signin") {
    for (const t of [o.tokens.accessToken, o.tokens.refreshToken]) seen.add(t);
    log({ ev: "signin", account: o.account, rt: hash(o.tokens.refreshToken) });
    await call("setTokens", o.account, () => session.setTokens(o.tokens));
  } else if (o.cmd === "signout") {
    log({ ev: "signout", account: o.account, revoke: o.revoke });
    await call("signOut", o.account, async () => {
      const { error } = await session.signOut({ revoke: o.revoke });
      if (error) judge(error, "revoke");
    });
  } else if (o.cmd === "quiesce") {
    running = false;
    await Promise.race([Promise.allSettled([...inflight]), new Promise((res) => setTimeout(res, 20_000))]);
    const all = fleet ? task.accounts.map((a) => fleet.session(a)) : [...sessionsOf.values()].flat();
    const deadline = Date.now() + 15_000;
    for (const s of all) {
      for (;;) {
        try {
          await s.flush();
          break;
        } catch (e) {
          judge(e, "flush");
          if (Date.now() > deadline) {
            log({ ev: "unflushed" });
            break;
          }
        }
      }
    }
    for (const [account, list] of fleet ? task.accounts.map((a) => [a, [fleet.session(a)]]) : sessionsOf) {
      for (const s of list) {
        const held = await s.tokens().then(
          (t) => hash(t.refreshToken),
          (e) => e?.code,
        );
        const pending = await s.status().then(
          (st) => st.pendingWrite,
          () => false,
        );
        log({ ev: "final", account, held, pending });
      }
    }
    // What the store holds now, as this process reads it (the only way to see inside a memoryStore).
    for (const account of task.accounts) {
      const r = await opened
        .store(account)
        .get()
        .catch(() => undefined);
      log({
        ev: "stored",
        account,
        record: r && { ...r, tokens: r.tokens && { refreshToken: hash(r.tokens.refreshToken) } },
      });
    }
    log({ ev: "quiesced", pending: inflight.size });
    await (async () => opened.close())().catch(() => {});
    process.stdout.write("quiesced\n");
    process.exit(0);
  }
}

let buffered = "";
process.stdin.on("data", (d) => {
  buffered += d;
  for (let i; (i = buffered.indexOf("\n")) >= 0; buffered = buffered.slice(i + 1)) {
    const line = buffered.slice(0, i).trim();
    if (line === "go") work();
    else if (line) order(JSON.parse(line)).catch((e) => log({ ev: "order-failed", message: String(e?.message) }));
  }
});
log({ ev: "ready", pid: process.pid });
process.stdout.write("ready\n");
