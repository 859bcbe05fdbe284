// Real Redis and PostgreSQL servers for tests: each call starts a private server on a free 127.0.0.1 port
// with its data in a fresh temporary directory, and resolves once it answers its own protocol. Nothing runs
// system-wide and nothing outlives the test process: every server runs in its own process group, killed
// (and its directory removed) on exit, on SIGINT/SIGTERM/SIGHUP, by `dispose()`, and by a watchdog process
// when the test process is killed outright.
//
//   const redis = await startRedis(); // { url, host, port, dir, start, stop, kill, pause, resume, dispose }
//   const pg = await startPostgres(); // the same, plus user, database and `connection` (pg options)
//   const aof = await startRedis({ appendonly: true }); // a restart keeps every acknowledged write
//   const replica = await startRedis({ replicaOf: redis }); // resolves once replicating; replica.promote()
//   const cluster = await startRedisCluster({ masters: 3, replicas: 1 }); // nodes, rootNodes, failover(i)
//   const bouncer = await startPgBouncer(pg, { poolMode: "transaction" }); // like pg's handle
//
// stop(): graceful shutdown (PostgreSQL "fast": disconnects clients). kill(): SIGKILL, a crash.
// pause()/resume(): SIGSTOP/SIGCONT, a server that hangs (connections accepted, nothing answered).
// start(): the same server again, on the same port and data directory. Redis keeps no data across a
// restart (no persistence: a restart is also a flush) unless started with appendonly: true; PostgreSQL does.
// state(): "running" | "paused" | "stopped". Faults a server makes itself: redis.setReadOnly(),
// postgres.setReadOnly(); faults of the network between (a hung link, a cut, a failover behind one
// address) are tests/js/fault-proxy.mjs's.
// PostgreSQL's initdb and postgres, and PgBouncer, refuse to run as root: as root they run as the system user
// `ctct-pg`, created here when missing. setup.sh installs the servers (Debian's redis-server, postgresql and
// pgbouncer).
import { spawn, execFileSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  chownSync,
  writeFileSync,
} from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProxy } from "./fault-proxy.mjs";

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 15_000;
const PG_USER = "ctct-pg";

/** Every live server (its child process) and temporary directory, for the exit cleanup. */
const live = new Set();
const dirs = new Set();

function cleanupSync() {
  for (const child of live) killGroup(child, "SIGKILL");
  live.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  dirs.clear();
}
process.on("exit", cleanupSync);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  // Only where nobody else handles the signal: then clean up and die of it as the default would.
  if (process.listenerCount(signal) > 0) continue;
  process.once(signal, () => {
    cleanupSync();
    process.kill(process.pid, signal);
  });
}

// A process killed outright (SIGKILL, OOM) runs no handler: a watchdog in a process group of its own
// holds a pipe from us, and when the pipe closes (however we died) it kills the servers we told it about.
const WATCHDOG = `const groups = new Set(), dirs = new Set();
let buf = "";
process.stdin.on("data", (d) => {
  const lines = (buf += d).split("\\n");
  buf = lines.pop();
  for (const l of lines) {
    if (l[0] === "+") groups.add(l.slice(1));
    else if (l[0] === "-") groups.delete(l.slice(1));
    else dirs.add(l.slice(1));
  }
});
process.stdin.on("end", () => {
  for (const g of groups) try { process.kill(-Number(g), "SIGKILL"); } catch {}
  setTimeout(() => {
    for (const d of dirs) require("node:fs").rmSync(d, { recursive: true, force: true, maxRetries: 3 });
  }, 200);
});`;
let watchdog = null;
function tell(line) {
  if (!watchdog) {
    watchdog = spawn(process.execPath, ["-e", WATCHDOG], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
    watchdog.unref();
    watchdog.stdin.unref?.();
    watchdog.stdin.on("error", () => {}); // it died first: nothing to tell
  }
  watchdog.stdin.write(`${line}\n`);
}

/** The pids of `pid`'s descendants (from /proc; PostgreSQL's backends each call setsid, leaving its group). */
function descendants(pid) {
  const parentOf = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/PID/stat, after the parenthesised command name (which may hold spaces).
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const found = [];
  const walk = (p) => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/** Signals the server's group and every descendant of it: a pause or a crash takes the whole server. */
function killGroup(child, signal) {
  for (const target of [-child.pid, ...descendants(child.pid)]) {
    try {
      process.kill(target, signal);
    } catch {
      /* already gone */
    }
  }
}

/** A port that was free a moment ago (the kernel's pick). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** One TCP exchange: writes `hello`, resolves with the first bytes back (or rejects on any failure). */
function probe(port, hello) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port });
    socket.setTimeout(1000, () => socket.destroy(new Error("probe timed out")));
    socket.once("error", reject);
    socket.once("connect", () => socket.write(hello));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data);
    });
    socket.once("close", () => reject(new Error("closed before answering")));
  });
}

