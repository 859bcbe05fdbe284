// /login     -> Constant Contact's sign-in page (confidential client: the secret never leaves the Worker)
// /callback  -> checks state, exchanges the code, hands the tokens to the account's TokenBroker
// /api/summary -> the account summary through session.fetch (refreshed once when due, for every isolate)
import { ConstantContactOAuth, brokerSession } from "ctct-oauth";
export { TokenBroker } from "ctct-oauth";

const STATE_COOKIE = "ctct_state";

// CTCT_CLIENT_ID, CTCT_CLIENT_SECRET (a secret binding: `wrangler secret put CTCT_CLIENT_SECRET`),
// CTCT_REDIRECT_URI; for the local test server also CTCT_ENDPOINTS (JSON) and CTCT_ALLOW_INSECURE_LOOPBACK.
// The TokenBroker reads the same variables, by the same rules.
const client = (env) => ConstantContactOAuth.fromEnv(env);

// This example serves one Constant Contact account; a multi-tenant app would key the broker by its user.
// API calls go to the broker's own apiBase.
const session = (env) => brokerSession(env.CTCT_TOKENS.get(env.CTCT_TOKENS.idFromName("account")));

const cookie = (request, name) => request.headers.get("cookie")?.match(new RegExp(`(?:^|; )${name}=([^;]+)`))?.[1];

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/login") {
        const { url: to, state } = client(env).authorizationUrl({
          prompt: url.searchParams.has("switch") ? "login" : undefined,
        });
        return new Response(null, {
          status: 302,
          headers: {
            location: to,
            "set-cookie": `${STATE_COOKIE}=${state}; HttpOnly; Secure; SameSite=Lax; Path=/callback; Max-Age=600`,
          },
        });
      }
      if (url.pathname === "/callback") {
        const auth = client(env);
        const state = cookie(request, STATE_COOKIE);
        if (!state) return new Response("No sign-in in progress here: start at /login\n", { status: 400 });
        const { code } = auth.parseRedirect(url, { state });
        await session(env).setTokens(await auth.exchangeCode(code));
        return new Response(null, {
          status: 302,
          headers: { location: "/api/summary", "set-cookie": `${STATE_COOKIE}=; Path=/callback; Max-Age=0` },
        });
      }
      if (url.pathname === "/api/summary") {
        const res = await session(env).fetch("/account/summary");
        return new Response(res.body, { status: res.status, headers: { "content-type": "application/json" } });
      }
      if (url.pathname === "/logout") {
        await session(env).signOut({ revoke: true });
        return new Response("Signed out.\n");
      }
      return new Response("Try /login\n", { status: 404 });
    } catch (e) {
      // Typed errors carry a stable code and a message that says what to do (never a token or secret).
      return Response.json(
        { error: e.code ?? "unexpected", message: e.message, hint: e.hint },
        { status: e.code === "reauthorization_required" ? 401 : 400 },
      );
    }
  },
};
