// A TCP proxy on a free 127.0.0.1 port for the faults of the network between a client and a server, which the
// server cannot produce itself: a hung link, a refused port, a cut, latency, a failover behind one address.
// (toxiproxy does this too, but its server binary is not installable from a package registry here.)
//
//   const proxy = await startProxy(redis); // { host, port } of the server it forwards to
//   createClient({ url: proxy.url("redis") }); new pg.Pool({ connectionString: proxy.url("postgres", "/postgres",
//   "postgres") });
//   proxy.mode("stall"); ... proxy.mode("pass"); proxy.cut(); proxy.delay(200); proxy.retarget(replica);
//
// Modes (for new and existing connections):
// - "pass": forward both ways.
// - "stall": a hung network. New connections are accepted (the kernel completes the handshake) and held; nothing
//   is read from or forwarded on any connection, so a client's writes succeed and no answer comes. Back in "pass",
//   held connections are connected onwards and what was sent meanwhile is delivered, as TCP does once a partition
//   heals (a request a client gave up on may then still reach the server).
// - "refuse": the port stops listening: a new connection fails at once (ECONNREFUSED), as for a server that is
//   down; existing connections pass, held ones are reset.
// - "blackhole-new": new connections are held as in "stall"; existing ones pass (a server that accepts no more).
// cut(): resets every open connection, both sides at once (a crash of the path; the clients see ECONNRESET, the
// server a reset too). delay(ms): each chunk is forwarded ms later (order kept), both ways, new and existing.
// retarget({ host, port }): new connections go there (a failover behind a stable address; cut() moves the rest).
import { createServer, connect } from "node:net";

const HOST = "127.0.0.1";
const MODES = ["pass", "stall", "refuse", "blackhole-new"];

/**
 * Starts a proxy to { host, port } (any object with those, e.g. a services.mjs handle). Resolves to
 * { host, port, url(scheme, path, user), mode(m), cut(), delay(ms), retarget(target), stats(), close() }.
 */
