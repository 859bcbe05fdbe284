// One process of a cluster (tests/cluster.test.mjs): a client of the local authorization server, sessions
// on a shared Redis or PostgreSQL store, and one task. Input as JSON in CTCT_TASK; output one JSON line.
import { ConstantContactOAuth } from "ctct-oauth";
import { connect } from "./store-clients.mjs";

const task = JSON.parse(process.env.CTCT_TASK);
const { kind, url, config, session: sessionOptions = {} } = task;
const started = Date.now();
// A fake clock for the fleet: `speed` seconds pass per real second, from `t0`.
const clock = task.clock
  ? () => task.clock.t0 + ((Date.now() - task.clock.real0) / 1000) * task.clock.speed
  : undefined;
const auth = new ConstantContactOAuth({ ...config, allowInsecureLoopback: true, clock });
const backend = await connect(kind, url);
const out = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
// Orders on stdin, a line each: "go" (every process of a test starts at the same moment), "stop".
let startWork;
const orders = { go: new Promise((r) => (startWork = r)), stop: new AbortController() };
let pending = "";
process.stdin.on("data", (d) => {
  pending += d;
  for (let i; (i = pending.indexOf("\n")) >= 0; pending = pending.slice(i + 1)) {
    const line = pending.slice(0, i).trim();
    if (line === "go") startWork();
    if (line === "stop") orders.stop.abort();
  }
});
const go = () => {
  out({ ready: true });
  return orders.go;
};
const settle = (p) =>
  p.then(
    (v) => ({ ok: true, v }),
    (e) => ({ ok: false, code: e?.code, reason: e?.reason, message: e?.message }),
  );

try {
  if (task.action === "hammer") {
    // `n` concurrent callers on one account.
    const session = auth.session({ ...sessionOptions, store: backend.store(task.key) });
    if (task.barrier) await go();
    const got = await Promise.all(Array.from({ length: task.n }, () => settle(session.accessToken())));
    out({ tokens: [...new Set(got.filter((g) => g.ok).map((g) => g.v))], errors: got.filter((g) => !g.ok) });
  } else if (task.action === "accounts") {
    // One refresh per account of `keys`, all at once.
    if (task.barrier) await go();
    const got = await Promise.all(
      task.keys.map((key) => settle(auth.session({ ...sessionOptions, store: backend.store(key) }).accessToken())),
    );
    out({ ok: got.filter((g) => g.ok).length, errors: got.filter((g) => !g.ok) });
  } else if (task.action === "fleet") {
    // Passes until told to stop (the test stops every process once the server has seen every refresh).
    const fleet = auth.fleet({ store: (key) => backend.store(key), session: sessionOptions });
    if (task.barrier) await go();
    let passes = 0;
    let refreshed = 0;
    const mine = [];
    const failed = [];
    await fleet.run({
      accounts: task.keys,
      intervalMs: 100,
      signal: orders.stop.signal,
      onPass(pass) {
        passes += 1;
        refreshed += pass.refreshed.length;
        mine.push(...pass.refreshed);
        failed.push(...pass.failed.map((f) => f.error?.code));
      },
    });
    out({ passes, refreshed, failed, mine });
  }
} finally {
  await backend.close();
  process.stdin.destroy(); // an open stdin would keep this process alive
}
