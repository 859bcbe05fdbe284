// Carries out one chaos schedule (./schedule.mjs) against real servers and processes, and gathers the
// evidence the checker reads: the authorization server's ledger (every token request and what it issued,
// every revocation), the runner's own log of the faults it injected and when, every process's log, and
// what the store holds at the end.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startAuthServer, CLIENTS } from "../../authz-server/server.mjs";
import { localServer } from "../js/local-server.mjs";
import { startBackend } from "./backends.mjs";
import { openStore } from "./stores.mjs";

const WORKER = fileURLToPath(new URL("./worker.mjs", import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
/** Resolves once a refresh token reaches the server after `since` (its ledger entry), or after `withinMs`. */
async function nextRefresh(authz, since, withinMs) {
  const arrived = (x) => x.at >= since && x.grant === "refresh_token";
  for (const until = since + withinMs; Date.now() < until; await sleep(5)) {
    if (authz.ledger().some(arrived)) return;
  }
}

/** The ledger's name for a token (authz-server/ledger.mjs tokenHash). */
const hash = (t) => createHash("sha256").update(t).digest("hex").slice(0, 16);

/** Every worker of this process, killed if the runner itself dies. */
const everyWorker = new Set();
process.on("exit", () => {
  for (const c of everyWorker) if (c.exitCode === null && c.signalCode === null) (c.kill("SIGCONT"), c.kill("SIGKILL"));
});

/** A worker process: `{ id, child, ready, quiesced, send(order) }`. */
function spawnWorker(task) {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, CHAOS_TASK: JSON.stringify(task) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.on("error", () => {}); // a killed worker's stdin
  everyWorker.add(child);
  child.on("exit", () => everyWorker.delete(child));
  let out = "";
  let err = "";
  const waiters = [];
  child.stdout.on("data", (d) => {
    out += d;
    for (const w of [...waiters]) if (out.includes(w.line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(true));
  });
  child.stderr.on("data", (d) => (err = (err + d).slice(-4000)));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const waitFor = (line) =>
    new Promise((resolve) => {
      if (out.includes(line)) return resolve(true);
      waiters.push({ line, resolve });
      exited.then(() => resolve(false));
    });
  return {
    id: task.id,
    child,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    stderr: () => err,
    ready: waitFor("ready\n"),
    quiesced: () => waitFor("quiesced\n"),
    send: (o) => child.stdin.write(typeof o === "string" ? `${o}\n` : `${JSON.stringify(o)}\n`),
  };
}

/** Runs `schedule`; resolves to the evidence. `log(line)` hears progress. */
export async function runSchedule(schedule, { log = () => {} } = {}) {
  const workDir = await mkdtemp(join(tmpdir(), `ctct-chaos-${schedule.seed}-`));
  const harness = [];
  const note = (ev) => harness.push({ at: Date.now(), ...ev });
  const authz = await startAuthServer({ accessTokenTtl: schedule.accessTokenTtl });
  const live = localServer(() => authz);
  let backend;
  const workers = new Map();
  try {
    const auth = live.client();
    // Every sign-in of the run is made before it starts, so the run's token requests are the workers' own:
    // a grant seeded at the server (no pages to drive), its access token due at once.
    const signIns = [];
    for (let i = 0; i < schedule.accounts.length + schedule.signIns; i++) {
      const { refreshToken } = await authz.seed({ sub: `chaos-${schedule.seed}-${i}@example.com` });
      const expiresAt = Math.floor(Date.now() / 1000) - 1;
      signIns.push({ accessToken: `seeded-${schedule.seed}-${i}`, refreshToken, tokenType: "Bearer", expiresAt });
    }
    backend = await startBackend(schedule);
    // A memoryStore lives in its one process: that process is told to sign in, below.
    const inProcess = backend.spec.kind === "memory";
    const seeding = await openStore(backend.spec);
    for (const [i, account] of schedule.accounts.entries()) {
      if (!inProcess) await auth.session({ ...schedule.session, store: seeding.store(account) }).setTokens(signIns[i]);
      note({ ev: "seeded", account, rt: hash(signIns[i].refreshToken) });
    }
    await seeding.close();
    const pool = signIns.slice(schedule.accounts.length);
    await live.admin("config", { tokenRateLimit: true, tokenRateLimitMs: schedule.gapMs - 1 });
    const config = {
      clientId: CLIENTS.confidential.id,
      clientSecret: CLIENTS.confidential.secret,
      endpoints: authz.endpoints,
    };
    let nextId = 0;
    const launch = (p) => {
      const id = nextId++;
      const task = {
        ...p,
        id,
        seed: schedule.seed,
        log: join(workDir, `w${id}.log`),
        config,
        store: backend.spec,
        accounts: schedule.accounts,
        session: schedule.session,
      };
      const w = spawnWorker(task);
      w.plan = p;
      workers.set(id, w);
      note({ ev: "spawn", id });
      return w;
    };
    for (const p of schedule.processes) launch(p);
    await Promise.all([...workers.values()].map((w) => w.ready));
    if (inProcess) {
      const w = workers.get(0);
      for (const [i, account] of schedule.accounts.entries()) w.send({ cmd: "signin", account, tokens: signIns[i] });
    }
    const start = Date.now();
    note({ ev: "start" });
    for (const w of workers.values()) w.send("go");

    const undo = new Set();
    const stopped = new Set();
    const later = [];
    const liveWorker = (id) => {
      const w = workers.get(id);
      return w?.alive() ? w : [...workers.values()].find((x) => x.alive());
    };
    for (const e of schedule.events) {
      await sleep(start + e.at - Date.now());
      log(`  ${e.at} ms: ${e.kind} ${e.fault ?? e.what}`);
      if (e.kind === "store") {
        // (Scenarios only: the fault waits, up to `afterRefresh` ms, for the next refresh to reach the server.)
        if (e.afterRefresh) await nextRefresh(authz, Date.now(), e.afterRefresh);
        note({ ev: "fault-start", target: "store", fault: e.fault });
        const u = await backend
          .fault(e.fault)
          .catch((err) => (note({ ev: "fault-error", message: err.message }), null));
        if (!u) continue;
        const end = async () => {
          undo.delete(end);
          // An undo can fail while another fault holds the server (read-only undone while it is paused):
          // try again for a while. It can also fail for good when a failover replaced its server.
          for (let attempt = 1; ; attempt++) {
            try {
              await u();
              break;
            } catch (err) {
              if (attempt >= 20) {
                note({ ev: "fault-error", message: err.message });
                break;
              }
              await sleep(500);
            }
          }
          note({ ev: "fault-end", target: "store", fault: e.fault });
        };
        undo.add(end);
        later.push(sleep(e.forMs).then(() => undo.has(end) && end()));
      } else if (e.kind === "token") {
        const fault = { at: "token", kind: e.fault, times: e.times, ...(e.slowMs ? { slowMs: e.slowMs } : {}) };
        await live.admin("config", { fault });
        note({ ev: "fault-start", target: "token", fault: e.fault, times: e.times });
      } else if (e.kind === "process") {
        const w = liveWorker(e.id);
        if (!w) continue;
        if (e.what === "kill") {
          w.child.kill("SIGKILL");
          note({ ev: "kill", id: w.id });
          if (e.restart) {
            later.push(
              sleep(e.forMs).then(async () => {
                const n = launch(w.plan);
                // A replacement that cannot open its store within 30 s (an ioredis Cluster client can hang on
                // a node paused while it connected) is given up: it never held a token, so nothing is judged.
                if (await Promise.race([n.ready, sleep(30_000).then(() => false)])) n.send("go");
                else (n.child.kill("SIGKILL"), note({ ev: "spawn-gave-up", id: n.id }));
              }),
            );
          }
        } else {
          w.child.kill("SIGSTOP");
          stopped.add(w);
          note({ ev: "stop", id: w.id });
          later.push(
            sleep(e.forMs).then(() => {
              if (!stopped.delete(w)) return;
              w.child.kill("SIGCONT");
              note({ ev: "cont", id: w.id });
            }),
          );
        }
      } else if (e.kind === "user") {
        const w = liveWorker(e.id);
        if (!w) continue;
        const account = schedule.accounts[e.account];
        if (e.what === "signin" && pool.length) {
          const tokens = pool.shift();
          note({ ev: "signin", id: w.id, account, rt: hash(tokens.refreshToken) });
          w.send({ cmd: "signin", account, tokens });
        } else if (e.what === "signout") {
          note({ ev: "signout", id: w.id, account, revoke: e.revoke });
          w.send({ cmd: "signout", account, revoke: e.revoke });
        }
      }
    }
    await sleep(start + schedule.durationMs - Date.now());
    // Heal: every fault undone, every paused process resumed; then every process settles and reports.
    note({ ev: "heal" });
    // The last fault first: a server paused after it was made read-only must answer before it can be
    // made writable again.
    for (const end of [...undo].reverse()) await end();
    for (const w of stopped) (w.child.kill("SIGCONT"), note({ ev: "cont", id: w.id }));
    stopped.clear();
    await live.admin("config", { fault: null });
    await Promise.all(later);
    for (const w of stopped) (w.child.kill("SIGCONT"), note({ ev: "cont", id: w.id }));
    await sleep(500);
    note({ ev: "quiesce" });
    const alive = [...workers.values()].filter((w) => w.alive());
    for (const w of alive) w.send({ cmd: "quiesce" });
    await Promise.all(
      alive.map(async (w) => {
        const done = await Promise.race([w.quiesced(), sleep(60_000).then(() => false)]);
        if (!done) note({ ev: "stuck", id: w.id, stderr: w.stderr().slice(-500) });
      }),
    );
    note({ ev: "end" });
    const reading = await openStore(backend.spec);
    const final = {};
    for (const account of schedule.accounts) {
      final[account] = await reading
        .store(account)
        .get()
        .catch((e) => ({ error: e.message }));
    }
    await reading.close();
    const logs = {};
    for (const f of await readdir(workDir)) {
      const id = Number(/^w(\d+)\.log$/.exec(f)?.[1]);
      if (Number.isInteger(id)) {
        const text = await readFile(join(workDir, f), "utf8");
        logs[id] = text
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l));
      }
    }
    if (inProcess) {
      for (const e of logs[0] ?? []) if (e.ev === "stored") final[e.account] = e.record;
    }
    const crashed = [...workers.values()]
      .filter((w) => w.child.exitCode !== null && w.child.exitCode !== 0)
      .map((w) => ({ id: w.id, code: w.child.exitCode, stderr: w.stderr().slice(-1000) }));
    return { schedule, start, harness, ledger: authz.ledger(), logs, final, crashed };
  } finally {
    for (const w of workers.values()) if (w.alive()) (w.child.kill("SIGCONT"), w.child.kill("SIGKILL"));
    await authz.close();
    await backend?.close().catch(() => {});
    await rm(workDir, { recursive: true, force: true });
  }
}
