// The test controls under /__admin: stats, config (the switches), ledger, seed, reset. They exist only on this
// local server, and refuse a request with a foreign Origin (a web page) or a non-loopback Host (DNS rebinding);
// Node's fetch sends no Origin.
import { checkSwitches } from "./switches.mjs";
import { readBody } from "./requests.mjs";

/**
 * The admin routes of the server listening on `port`: what they read and reset is the server's (`stats`,
 * `switches` and `initialSwitches()`, the `ledger`, the rate-limit maps `lastTokenCall` and `lastDevicePoll`);
 * `seed(options)` signs an account in without the pages.
 */
export function createAdmin({ port, stats, switches, initialSwitches, ledger, seed, lastTokenCall, lastDevicePoll }) {
  /**
   * The admin routes reconfigure a running server (the demo's too): refuse a web page's request (an Origin that is
   * not this server's own) and a Host that is not a loopback name with this port (DNS rebinding).
   */
  function adminRefusal(ctx) {
    const loopback = (authority) => {
      const u = URL.parse(`http://${authority}`);
      const hostOk = u && /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/.test(u.hostname);
      return Boolean(hostOk && u.port === String(port) && u.host === authority.toLowerCase());
    };
    if (!loopback(ctx.get("host"))) return "Host is not this server's loopback address and port";
    const requestOrigin = ctx.get("origin");
    const own = URL.parse(requestOrigin);
    if (requestOrigin && !(own?.protocol === "http:" && own.origin === requestOrigin && loopback(own.host))) {
      return "a request from a web page (foreign Origin)";
    }
    return null;
  }

  return async function admin(ctx) {
    ctx.set("cache-control", "no-store");
    const refusal = adminRefusal(ctx);
    if (refusal) {
      ctx.status = 403;
      ctx.body = { error: "forbidden", error_description: `${refusal}: /__admin refused` };
      return;
    }
    if (ctx.path === "/__admin/stats") {
      ctx.body = stats;
      return;
    }
    if (ctx.path === "/__admin/seed" && ctx.method === "POST") {
      // {"subs": ["a", ...], "clientId"?, "scope"?}: accounts signed in without the pages (server.seed()).
      try {
        const { subs, ...rest } = JSON.parse((await readBody(ctx.req)) || "{}");
        if (!Array.isArray(subs)) throw new TypeError("subs must be an array of user names");
        const out = [];
        for (const sub of subs) out.push(await seed({ ...rest, sub }));
        ctx.body = out;
      } catch (e) {
        ctx.status = 400;
        ctx.body = { error: "bad_seed", error_description: e.message };
      }
      return;
    }
    if (ctx.path === "/__admin/ledger" && ctx.method === "GET") {
      // ?since=N: only the entries after seq N (a checker polling as it goes).
      ctx.body = ledger.entries(Number(ctx.query.since ?? 0) || 0);
      return;
    }
    if (ctx.path === "/__admin/config" && ctx.method === "POST") {
      try {
        Object.assign(switches, checkSwitches(JSON.parse((await readBody(ctx.req)) || "{}")));
      } catch (e) {
        ctx.status = 400;
        ctx.body = { error: "bad_config", error_description: e.message };
        return;
      }
      ctx.body = switches;
      return;
    }
    if (ctx.path === "/__admin/reset" && ctx.method === "POST") {
      for (const k of Object.keys(stats))
        stats[k] = Array.isArray(stats[k]) ? [] : typeof stats[k] === "object" ? {} : 0;
      Object.assign(switches, initialSwitches());
      lastTokenCall.clear();
      lastDevicePoll.clear();
      ledger.clear();
      ctx.body = { ok: true };
      return;
    }
    ctx.status = 404;
  };
}
