// An application Worker: every isolate asks the one TokenBroker of the account for its token.
import { brokerSession, CtctOAuthError } from "ctct-oauth";

export default {
  async fetch(request, env) {
    // No apiBase here: API calls go to the broker's own (its CTCT_ENDPOINTS), never to another server.
    const session = brokerSession(env.CTCT_TOKENS.get(env.CTCT_TOKENS.idFromName("account-1")));
    const { pathname } = new URL(request.url);
    try {
      if (pathname === "/set") {
        await session.setTokens(await request.json());
        return Response.json({ ok: true });
      }
      if (pathname === "/token") return Response.json({ ok: true, token: await session.accessToken() });
      if (pathname === "/summary") {
        const res = await session.fetch("/account/summary");
        return Response.json({ ok: true, status: res.status, email: (await res.json()).contact_email });
      }
      if (pathname === "/sign-out") {
        await session.signOut({ revoke: true });
        return Response.json({ ok: true });
      }
      return new Response("not found", { status: 404 });
    } catch (e) {
      const typed = e instanceof CtctOAuthError;
      return Response.json({
        ok: false,
        code: e.code,
        reason: e.reason,
        field: e.field,
        isError: e instanceof Error,
        typed,
      });
    }
  },
};
