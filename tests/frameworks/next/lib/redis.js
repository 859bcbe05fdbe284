// One Redis connection per server process; the sessions' tokens live there, keyed by account.
import { createClient } from "redis";
import { redisStore } from "ctct-oauth";
import { serverAuth } from "./ctct.js";

let client;
export async function accountSession(account) {
  client ??= createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).connect();
  return serverAuth("/api/node/callback").session({ store: redisStore(await client, `ctct:${account}`) });
}
