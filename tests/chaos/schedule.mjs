// A chaos schedule, from a seed: which store, how many processes and accounts, each process's clock
// offset and work, and a timeline of faults and user actions. Plain data: the runner (./run.mjs) carries
// it out against real servers, the checker (./checker.mjs) judges what happened.
import { prng } from "./prng.mjs";

/** The stores a schedule runs on, and which faults each can be given. */
export const BACKENDS = {
  memory: { faults: [] },
  file: { faults: [] },
  redis: { faults: ["stop", "kill", "pause", "readonly", "cut", "stall", "failover"], durable: false },
  "redis-aof": { faults: ["stop", "kill", "pause", "readonly", "cut", "stall", "failover"], durable: true },
  "redis-cluster": { faults: ["pause-node", "kill-node"], durable: false },
  pg: { faults: ["stop", "kill", "pause", "readonly", "cut", "stall"], durable: true },
  pgbouncer: { faults: ["stop", "kill", "pause", "readonly", "cut", "stall", "bouncer-restart"], durable: true },
};

const TOKEN_FAULTS = ["500", "503", "reset", "hang", "slow-body", "reset-after", "truncated-after", "hang-after"];
const CLOCKS = [0, 0, 0, 30, -30, 7200, -7200, 90_000];

/**
 * The schedule of `seed`. `only`: restrict to these backends (those the machine can run). Times are ms
 * from the start; the run lasts `durationMs`, then faults are healed and every process settles.
 */
export function makeSchedule(seed, { only = Object.keys(BACKENDS), durationMs } = {}) {
  const r = prng(seed);
  const backend = r.pick(only);
  const spec = BACKENDS[backend];
  const single = backend === "memory";
  const processes = single ? 1 : r.int(2, 6);
  const accounts = r.int(1, 3);
  const duration = durationMs ?? r.int(5000, 9000);
  const schedule = {
    seed,
    backend,
    durable: spec.durable ?? true,
    client: r.pick(["node-redis", "ioredis"]),
    accounts: Array.from({ length: accounts }, (_, i) => `chaos:${seed}:acct-${i}`),
    durationMs: duration,
    // Time compressed: 10 token requests a second (the server's limiter alike), 4 s access tokens.
    gapMs: 101,
    accessTokenTtl: 4,
    session: { timeoutMs: 1500, lockTtlMs: 2500, refreshMarginSeconds: 2, tokenRequestsPerSecond: 10 },
    processes: Array.from({ length: processes }, (_, id) => ({
      id,
      clockOffset: r.chance(0.3) ? r.pick(CLOCKS) : 0,
      // Sessions, or a fleet's passes over every account (with API calls through its sessions).
      mode: r.chance(0.25) ? "fleet" : "sessions",
      // With a memoryStore, several sessions of one process share each account's store.
      sessions: single ? r.int(2, 4) : 1,
      callsAtOnce: r.int(1, 6),
    })),
    events: [],
    signIns: 0,
  };
  const at = () => r.int(300, duration - 300);
  const n = r.int(2, 6);
  for (let i = 0; i < n; i++) {
    const kind = r.weighted({ store: spec.faults.length ? 3 : 0, token: 3, process: single ? 0 : 3, user: 2 });
    if (kind === "store") {
      const fault = r.pick(spec.faults);
      schedule.events.push({ at: at(), kind: "store", fault, forMs: r.pick([300, 800, 1500, 3000, 4500]) });
    } else if (kind === "token") {
      const fault = r.pick(TOKEN_FAULTS);
      schedule.events.push({ at: at(), kind: "token", fault, times: r.int(1, 3) });
    } else if (kind === "process") {
      const id = r.int(0, processes - 1);
      const what = r.weighted({ kill: 1, stop: 2 });
      // Paused past the lease (2.5 s) about half the time.
      const forMs = what === "stop" ? r.pick([400, 1200, 3000, 4000]) : r.pick([0, 800]);
      schedule.events.push({ at: at(), kind: "process", what, id, forMs, restart: what === "kill" && r.chance(0.7) });
    } else if (kind === "user") {
      const what = r.weighted({ signout: 1, signin: 2 });
      const account = r.int(0, accounts - 1);
      const id = r.int(0, processes - 1);
      if (what === "signin") schedule.signIns += 1;
      schedule.events.push({ at: at(), kind: "user", what, id, account, revoke: r.chance(0.5) });
    }
  }
  schedule.events.sort((a, b) => a.at - b.at);
  return schedule;
}
