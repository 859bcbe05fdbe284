// The three store clients as a user configures them to fail fast when their backend is down (see
// pkg/lib/stores/README.md), for tests that run sessions across processes.
import { createClient } from "redis";
import Redis from "ioredis";
import pg from "pg";
import { redisStore, postgresStore } from "ctct-oauth";

const quiet = () => {};

export const KINDS = ["node-redis", "ioredis", "pg"];

/** A connected client of `kind` for the server at `url`; `close()` ends it. */
export async function connect(kind, url) {
  if (kind === "node-redis") {
    const socket = { connectTimeout: 1000, socketTimeout: 2000, reconnectStrategy: (n) => Math.min(50 * 2 ** n, 500) };
    const client = createClient({ url, disableOfflineQueue: true, pingInterval: 800, socket });
    await client.on("error", quiet).connect();
    return { client, store: (key) => redisStore(client, key), close: () => client.destroy() };
  }
  if (kind === "ioredis") {
    const client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1000,
      commandTimeout: 2000,
      retryStrategy: (n) => Math.min(50 * 2 ** n, 500),
      lazyConnect: true,
    });
    client.on("error", quiet);
    await client.connect();
    return { client, store: (key) => redisStore(client, key), close: () => client.disconnect() };
  }
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 1000, query_timeout: 2000, max: 10 });
  pool.on("error", quiet);
  return { client: pool, store: (key) => postgresStore(pool, key), close: () => pool.end() };
}
