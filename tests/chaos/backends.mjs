// The store servers of a chaos schedule, started on free 127.0.0.1 ports, and the faults the schedule
// gives them. Clients reach Redis, PostgreSQL and PgBouncer through a TCP proxy, so connections can be
// cut or stalled the way a network does it. `fault(name)` applies a fault and resolves to its undo.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as services from "../js/services.mjs";
import { startProxy } from "../js/fault-proxy.mjs";

/** Starts `schedule.backend`: `{ spec, fault(name), restarted(), close() }`; `spec` is what workers open. */
export async function startBackend(schedule) {
  const kind = schedule.backend;
  if (kind === "memory") return { spec: { kind: "memory" }, fault: noFault, close: async () => {} };
  if (kind === "file") {
    const dir = await mkdtemp(join(tmpdir(), "ctct-chaos-files-"));
    return { spec: { kind: "file", dir }, fault: noFault, close: () => rm(dir, { recursive: true, force: true }) };
  }
  if (kind === "redis-cluster") return cluster(schedule);
  const redis = kind.startsWith("redis");
  const server = redis
    ? await services.startRedis({ appendonly: kind === "redis-aof" })
    : await services.startPostgres();
  const bouncer = kind === "pgbouncer" ? await services.startPgBouncer(server, { poolMode: "transaction" }) : null;
  const front = bouncer ?? server;
  const proxy = await startProxy({ host: front.host, port: front.port });
  const url = redis ? proxy.url("redis") : proxy.url("postgres", `/${front.database}`, front.user);
  // A replica to fail over to (single Redis): the failover fault promotes it behind the same address.
  const replica =
    redis && schedule.events.some((e) => e.fault === "failover")
      ? await services.startRedis({ replicaOf: server })
      : null;
  let primary = server;
  const restart = (halt) => async () => {
    const s = primary;
    await halt(s);
    return async () => {
      await s.start();
    };
  };
  const faults = {
    stop: restart((s) => s.stop()),
    kill: restart((s) => s.kill()),
    pause: async () => {
      const s = primary;
      s.pause();
      return async () => s.resume();
    },
    readonly: async () => {
      const s = primary;
      await s.setReadOnly(true);
      return () => s.setReadOnly(false);
    },
    // The primary dies; the replica, which may lag (writes it never got are lost), takes its address.
    failover: async () => {
      if (!replica || primary === replica) return async () => {};
      if (Math.random() < 0.5) replica.lag(true);
      await services.redisFailover({ primary, replica, proxy });
      primary = replica;
      return async () => {};
    },
    cut: async () => {
      proxy.cut();
      return async () => {};
    },
    // The port refuses connections and the open ones are cut: down at once and back at once, with no restart
    // time (for scenarios that need an outage of a precise length; random schedules do not draw it).
    refuse: async () => {
      await proxy.mode("refuse");
      proxy.cut();
      return async () => {
        await proxy.mode("pass");
      };
    },
    stall: async () => {
      proxy.mode("stall");
      return async () => {
        proxy.cut(); // what stalled is dead to its client: it timed out
        proxy.mode("pass");
      };
    },
    "bouncer-restart": async () => {
      await bouncer.stop();
      return async () => {
        await bouncer.start();
      };
    },
  };
  return {
    spec: { kind: redis ? schedule.client : "pg", url },
    fault: (name) => faults[name](),
    async close() {
      await proxy.close();
      await bouncer?.dispose();
      await replica?.dispose();
      await server.dispose();
    },
  };
}

async function cluster(schedule) {
  const c = await services.startRedisCluster({ masters: 3, replicas: 0 });
  const node = () => c.nodes[Math.floor(Math.random() * c.nodes.length)];
  const faults = {
    "pause-node": async () => {
      const n = node();
      n.pause();
      return async () => n.resume();
    },
    "kill-node": async () => {
      const n = node();
      await n.kill();
      return async () => {
        await n.start();
        await c.waitOk();
      };
    },
  };
  return {
    spec: { kind: `${schedule.client}-cluster`, rootNodes: c.rootNodes },
    fault: (name) => faults[name](),
    close: () => c.dispose(),
  };
}

async function noFault() {
  return async () => {};
}
