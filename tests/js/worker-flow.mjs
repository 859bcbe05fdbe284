// A Worker doing the confidential flow: the secret comes from an env binding, never from the browser.
import { ConstantContactOAuth, kvStore } from "ctct-oauth";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const auth = new ConstantContactOAuth({
      clientId: env.CLIENT_ID,
      clientSecret: env.CLIENT_SECRET,
      redirectUri: env.REDIRECT_URI,
      endpoints: JSON.parse(env.ENDPOINTS),
      allowInsecureLoopback: true,
    });
    try {
      if (url.pathname === "/login") return Response.json(auth.authorizationUrl());
      if (url.pathname === "/callback") {
        const { code } = auth.parseRedirect(url.searchParams.get("redirect"), { state: url.searchParams.get("state") });
        const tokens = await auth.exchangeCode(code);
        const next = await auth.refresh(tokens);
        const claims = await auth.verifyAccessToken(next.accessToken);
        return Response.json({
          ok: true,
          rotated: next.refreshToken !== tokens.refreshToken,
          clientId: claims.clientId,
          expiresAt: next.expiresAt === claims.exp,
        });
      }
      if (url.pathname === "/kv") {
        // Tokens kept in Workers KV: one session writes, a fresh one (another request, another isolate) reads.
        const tokens = await request.json();
        await auth.session({ store: kvStore(env.TOKENS, "account-1") }).setTokens(tokens);
        const again = await auth.session({ store: kvStore(env.TOKENS, "account-1") }).tokens();
        // Refused: not newer than what the session stored.
        await kvStore(env.TOKENS, "account-1").set({ version: 1, tokens: { accessToken: "older" } });
        const stored = await env.TOKENS.get("account-1", "json");
        return Response.json({
          ok: true,
          same: again.refreshToken === tokens.refreshToken,
          version: stored.version,
          kept: stored.tokens.accessToken === tokens.accessToken,
        });
      }
      return new Response("not found", { status: 404 });
    } catch (e) {
      return Response.json({ ok: false, code: e.code, message: e.message }, { status: 500 });
    }
  },
};
