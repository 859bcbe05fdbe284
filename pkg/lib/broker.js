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
import { apiFetch } from "./session.js";

const BROKER = "https://token-broker.internal";

export function makeBroker({ ConstantContactOAuth, CtctOAuthError, deps }) {
  /** The Durable Object. Configuration from env: CTCT_CLIENT_ID, CTCT_CLIENT_SECRET, optional CTCT_ENDPOINTS (JSON). */
  class TokenBroker {
    constructor(state, env) {
      const storage = state.storage;
      this.auth = new ConstantContactOAuth({
        clientId: env.CTCT_CLIENT_ID,
        clientSecret: env.CTCT_CLIENT_SECRET,
        endpoints: env.CTCT_ENDPOINTS ? JSON.parse(env.CTCT_ENDPOINTS) : undefined,
        allowInsecureLoopback: env.CTCT_ALLOW_INSECURE_LOOPBACK === "true",
      });
      this.session = this.auth.session({
        store: { get: () => storage.get("session"), set: (v) => storage.put("session", v), delete: () => storage.delete("session") },
      });
    }

    async fetch(request) {
      try {
        const body = request.method === "POST" ? await request.json() : {};
        switch (new URL(request.url).pathname) {
          case "/access-token": {
            const accessToken = await this.session.accessToken({ refused: body.refused });
            return Response.json({ accessToken });
          }
          case "/tokens":
            await this.session.setTokens(body.tokens);
            return Response.json({ ok: true });
          case "/sign-out":
            await this.session.signOut({ revoke: body.revoke === true });
            return Response.json({ ok: true });
          default:
            return new Response("not found", { status: 404 });
        }
      } catch (e) {
        // The error crosses to the calling isolate as data and is rebuilt there.
        const { code = "server_error", message = String(e), ...details } = { code: e?.code, message: e?.message, ...e };
        return Response.json({ error: { code, message, details } }, { status: 409 });
      }
    }
  }

  /** The calling side: the TokenSession shape (accessToken, fetch, setTokens, signOut), answered by the broker. */
  function brokerSession(stub, { apiBase = deps.apiBase, fetch: fetchFn } = {}) {
    const call = async (path, body) => {
      const res = await stub.fetch(`${BROKER}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) });
      const out = await res.json();
      if (out.error) throw new CtctOAuthError(out.error.code, out.error.message, out.error.details);
      return out;
    };
    const accessToken = async ({ refused } = {}) => (await call("/access-token", { refused })).accessToken;
    return {
      accessToken,
      setTokens: (tokens) => call("/tokens", { tokens: JSON.parse(JSON.stringify(tokens)) }).then(() => undefined),
      signOut: ({ revoke = false } = {}) => call("/sign-out", { revoke }).then(() => undefined),
      fetch: (pathOrUrl, init) => apiFetch({ base: apiBase, fetchFn, token: (refused) => accessToken({ refused }), ...deps }, pathOrUrl, init),
    };
  }

  return { TokenBroker, brokerSession };
}
