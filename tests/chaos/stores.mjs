// The store a chaos process opens, from the runner's description: `{ kind, url, dir, rootNodes }`. Clients
// are configured to fail fast, as pkg/lib/stores/README.md tells users to.
import { join } from "node:path";
import { createCluster } from "redis";
import Redis from "ioredis";
import { memoryStore, redisStore } from "ctct-oauth";
import { fileStore } from "../../pkg/lib/stores/file.js";
import { connect } from "../js/store-clients.mjs";

const quiet = () => {};
const fileName = (account) => account.replace(/[^A-Za-z0-9_-]/g, "_");

export async function openStore(spec) {
  if (spec.kind === "memory") {
    const stores = new Map();
    const store = (account) => {
      if (!stores.has(account)) stores.set(account, memoryStore());
      return stores.get(account);
    };
    return { store, close: async () => {} };
  }
  if (spec.kind === "file") {
    const lanes = join(spec.dir, "lanes");
    return { store: (account) => fileStore(join(spec.dir, fileName(account)), { lanes }), close: async () => {} };
  }
  if (spec.kind === "node-redis-cluster") {
    const socket = { connectTimeout: 1000, socketTimeout: 2000, reconnectStrategy: (n) => Math.min(50 * 2 ** n, 500) };
    const client = createCluster({
      rootNodes: spec.rootNodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })),
      defaults: { socket, disableOfflineQueue: true, pingInterval: 800 },
    });
    await client.on("error", quiet).connect();
    return { store: (account) => redisStore(client, account), close: () => client.destroy?.() ?? client.close() };
  }
  if (spec.kind === "ioredis-cluster") {
    const client = new Redis.Cluster(spec.rootNodes, {
      enableOfflineQueue: false,
      redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 1000, commandTimeout: 2000 },
      clusterRetryStrategy: (n) => Math.min(50 * 2 ** n, 500),
      lazyConnect: true,
    });
    client.on("error", quiet);
    await client.connect();
    return { store: (account) => redisStore(client, account), close: () => client.disconnect() };
  }
  const b = await connect(spec.kind, spec.url);
  return { store: (account) => b.store(account), close: b.close };
}
