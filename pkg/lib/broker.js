// Across Cloudflare Workers isolates: one Durable Object per Constant Contact account owns the tokens.
// Every isolate asks it for an access token; it refreshes at most once at a time (one TokenSession in
// one object) and keeps the pair in its transactional storage, so rotated refresh tokens are never
// spent twice. This is Cloudflare's own serialisation, not a home-made lock over KV.
//
// wrangler.toml:
//   [[durable_objects.bindings]]
//   name = "CTCT_TOKENS"
//   class_name = "TokenBroker"
//   [[migrations]]
//   tag = "v1"
//   new_sqlite_classes = ["TokenBroker"]
//   [vars] CTCT_CLIENT_ID = "..."    (and `wrangler secret put CTCT_CLIENT_SECRET`)
// worker.js:
//   export { TokenBroker } from "ctct-oauth";
//   const session = brokerSession(env.CTCT_TOKENS.get(env.CTCT_TOKENS.idFromName(accountId)));
//   const res = await session.fetch("/account/summary");
import { ConstantContactOAuth } from "./client.js";
import { CtctOAuthError } from "./error.js";
import { raise } from "./raise.js";
import { apiFetch, apiJson } from "./api-fetch.js";
import { checkRecord, isVersion } from "./stores/common.js";

/** @import { BrokerSession, StoredSession, TokenBroker as API, TokenSession } from "../index.js" */
/** @import { Caller } from "./api-fetch.js" */

const BROKER = "https://token-broker.internal";

/** An error as it crosses to the calling isolate: typed ones as data, anything else as broker_failed. */
const errorData = (/** @type {unknown} */ e) =>
  e instanceof CtctOAuthError ? { code: e.code, message: e.message, details: { ...e } } : { code: null };

/**
 * The Durable Object. Configured from its env (ConstantContactOAuth.fromEnv: CTCT_CLIENT_ID,
 * CTCT_CLIENT_SECRET, CTCT_ENDPOINTS, CTCT_ALLOW_INSECURE_LOOPBACK, ...). The client is made on the first
 * request, inside it, so a configuration error reaches the caller typed, not as a failed constructor.
 */
export class TokenBroker {
  /** @type {ConstructorParameters<typeof API>[0]} */ #state;
  /** @type {ConstructorParameters<typeof API>[1]} */ #env;
  /** @type {TokenSession | undefined} */ #session;
  /** @type {string | undefined} */ #apiBase;

  /** @param {ConstructorParameters<typeof API>[0]} state @param {ConstructorParameters<typeof API>[1]} env */
  constructor(state, env) {
    this.#state = state;
    this.#env = env;
  }

  #ready() {
    if (!this.#session) {
      // (fromEnv reads only the variables it knows, and only string values.)
      const auth = ConstantContactOAuth.fromEnv(/** @type {Record<string, string>} */ (this.#env ?? {}));
      const storage = this.#state.storage;
      // The object's requests run one at a time, so read-then-put is a compare-and-set here.
      /** @type {import("../index.js").TokenStore} */
      const store = {
        backend: "Durable Object storage",
        get: () => /** @type {Promise<StoredSession | undefined>} */ (storage.get("session")),
        async set(value) {
          checkRecord(value, "TokenBroker storage");
          const current = /** @type {StoredSession | undefined} */ (await storage.get("session"));
          if (current && isVersion(current.version) && current.version >= value.version) return false;
          await storage.put("session", value);
          return true;
        },
        delete: () => /** @type {Promise<void>} */ (storage.delete("session")),
      };
      this.#session = auth.session({ store });
      this.#apiBase = auth.toJSON().endpoints.apiBase;
    }
    return this.#session;
  }

  /** @type {API["fetch"]} */
  async fetch(request) {
    try {
      const session = this.#ready();
      const body = request.method === "POST" ? await request.json() : {};
      const apiBase = this.#apiBase;
      switch (new URL(request.url).pathname) {
        case "/access-token":
          return Response.json({ accessToken: await session.accessToken({ refused: body.refused }), apiBase });
        case "/tokens":
          await session.setTokens(body.tokens);
          return Response.json({ apiBase });
        case "/sign-out": {
          const { revoked, error } = await session.signOut({ revoke: body.revoke === true });
          return Response.json({ revoked, revokeError: error && errorData(error), apiBase });
        }
        default:
          return Response.json({ error: { code: null } }, { status: 404 });
      }
    } catch (e) {
      return Response.json({ error: errorData(e) }, { status: 409 });
    }
  }
}

const rebuilt = (/** @type {any} */ data) =>
  data?.code ? new CtctOAuthError(data.code, data.message, data.details) : raise("broker_failed");

/**
 * The calling side: the TokenSession shape (accessToken, fetch, json, setTokens, signOut), answered by
 * the broker. API calls go to the broker's own `apiBase`, so a token never reaches another server's API.
 * @type {typeof import("../index.js").brokerSession}
 */
export function brokerSession(stub, { fetch: fetchFn } = {}) {
  /** @type {string | undefined} */
  let apiBase;
  /** The broker's answer to a request (its JSON); throws the error it answered with. */
  const call = async (/** @type {string} */ path, /** @type {unknown} */ body) => {
    /** @type {any} */
    let out;
    try {
      const init = {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body ?? {}),
      };
      out = await (await stub.fetch(`${BROKER}${path}`, init)).json();
    } catch (cause) {
      throw raise("broker_failed", { cause });
    }
    if (out?.error) throw rebuilt(out.error);
    apiBase = out.apiBase ?? apiBase;
    return out;
  };
  /** @type {BrokerSession["accessToken"]} */
  const accessToken = async ({ refused } = {}) => (await call("/access-token", { refused })).accessToken;
  /** @returns {Promise<Caller>} */
  const api = async () => {
    const first = await accessToken(); // also learns the broker's apiBase
    const base = /** @type {string} */ (apiBase); // (every answer of the broker names it)
    return { base, fetchFn, token: (refused) => (refused === undefined ? first : accessToken({ refused })) };
  };
  return {
    accessToken,
    setTokens: (tokens) => call("/tokens", { tokens: JSON.parse(JSON.stringify(tokens)) }).then(() => undefined),
    async signOut({ revoke = false } = {}) {
      const out = await call("/sign-out", { revoke });
      return out.revokeError ? { revoked: false, error: rebuilt(out.revokeError) } : { revoked: out.revoked };
    },
    fetch: async (pathOrUrl, init) => apiFetch(await api(), pathOrUrl, init),
    json: async (pathOrUrl, init) => apiJson(await api(), pathOrUrl, init),
  };
}
