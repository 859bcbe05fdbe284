// Stores: --store parsed, and the store opened with the user's own Redis or PostgreSQL client package, or the
// library's file store.
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fileStore, postgresStore, redisStore } from "./library.mjs";
import { CliError, EXIT, mask, usage } from "./output.mjs";

/** @import { TokenStore } from "../index.js" */
/** @import { Flags } from "./arguments.mjs" */

const DEFAULT_DIR = join(homedir(), ".ctct-oauth", "tokens");
/** How long a command keeps writing a new pair the store does not take, before it rescues the pair. */
export const STORE_WAIT_MS =
  Number(process.env.CTCT_STORE_WAIT_MS) > 0 ? Number(process.env.CTCT_STORE_WAIT_MS) : 60_000;

/**
 * The user's own copy of a package: beside this one, else in the working directory's project (npx). Its types
 * are its own: to the type check, `any`.
 * @param {string} name
 * @returns {Promise<any>}
 */
async function importUserPackage(name) {
  try {
    return await import(name);
  } catch (e) {
    if (e?.code !== "ERR_MODULE_NOT_FOUND") throw e;
  }
  try {
    const resolved = createRequire(join(process.cwd(), "package.json")).resolve(name);
    return await import(pathToFileURL(resolved).href);
  } catch {
    return null;
  }
}

/**
 * @param {string} spec
 * @param {string} command
 * @returns {{ kind: "file", path: string } | { kind: "redis" | "postgres", key: string, connect: string }}
 */
function parseStoreSpec(spec, command) {
  if (spec.startsWith("file:")) {
    const rest = spec.slice("file:".length);
    if (rest.startsWith("//")) return { kind: "file", path: fileURLToPath(spec) };
    if (!rest) throw usage("--store file: needs a directory, e.g. file:./tokens", command);
    const path = rest.startsWith("~/") ? join(homedir(), rest.slice(2)) : resolve(rest);
    return { kind: "file", path };
  }
  let url;
  try {
    url = new URL(spec);
  } catch {
    throw usage(
      `--store ${mask(spec)}: expected file:<path>, redis://host:port/<key> or postgres://...?key=<key>`,
      command,
    );
  }
  if (url.protocol === "redis:" || url.protocol === "rediss:") {
    const db = url.searchParams.get("db");
    if (db !== null && !/^\d+$/.test(db)) throw usage(`--store: ?db= must be a number, not ${db}`, command);
    const key = decodeURIComponent(url.pathname.slice(1));
    const auth = url.username || url.password ? `${url.username}${url.password ? `:${url.password}` : ""}@` : "";
    return { kind: "redis", key, connect: `${url.protocol}//${auth}${url.host}${db ? `/${db}` : ""}` };
  }
  if (url.protocol === "postgres:" || url.protocol === "postgresql:") {
    const key = url.searchParams.get("key") ?? "";
    url.searchParams.delete("key");
    return { kind: "postgres", key, connect: url.href };
  }
  throw usage(`--store ${mask(spec)}: expected file:<path>, redis://... or postgres://...`, command);
}

/** @param {Flags} flags */
export function storeSpec(flags) {
  if (flags.store) return flags.store;
  if (process.env.CTCT_STORE) return process.env.CTCT_STORE;
  return `file:${process.env.CTCT_TOKENS_DIR || DEFAULT_DIR}`;
}

const missingPackage = (/** @type {string} */ pkg, /** @type {string} */ scheme) =>
  new CliError(
    "store_unavailable",
    `--store ${scheme} uses the \`${pkg}\` package, which is not installed here.`,
    EXIT.usage,
    `install it in your project: npm install ${pkg}`,
  );

/**
 * Opens the store: `{ store, label, close }`. Clients are configured to fail fast when the server is away.
 * @param {string} spec
 * @param {string} clientId
 * @param {string} command
 * @returns {Promise<{ store: TokenStore, label: string, close: () => Promise<unknown> }>}
 */
export async function openStore(spec, clientId, command) {
  const s = parseStoreSpec(spec, command);
  if (s.kind === "file") return { store: fileStore(s.path), label: `file:${s.path}`, close: async () => {} };
  const key = s.key || `ctct-oauth:${clientId}`;
  const label = `${mask(s.connect)} key ${key}`;
  const unreachable = (/** @type {string} */ what, /** @type {unknown} */ cause) =>
    Object.assign(new CliError("store_error", `could not connect to ${what} at ${mask(s.connect)}`, EXIT.unavailable), {
      cause,
    });
  if (s.kind === "redis") {
    const nodeRedis = await importUserPackage("redis");
    if (nodeRedis?.createClient) {
      const socket = { connectTimeout: 5000, socketTimeout: 10_000, reconnectStrategy: false };
      const client = nodeRedis.createClient({ url: s.connect, disableOfflineQueue: true, socket });
      client.on("error", () => {}); // reported by the command that failed; unhandled, it would crash
      try {
        await client.connect();
      } catch (e) {
        throw unreachable("Redis", e);
      }
      const close = async () => (client.destroy ? client.destroy() : client.disconnect());
      return { store: redisStore(client, key), label, close };
    }
    const ioredis = await importUserPackage("ioredis");
    const Redis = ioredis?.default ?? ioredis?.Redis;
    if (!Redis) throw missingPackage("redis", "redis://");
    const client = new Redis(s.connect, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 5000,
      commandTimeout: 10_000,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    try {
      await client.connect();
    } catch (e) {
      throw unreachable("Redis", e);
    }
    return { store: redisStore(client, key), label, close: async () => client.disconnect() };
  }
  const pg = await importUserPackage("pg");
  const Pool = pg?.Pool ?? pg?.default?.Pool;
  if (!Pool) throw missingPackage("pg", "postgres://");
  const pool = new Pool({ connectionString: s.connect, connectionTimeoutMillis: 5000, query_timeout: 10_000, max: 2 });
  pool.on("error", () => {});
  return { store: postgresStore(pool, key), label, close: () => pool.end() };
}