export async function startProxy(target, { port: wantedPort = 0 } = {}) {
  let upstream = { host: target.host ?? HOST, port: target.port };
  let current = "pass";
  let delayMs = 0;
  const conns = new Set();
  const counts = { accepted: 0, forwarded: 0, cuts: 0, reset: 0, bytesUp: 0, bytesDown: 0 };
  let server = null;
  let port = wantedPort;
  let closed = false;

  /** A connection: the client's socket, the server's (once connected), and whether it is held or flowing. */
  function accept(client) {
    counts.accepted += 1;
    const c = { client, server: null, held: true, timers: new Set() };
    conns.add(c);
    // Neither side keeps the process alive: the proxied processes (or the test's own clients) are what matter.
    client.unref();
    client.setNoDelay(true);
    client.on("error", () => {});
    client.on("close", () => {
      if (c.held) forget(c);
    });
    if (current === "pass") flow(c);
  }

  /** Connects a held connection onwards and forwards both ways from now on. */
  function flow(c) {
    if (!c.held || c.client.destroyed) return;
    c.held = false;
    counts.forwarded += 1;
    const server = connect({ ...upstream, allowHalfOpen: true });
    c.server = server;
    server.unref();
    server.setNoDelay(true);
    server.on("error", () => {});
    pipe(c, c.client, server, "bytesUp");
    pipe(c, server, c.client, "bytesDown");
    c.client.resume();
  }

  /**
   * from -> to, each chunk after the current delay, in order. A half-close (FIN) is passed on after the data, and so
   * is a close: a reset as a reset (an unreachable server resets the client, as a TCP proxy in front of it would).
   */
  function pipe(c, from, to, counter) {
    // One queue and one timer per direction, emptied in order: a timer per chunk could fire out of order (timers
    // count from the event loop's cached time, so a later chunk's shorter timeout may fire first).
    const queue = [];
    let timer = null;
    const pump = () => {
      c.timers.delete(timer);
      timer = null;
      while (queue.length && queue[0].due <= Date.now()) queue.shift().fn();
      if (queue.length) c.timers.add((timer = setTimeout(pump, queue[0].due - Date.now())));
    };
    const send = (fn) => {
      const due = Date.now() + delayMs;
      if (!queue.length && due <= Date.now()) return fn();
      queue.push({ due, fn }); // after everything queued before it, whatever the delay then
      if (!timer) c.timers.add((timer = setTimeout(pump, Math.max(0, due - Date.now()))));
    };
    from.on("data", (chunk) => {
      counts[counter] += chunk.length;
      send(() => to.writable && to.write(chunk));
    });
    from.on("end", () => send(() => to.writable && to.end()));
    from.on("close", (hadError) =>
      send(() => {
        if (hadError) reset(to);
        else if (to.writable) to.end(() => to.destroy());
        else to.destroy();
        if (c.client.destroyed && c.server.destroyed) forget(c);
      }),
    );
  }

  function reset(socket) {
    if (!socket || socket.destroyed) return;
    // A reset needs a connected socket that is not shutting down: Node 20's resetAndDestroy() on one that is
    // connecting or has ended its side leaves a handle that never closes (the process then spins at exit).
    if (socket.connecting || socket.writableEnded || !socket.writable) socket.destroy();
    else socket.resetAndDestroy();
  }

  function forget(c) {
    for (const t of c.timers) clearTimeout(t);
    conns.delete(c);
  }

  /** Both sides reset at once, and whatever was still queued for them dropped. */
  function drop(c) {
    forget(c);
    reset(c.client);
    reset(c.server);
  }

  async function listen() {
    // Paused on connect: nothing is read from a held connection. Unref'd: a proxy keeps no test process alive.
    const srv = createServer({ allowHalfOpen: true, pauseOnConnect: true }, accept);
    srv.unref();
    await new Promise((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, HOST, () => {
        srv.off("error", reject);
        resolve();
      });
    });
    port = srv.address().port;
    server = srv;
  }

  function unlisten() {
    if (!server) return;
    server.close();
    server = null;
  }

  await listen();
  const proxy = {
    host: HOST,
    get port() {
      return port;
    },
    /** "redis://127.0.0.1:PORT", or with a path and a user: url("postgres", "/postgres", "postgres"). */
    url: (scheme = "tcp", path = "", user = "") => `${scheme}://${user ? `${user}@` : ""}${HOST}:${port}${path}`,
    /** Sets the mode ("pass" | "stall" | "refuse" | "blackhole-new"); resolves once it applies to new connections. */
    async mode(m) {
      if (!MODES.includes(m)) throw new TypeError(`unknown mode ${m}; known: ${MODES.join(", ")}`);
      current = m;
      if (m === "refuse") unlisten();
      else if (!server && !closed) await listen();
      for (const c of [...conns]) {
        if (c.held) {
          if (m === "pass") flow(c);
          else if (m === "refuse") {
            counts.reset += 1;
            drop(c);
          }
          continue;
        }
        for (const s of [c.client, c.server]) {
          if (m === "stall") s.pause();
          else s.resume();
        }
      }
      return proxy;
    },
    /** Resets every open connection (both sides) at once. */
    cut() {
      counts.cuts += 1;
      for (const c of [...conns]) drop(c);
      return proxy;
    },
    /** Latency added to every chunk from now on, both ways (0: none). */
    delay(ms) {
      if (!(Number.isFinite(ms) && ms >= 0)) throw new TypeError(`bad delay ${ms}`);
      delayMs = ms;
      return proxy;
    },
    /** New connections go to { host, port } from now on. */
    retarget(to) {
      upstream = { host: to.host ?? HOST, port: to.port };
      return proxy;
    },
    /**
     * { accepted, forwarded (connected onwards), cuts (cut() calls), reset (held connections reset by "refuse"),
     * bytesUp, bytesDown, mode, delayMs, target, open (connections now), held (of those, not forwarded) }.
     */
    stats: () => ({
      ...counts,
      mode: current,
      delayMs,
      target: { ...upstream },
      open: conns.size,
      held: [...conns].filter((c) => c.held).length,
    }),
    async close() {
      closed = true;
      for (const c of [...conns]) drop(c);
      if (server) await new Promise((r) => server.close(r));
      server = null;
    },
  };
  return proxy;
}