/**
 * Spawns `cmd` in its own process group and polls `ready()` until it is true; rejects (with the server's
 * output) if the process exits first or the time runs out.
 */
async function launch(name, cmd, args, spawnOptions, ready) {
  const child = spawn(cmd, args, { ...spawnOptions, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  tell(`+${child.pid}`);
  // Servers don't keep the test process alive: it exits when its tests are done, and the exit kills them.
  child.unref();
  child.stdout.unref();
  child.stderr.unref();
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk).slice(-8000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  exited.then(() => {
    live.delete(child);
    tell(`-${child.pid}`);
  });
  child.exited = exited;
  child.output = () => output;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let gone = null;
  exited.then((e) => (gone = e));
  for (;;) {
    if (gone) throw new Error(`${name} exited (${gone.code ?? gone.signal}) before it was ready:\n${output}`);
    if (await ready().catch(() => false)) return child;
    if (Date.now() > deadline) {
      killGroup(child, "SIGKILL");
      throw new Error(`${name} not ready after ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Signals the server's group and resolves once the server process has exited. */
async function halt(child, signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.ref(); // keep the process alive until the exit is seen
  killGroup(child, signal);
  if (signal !== "SIGKILL") killGroup(child, "SIGCONT"); // a paused server must wake to handle it
  await child.exited;
}

/**
 * The common handle: `run()` launches the server (once more for `start()`); `graceful` is the signal that
 * stops it cleanly.
 */
function handle(fields, dir, run, graceful) {
  let child = null;
  let paused = false;
  const alive = () => Boolean(child && child.exitCode === null && child.signalCode === null);
  const h = {
    ...fields,
    dir,
    async start() {
      if (alive()) return h;
      paused = false;
      child = await run();
      return h;
    },
    stop: () => halt(child, graceful),
    kill: () => halt(child, "SIGKILL"),
    /** SIGSTOP / SIGCONT: a server that accepts connections but never answers (a hung host). */
    pause: () => child && ((paused = true), killGroup(child, "SIGSTOP")),
    resume: () => child && ((paused = false), killGroup(child, "SIGCONT")),
    /** "running", "paused" (SIGSTOP), or "stopped" (stop, kill, a crash, or not started). */
    state: () => (!alive() ? "stopped" : paused ? "paused" : "running"),
    async dispose() {
      await halt(child, "SIGKILL");
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      dirs.delete(dir);
    },
    /** The server's recent output (for failure messages). */
    output: () => (child ? child.output() : ""),
  };
  return h;
}

function tempDir(prefix, base = tmpdir()) {
  const dir = mkdtempSync(join(base, prefix));
  dirs.add(dir);
  tell(`d${dir}`);
  return dir;
}

// ---- Redis ----

/** A command in RESP, the Redis protocol. */
function encodeCommand(args) {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) parts.push(`$${Buffer.byteLength(String(a))}\r\n${a}\r\n`);
  return parts.join("");
}

/** One RESP2 reply at `i` in `buf`: [value, next offset], or null while incomplete. An error reply is an Error. */
function parseReply(buf, i = 0) {
  const eol = buf.indexOf("\r\n", i);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[i]);
  const line = buf.toString("utf8", i + 1, eol);
  const next = eol + 2;
  if (type === "+") return [line, next];
  if (type === ":") return [Number(line), next];
  if (type === "-") return [Object.assign(new Error(line), { code: line.split(" ")[0] }), next];
  const n = Number(line);
  if (n < 0) return [null, next];
  if (type === "$") return buf.length < next + n + 2 ? null : [buf.toString("utf8", next, next + n), next + n + 2];
  const out = [];
  let at = next;
  for (let k = 0; k < n; k++) {
    const r = parseReply(buf, at);
    if (!r) return null;
    out.push(r[0]);
    at = r[1];
  }
  return [out, at];
}

/**
 * One command on a fresh connection to the Redis at { host, port }: resolves with its reply (strings, numbers,
 * arrays, null), rejects with an error reply (`code`: its first word, e.g. "READONLY") or when nothing comes within
 * `timeoutMs` (a paused server; default 2,000, or a last argument { timeoutMs }). No client library: what a test
 * sets up or inspects is exactly what was sent. Each call is a connection of its own: WAIT there counts replicas of
 * nothing written (always all of them); ask WAIT on the connection that wrote.
 *   await redisCommand(redis, "SET", "k", "v"); // "OK"
 *   await redisCommand(redis, "GET", "k", { timeoutMs: 300 }); // "v"
 */
export function redisCommand({ host = HOST, port }, ...args) {
  const timeoutMs = typeof args.at(-1) === "object" && args.at(-1) !== null ? args.pop().timeoutMs : 2000;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buf = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`redis ${port} ${args[0]}: no reply in ${timeoutMs} ms`)),
    );
    socket.once("error", reject);
    socket.once("connect", () => socket.write(encodeCommand(args)));
    socket.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      const r = parseReply(buf);
      if (!r) return;
      socket.destroy();
      if (r[0] instanceof Error) reject(r[0]);
      else resolve(r[0]);
    });
    socket.once("close", () => reject(new Error(`redis ${port} ${args[0]}: closed before replying`)));
  });
}

/** INFO <section> as an object of its `name:value` lines. */
async function redisInfo(target, section) {
  const text = await redisCommand(target, "INFO", section);
  return Object.fromEntries(
    text
      .split("\r\n")
      .filter((l) => l.includes(":"))
      .map((l) => l.split(/:(.*)/s, 2)),
  );
}

/** Polls `check()` until it is true; rejects with `what` (and the last error) after `ms`. */
async function until(what, check, ms = READY_TIMEOUT_MS) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not after ${ms} ms${last ? ` (${last.message})` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Port 1 on loopback refuses at once (nothing listens there, and nothing unprivileged can). */
const DEAD_PRIMARY = { host: HOST, port: 1 };

/**
 * A fresh Redis, loopback only. Options:
 * - appendonly: true: the append-only file with `appendfsync always`, so a restart (stop or kill, then start) keeps
 *   every acknowledged write; default false, no persistence at all (a restart is a flush).
 * - replicaOf: a Redis handle (or any { host, port }): a replica, resolved once its link to the primary is up and
 *   the primary's stream reaches it (a write made after startRedis resolves is on its way to the replica). Its
 *   replication link runs through a fault proxy of its own (`link`), so `lag(true)` can stall it: the primary goes
 *   on acknowledging writes (replication is asynchronous; WAIT 1 says 0), the replica serves what it had. A failover
 *   then (redisFailover cuts the link) loses those writes. Not pause(): the kernel of a stopped replica still
 *   receives the stream, and applies it once resumed.
 * Resolves to { url, host, port, dir, start, stop, kill, pause, resume, state, dispose, command, setReadOnly,
 * replicaOf, and for a replica: promote, lag, link }.
 */
export async function startRedis({ appendonly = false, replicaOf = null } = {}) {
  const port = await freePort();
  const dir = tempDir("ctct-redis-");
  const args = ["--port", String(port), "--bind", HOST, "--save", "", "--dir", dir];
  args.push("--appendonly", appendonly ? "yes" : "no", ...(appendonly ? ["--appendfsync", "always"] : []));
  // A replica's first sync starts at once (Redis waits 5 s by default for more replicas to share it).
  args.push("--daemonize", "no", "--logfile", "", "--protected-mode", "no", "--repl-diskless-sync-delay", "0");
  let primary = replicaOf ? { host: replicaOf.host ?? HOST, port: replicaOf.port } : null;
  const link = primary ? await startProxy(primary) : null;
  const ready = async () => (await probe(port, "PING\r\n")).toString().startsWith("+PONG");
  // A promoted replica restarts as a primary, as a failover manager rewrites its configuration.
  const run = () =>
    launch(
      "redis-server",
      "redis-server",
      [...args, ...(primary ? ["--replicaof", link.host, link.port] : [])],
      {},
      ready,
    );
  const h = handle({ url: `redis://${HOST}:${port}`, host: HOST, port, appendonly }, dir, run, "SIGTERM");
  Object.assign(h, {
    /** One command to this server (redisCommand): `await redis.command("GET", "k")`. */
    command: (...a) => redisCommand(h, ...a),
    /** The { host, port } this server replicates from, or null for a primary. */
    replicaOf: () => (primary ? { ...primary } : null),
    /** REPLICAOF NO ONE: a replica becomes a primary (a failover's promotion); it stays one across restarts. */
    async promote() {
      await h.command("REPLICAOF", "NO", "ONE");
      primary = null;
      await link?.close();
      return h;
    },
    /** A replica's replication link stalled (true: it falls behind) or flowing again (false: it catches up). */
    lag(on) {
      if (!link) throw new Error("lag() is for a replica");
      return link.mode(on ? "stall" : "pass");
    },
    /** The fault proxy the replication link runs through (null for a primary). */
    link,
    /**
     * Makes a primary refuse writes (true) or take them again (false), by one of two real server states:
     * - error "READONLY" (default): it becomes a replica of a primary that cannot be reached, i.e. what a failover
     *   leaves of the old primary, still reached by clients that did not follow (`READONLY You can't write against
     *   a read only replica.`, also for a script's write). Its data stays and reads are answered.
     * - error "NOREPLICAS": `min-replicas-to-write 1` on a primary without a replica, what a primary configured to
     *   protect its writes answers once its replicas are gone (`NOREPLICAS Not enough good replicas to write.`).
     * Neither survives a restart (no CONFIG REWRITE: the server comes back as configured).
     */
    async setReadOnly(on, { error = "READONLY" } = {}) {
      if (error !== "READONLY" && error !== "NOREPLICAS") throw new TypeError(`unknown error ${error}`);
      if (primary) throw new Error("setReadOnly is for a primary (this is a replica)");
      if (error === "NOREPLICAS") {
        await h.command("CONFIG", "SET", "min-replicas-to-write", on ? "1" : "0");
        return h;
      }
      await h.command("REPLICAOF", ...(on ? [DEAD_PRIMARY.host, DEAD_PRIMARY.port] : ["NO", "ONE"]));
      return h;
    },
  });
  await h.start();
  const dispose = h.dispose;
  h.dispose = async () => {
    await link?.close();
    await dispose();
  };
  if (primary) {
    await until(`replica ${port} of ${primary.port}`, async () => {
      return (await redisInfo(h, "replication")).master_link_status === "up";
    });
    // After a diskless sync the primary holds the stream back until the replica's first acknowledgement, which
    // may take a second: until then the replica misses every write. A PUBLISH is in the stream and touches no
    // key: once the replica has applied it, it is replicating.
    await redisCommand(primary, "PUBLISH", "ctct-services:sync", "1");
    const offset = Number((await redisInfo(primary, "replication")).master_repl_offset);
    await until(`replica ${port} streaming from ${primary.port}`, async () => {
      return Number((await redisInfo(h, "replication")).slave_repl_offset) >= offset;
    });
  }
  return h;
}

/**
 * A failover of a single Redis behind a stable address: the old primary killed (unless kill: false, leaving it up
 * as a second primary: a split brain), the replica promoted, the proxy sent to it and every connection through the
 * proxy cut, so clients reconnect to the new primary. Writes the replica had not received (replica.lag(true)) are
 * lost, as in a real asynchronous failover.
 *   await redisFailover({ primary, replica, proxy });
 */
export async function redisFailover({ primary, replica, proxy, kill = true }) {
  if (kill) await primary.kill();
  replica.link?.cut(); // what the old primary sent that the replica had not yet received is gone
  await replica.promote();
  proxy?.retarget(replica);
  proxy?.cut();
  return replica;
}

/** Debian keeps the PostgreSQL programs in /usr/lib/postgresql/<major>/bin; the newest one (or $PG_BIN). */
export function postgresBinDir() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : [];
  if (majors.length === 0) throw new Error("PostgreSQL not found under /usr/lib/postgresql: run scripts/setup.sh");
  majors.sort((a, b) => Number(b) - Number(a));
  return join(root, majors[0], "bin");
}

/** As root: the uid/gid of the system user the servers run as (created once, idempotently). */
function postgresUser() {
  if (process.getuid?.() !== 0) return {}; // not root: initdb runs as whoever we are
  const lookup = () => {
    try {
      const [uid, gid] = ["-u", "-g"].map((f) => Number(execFileSync("id", [f, PG_USER], { stdio: "pipe" })));
      return { uid, gid };
    } catch {
      return null;
    }
  };
  let ids = lookup();
  if (!ids) {
    try {
      execFileSync(
        "useradd",
        [
          "--system",
          "--user-group",
          "--no-create-home",
          "--shell",
          "/usr/sbin/nologin",
          "--home-dir",
          "/nonexistent",
          PG_USER,
        ],
        { stdio: "pipe" },
      );
    } catch (e) {
      // Another process may have created it at the same moment: only a still-missing user is an error.
      if (!(ids = lookup())) throw new Error(`useradd ${PG_USER} failed: ${e.stderr || e.message}`);
    }
    ids ??= lookup();
  }
  return ids;
}

/** A v3 StartupMessage for user and database "postgres": the server answers R (auth) once it is ready. */
function startupMessage() {
  const body = Buffer.from("user\0postgres\0database\0postgres\0\0");
  const msg = Buffer.alloc(8 + body.length);
  msg.writeInt32BE(msg.length, 0);
  msg.writeInt32BE(196608, 4); // protocol 3.0
  body.copy(msg, 8);
  return msg;
}

/**
 * A fresh PostgreSQL cluster (superuser "postgres", trust auth, loopback only, fsync off). Resolves to
 * { url, host, port, user, database, connection, dir, start, stop, kill, dispose }.
 */
export async function startPostgres() {
  const bin = postgresBinDir();
  const ids = postgresUser();
  const port = await freePort();
  // Under /tmp when we are root: the server's user must be able to reach it, and $TMPDIR may be private.
  const dir = tempDir("ctct-pg-", ids.uid !== undefined ? "/tmp" : tmpdir());
  const data = join(dir, "data");
  const socketDir = join(dir, "sock");
  mkdirSync(socketDir);
  if (ids.uid !== undefined) {
    chownSync(dir, ids.uid, ids.gid);
    chownSync(socketDir, ids.uid, ids.gid);
  }
  // HOME/LC_*: initdb reads the locale; C keeps it independent of what the machine has generated.
  const env = { PATH: process.env.PATH, HOME: dir, LANG: "C", LC_ALL: "C", TZ: "UTC" };
  const as = { ...ids, env, cwd: dir };
  execFileSync(
    join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync", "--no-instructions"],
    { ...as, stdio: "pipe" },
  );
  // fsync off: speed, and a killed server still keeps every commit (its WAL is in the OS cache). Not
  // synchronous_commit=off: a SIGKILL would then lose the last commits, and the crash test sees it.
  const args = [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    socketDir,
    "-c",
    `listen_addresses=${HOST}`,
    "-c",
    "fsync=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "max_connections=200",
  ];
  const hello = startupMessage();
  const ready = async () => (await probe(port, hello))[0] === 0x52; // 'R'; 'E' while starting up
  const run = () => launch("postgres", join(bin, "postgres"), args, as, ready);
  const connection = { host: HOST, port, user: "postgres", database: "postgres" };
  const url = `postgres://postgres@${HOST}:${port}/postgres`;
  const h = handle({ url, host: HOST, port, user: "postgres", database: "postgres", connection }, dir, run, "SIGINT");
  /**
   * A database made read-only (true) or writable again (false): ALTER SYSTEM SET default_transaction_read_only and a
   * configuration reload, so every transaction that does not ask otherwise fails its first write with SQLSTATE 25006
   * "cannot execute INSERT in a read-only transaction", the error a hot standby gives. It reaches the sessions
   * already open too (pooled connections, PgBouncer's server connections: each rereads the configuration before
   * its next command), and it lasts across restarts (postgresql.auto.conf), as a managed database's switch does.
   * terminate: true also ends every other session (what a failover to a read-only node looks like to a pool).
   */
  h.setReadOnly = async (on, { terminate = false } = {}) => {
    const { default: pg } = await import("pg");
    const session = async (fn) => {
      const c = new pg.Client({ ...connection, connectionTimeoutMillis: 2000, query_timeout: 5000 });
      await c.connect();
      try {
        return await fn(c);
      } finally {
        await c.end();
      }
    };
    await session(async (c) => {
      const value = on ? "SET default_transaction_read_only = on" : "RESET default_transaction_read_only";
      await c.query(`ALTER SYSTEM ${value}`);
      await c.query("SELECT pg_reload_conf()");
      // The postmaster rereads the file and then signals every backend: once a new session has the value, the
      // existing ones have been told too.
      await until("default_transaction_read_only reloaded", () =>
        session(
          async (n) =>
            (await n.query("SHOW default_transaction_read_only")).rows[0].default_transaction_read_only ===
            (on ? "on" : "off"),
        ),
      );
      if (terminate) {
        const others = "backend_type = 'client backend' AND pid <> pg_backend_pid()";
        await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${others}`);
      }
    });
    return h;
  };
  return h.start();
}

/** Debian installs pgbouncer in /usr/sbin, which a non-root PATH may lack. */
function pgbouncerBinary() {
  return existsSync("/usr/sbin/pgbouncer") ? "/usr/sbin/pgbouncer" : "pgbouncer";
}

/**
 * PgBouncer (Debian's) on a free loopback port in front of a startPostgres() server, as serverless PostgreSQL offers
 * it. Options: poolMode "transaction" (default; a server connection per transaction, so session state, i.e. SET,
 * advisory locks, LISTEN, temporary tables and named prepared statements, is lost between statements) | "session" |
 * "statement"; maxClientConn (default 1,000), defaultPoolSize (server connections per user and database, default
 * 20), serverLoginRetry (seconds before retrying a PostgreSQL that refused a login, default 1 instead of 15, so a
 * restart behind it is over in about a second). Trust auth (any password; the user must be "postgres"). Resolves to
 * { url, host, port, user, database, connection, dir, start, stop, kill, pause, resume, state, dispose }.
 *   const bouncer = await startPgBouncer(await startPostgres()); new pg.Pool(bouncer.connection);
 */
export async function startPgBouncer(postgres, options = {}) {
  const { poolMode = "transaction", maxClientConn = 1000, defaultPoolSize = 20, serverLoginRetry = 1 } = options;
  if (!["transaction", "session", "statement"].includes(poolMode)) throw new TypeError(`bad poolMode ${poolMode}`);
  const ids = postgresUser(); // it refuses to run as root, as PostgreSQL does
  const port = await freePort();
  const dir = tempDir("ctct-pgbouncer-", ids.uid !== undefined ? "/tmp" : tmpdir());
  if (ids.uid !== undefined) chownSync(dir, ids.uid, ids.gid);
  const ini = join(dir, "pgbouncer.ini");
  const users = join(dir, "users.txt");
  writeFileSync(users, '"postgres" ""\n');
  writeFileSync(
    ini,
    [
      "[databases]",
      `* = host=${postgres.host} port=${postgres.port}`,
      "[pgbouncer]",
      `listen_addr = ${HOST}`,
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${users}`,
      "admin_users = postgres",
      `pool_mode = ${poolMode}`,
      `max_client_conn = ${maxClientConn}`,
      `default_pool_size = ${defaultPoolSize}`,
      `server_login_retry = ${serverLoginRetry}`,
      // Startup parameters some drivers send that PgBouncer would otherwise refuse the login for.
      "ignore_startup_parameters = extra_float_digits,options",
      "",
    ].join("\n"),
  );
  const env = { PATH: process.env.PATH, HOME: dir, LANG: "C", LC_ALL: "C" };
  const ready = async () => (await probe(port, startupMessage()))[0] === 0x52; // 'R': it takes logins
  const run = () => launch("pgbouncer", pgbouncerBinary(), [ini], { ...ids, env, cwd: dir }, ready);
  const connection = { host: HOST, port, user: "postgres", database: "postgres" };
  const url = `postgres://postgres@${HOST}:${port}/postgres`;
  // SIGTERM: immediate shutdown (SIGINT would first wait for every client's transaction to end).
  const h = handle({ url, host: HOST, port, user: "postgres", database: "postgres", connection }, dir, run, "SIGTERM");
  return h.start();
}

// ---- Redis Cluster ----

/** CLUSTER NODES as [{ id, port, flags, master (its master's id, for a replica), slots: [[from, to]], link }]. */
async function clusterNodes(target) {
  const text = await redisCommand(target, "CLUSTER", "NODES");
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [id, addr, flags, master, , , , link, ...slots] = line.split(" ");
      const ranges = slots.filter((x) => /^\d/.test(x)).map((x) => x.split("-").map(Number));
      return {
        id,
        port: Number(addr.split("@")[0].split(":").at(-1)),
        flags: flags.split(","),
        master: master === "-" ? null : master,
        slots: ranges.map(([from, to = from]) => [from, to]),
        link,
      };
    });
}

/**
 * A real Redis Cluster on loopback: `masters` primaries, each with `replicas` replicas (0 or more), created by
 * `redis-cli --cluster create`, each node its own redis-server (no persistence) with the usual handle. Resolves once
 * every node says cluster_state:ok, all nodes agree on who serves which slots, and every replica's link is up.
 * Returns { nodes, rootNodes: [{ host, port, url }], shards(), failover(i), waitOk(), dispose() }:
 *   const cluster = await startRedisCluster({ masters: 3, replicas: 1 });
 *   const client = createCluster({ rootNodes: cluster.rootNodes.map(({ url }) => ({ url })) }); // node-redis
 *   const io = new Redis.Cluster(cluster.rootNodes.map(({ host, port }) => ({ host, port }))); // ioredis
 * nodeTimeout (ms, default 2000): how long a node may be silent (killed, paused) before the others mark it failed
 * and, with replicas, promote one of its replicas on their own; without one its slots go unserved (CLUSTERDOWN).
 * Clients are redirected (MOVED) to the nodes' own addresses: a fault proxy in front of one node is bypassed.
 */
export async function startRedisCluster({ masters = 3, replicas = 0, nodeTimeout = 2000 } = {}) {
  const count = masters * (1 + replicas);
  // The bus port is given (Redis 7's cluster-port): the default, port + 10,000, may be past 65,535 or taken.
  const ports = new Set();
  while (ports.size < count * 2) ports.add(await freePort());
  const [data, bus] = [[...ports].slice(0, count), [...ports].slice(count)];
  const nodes = await Promise.all(
    data.map(async (port, i) => {
      const dir = tempDir("ctct-redis-cluster-");
      const args = ["--port", String(port), "--cluster-port", String(bus[i]), "--bind", HOST, "--dir", dir];
      args.push("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf");
      args.push("--cluster-node-timeout", String(nodeTimeout), "--save", "", "--appendonly", "no");
      args.push("--daemonize", "no", "--logfile", "", "--protected-mode", "no", "--repl-diskless-sync-delay", "0");
      const ready = async () => (await probe(port, "PING\r\n")).toString().startsWith("+PONG");
      const run = () => launch("redis-server (cluster)", "redis-server", args, {}, ready);
      const h = handle({ url: `redis://${HOST}:${port}`, host: HOST, port }, dir, run, "SIGTERM");
      h.command = (...a) => redisCommand(h, ...a);
      return h.start();
    }),
  );
  const dispose = () => Promise.all(nodes.map((n) => n.dispose()));
  try {
    await new Promise((resolve, reject) => {
      const addresses = data.map((p) => `${HOST}:${p}`);
      const cli = spawn(
        "redis-cli",
        ["--cluster", "create", ...addresses, "--cluster-replicas", String(replicas), "--cluster-yes"],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      cli.stdout.on("data", (d) => (out += d));
      cli.stderr.on("data", (d) => (out += d));
      cli.on("error", reject);
      cli.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create: ${out}`))));
    });
  } catch (e) {
    await dispose();
    throw e;
  }
  for (const n of nodes) n.id = await n.command("CLUSTER", "MYID");
  const byId = (id) => nodes.find((n) => n.id === id);

  /** Each slot range's master and replicas, in slot order, as the first running node sees them now. */
  async function shards() {
    const view = await clusterNodes(nodes.find((n) => n.state() === "running") ?? nodes[0]);
    return view
      .filter((v) => v.slots.length && !v.flags.includes("fail"))
      .sort((a, b) => a.slots[0][0] - b.slots[0][0])
      .map((m) => ({
        slots: m.slots,
        master: byId(m.id),
        replicas: view.filter((v) => v.master === m.id && !v.flags.includes("fail")).map((v) => byId(v.id)),
      }));
  }

  /** Every running node: cluster_state:ok, the same masters for the same slots, each replica's link up. */
  async function waitOk(ms = READY_TIMEOUT_MS) {
    await until(
      "Redis Cluster ok on every running node",
      async () => {
        const running = nodes.filter((n) => n.state() === "running");
        const views = [];
        for (const n of running) {
          const info = await redisCommand(n, "CLUSTER", "INFO");
          if (!/cluster_state:ok/.test(info)) return false;
          const view = await clusterNodes(n);
          const alive = view.filter((v) => running.some((r) => r.id === v.id));
          // Who serves what (masters with slots, each replica's master), from this node's point of view.
          views.push(
            JSON.stringify([
              view
                .filter((v) => v.slots.length)
                .map((v) => [v.id, v.slots])
                .sort(),
              alive
                .filter((v) => v.master)
                .map((v) => [v.id, v.master])
                .sort(),
            ]),
          );
          if (view.filter((v) => v.slots.length).some((v) => v.flags.some((f) => f === "fail" || f === "fail?")))
            return false;
        }
        if (new Set(views).size !== 1) return false;
        for (const n of running) {
          const info = await redisInfo(n, "replication");
          if (info.role === "slave" && info.master_link_status !== "up") return false;
        }
        return true;
      },
      ms,
    );
  }

  await waitOk().catch(async (e) => {
    await dispose();
    throw e;
  });
  return {
    nodes,
    rootNodes: nodes.map((n) => ({ host: HOST, port: n.port, url: n.url })),
    shards,
    waitOk,
    /**
     * A manual failover of shard `i` (slot order): CLUSTER FAILOVER on its first replica, which takes over its
     * slots with the master's agreement (no write lost); resolves once the cluster is ok again with the replica as
     * master everywhere (the old one then replicates from it). mode "FORCE" or "TAKEOVER" when the master is down.
     */
    async failover(i, { mode } = {}) {
      const shard = (await shards())[i];
      const replica = shard?.replicas.find((r) => r.state() === "running");
      if (!replica) throw new Error(`shard ${i} has no running replica to fail over to`);
      await replica.command("CLUSTER", "FAILOVER", ...(mode ? [mode] : []));
      await until(`node ${replica.port} master of shard ${i}`, async () => {
        for (const n of nodes.filter((x) => x.state() === "running")) {
          const me = (await clusterNodes(n)).find((v) => v.id === replica.id);
          if (!me?.flags.includes("master") || !me.slots.length) return false;
        }
        return true;
      });
      await waitOk();
      return replica;
    },
    dispose,
  };
}
