// Real Redis and PostgreSQL servers for tests: each call starts a private server on a free 127.0.0.1 port
// with its data in a fresh temporary directory, and resolves once it answers its own protocol. Nothing runs
// system-wide and nothing outlives the test process: every server runs in its own process group, killed
// (and its directory removed) on exit, on SIGINT/SIGTERM/SIGHUP, by `dispose()`, and by a watchdog process
// when the test process is killed outright.
//
//   const redis = await startRedis(); // { url, host, port, dir, start, stop, kill, pause, resume, dispose }
//   const pg = await startPostgres(); // the same, plus user, database and `connection` (pg options)
//
// stop(): graceful shutdown (PostgreSQL "fast": disconnects clients). kill(): SIGKILL, a crash.
// pause()/resume(): SIGSTOP/SIGCONT, a server that hangs (connections accepted, nothing answered).
// start(): the same server again, on the same port and data directory. Redis keeps no data across a
// restart (no persistence: a restart is also a flush); PostgreSQL does.
// PostgreSQL's initdb and postgres refuse to run as root: as root they run as the system user `ctct-pg`,
// created here when missing. setup.sh installs both servers (Debian's redis-server and postgresql).
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, chownSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
  const h = {
    ...fields,
    dir,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return h;
      child = await run();
      return h;
    },
    stop: () => halt(child, graceful),
    kill: () => halt(child, "SIGKILL"),
    /** SIGSTOP / SIGCONT: a server that accepts connections but never answers (a hung host). */
    pause: () => child && killGroup(child, "SIGSTOP"),
    resume: () => child && killGroup(child, "SIGCONT"),
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

/** A fresh Redis: no persistence, loopback only. Resolves to { url, host, port, dir, start, stop, kill, dispose }. */
export async function startRedis() {
  const port = await freePort();
  const dir = tempDir("ctct-redis-");
  const args = ["--port", String(port), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", dir];
  args.push("--daemonize", "no", "--logfile", "", "--protected-mode", "no");
  const ready = async () => (await probe(port, "PING\r\n")).toString().startsWith("+PONG");
  const run = () => launch("redis-server", "redis-server", args, {}, ready);
  const h = handle({ url: `redis://${HOST}:${port}`, host: HOST, port }, dir, run, "SIGTERM");
  return h.start();
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
  return h.start();
}
