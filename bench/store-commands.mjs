// What a refresh costs the store when many accounts come due at once: 200 accounts of one application,
// each with its own session in one process, all expired, all asked for a token at the same moment. Counts
// the commands the store's server ran (Redis INFO commandstats; PostgreSQL statements through the pool)
// per refresh. The token endpoint is a canned answer in-process and the lane's pace 50 requests a second,
// so the count is the protocol's (leases, reads, the lane, the compare-and-set), not a network's.
//   node bench/store-commands.mjs [--accounts 200]   (after scripts/build.sh)
import { parseArgs } from "node:util";
import * as ctct from "ctct-oauth";
import { makeCcToken } from "../tests/js/suite.mjs";
import { startRedis, startPostgres } from "../tests/js/services.mjs";
import { connect } from "../tests/js/store-clients.mjs";

const { values } = parseArgs({ options: { accounts: { type: "string", default: "200" }, json: { type: "boolean" } } });
const n = Number(values.accounts);
const { token } = await makeCcToken();
let issued = 0;
const cannedFetch = async () => {
  await new Promise((r) => setTimeout(r, 5)); // a token request takes a few ms
  issued += 1;
  const body = {
    access_token: token,
    token_type: "Bearer",
    expires_in: 86400,
    refresh_token: `rt-${issued}-${"x".repeat(30)}`,
  };
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
};

/** Redis's own count of what it ran (INFO commandstats), script-internal calls included, minus INFO itself. */
async function redisCalls(send) {
  const info = String(await send(["INFO", "commandstats"]));
  let calls = 0;
  for (const m of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (m[1] !== "info") calls += Number(m[2]);
  return calls;
}

async function run(kind, url) {
  const b = await connect(kind, url);
  // Round trips, counted where the store sends them (each a command or statement of its own).
  let sent = 0;
  const method = kind === "pg" ? "query" : kind === "ioredis" ? "call" : "sendCommand";
  const original = b.client[method].bind(b.client);
  b.client[method] = (...args) => ((sent += 1), original(...args));
  const raw = (args) => (kind === "ioredis" ? original(...args) : original(args));
  const inner = kind === "pg" ? async () => 0 : () => redisCalls(raw);
  const auth = new ctct.ConstantContactOAuth({
    clientId: "bench",
    clientSecret: "bench-secret-123",
    fetch: cannedFetch,
  });
  const sessions = Array.from({ length: n }, (_, i) =>
    auth.session({ store: b.store(`bench:due:${Date.now()}:${i}`), tokenRequestsPerSecond: 50 }),
  );
  const expired = Math.floor(Date.now() / 1000) - 1;
  for (const s of sessions)
    await s.setTokens({ accessToken: "opaque", refreshToken: "r".repeat(40), expiresAt: expired });
  issued = 0;
  sent = 0;
  const innerBefore = await inner();
  const t0 = performance.now();
  await Promise.all(sessions.map((s) => s.accessToken()));
  const ms = performance.now() - t0;
  const commands = sent;
  const server = kind === "pg" ? commands : (await inner()) - innerBefore;
  await b.close();
  const per = (x) => x / issued;
  return {
    kind,
    accounts: n,
    refreshes: issued,
    commands,
    perRefresh: per(commands),
    serverPerRefresh: per(server),
    seconds: ms / 1000,
  };
}

const [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
const rows = [];
try {
  for (const kind of ["node-redis", "ioredis"]) rows.push(await run(kind, redis.url));
  rows.push(await run("pg", pg.url));
} finally {
  await redis.dispose();
  await pg.dispose();
}
if (values.json) console.log(JSON.stringify(rows));
else {
  console.log(`\n${n} accounts due at once, one process: store commands per refresh\n`);
  console.log("| client | refreshes | store commands | per refresh | server-side calls per refresh | wall time |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) {
    const [per, inner] = [r.perRefresh.toFixed(1), r.serverPerRefresh.toFixed(1)];
    console.log(`| ${r.kind} | ${r.refreshes} | ${r.commands} | ${per} | ${inner} | ${r.seconds.toFixed(1)} s |`);
  }
  console.log("\n(server-side calls: Redis counts the calls a script makes; PostgreSQL, statements.)");
}
