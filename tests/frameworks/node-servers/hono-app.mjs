// One Hono app for Node, Bun and Workers; `env` is process.env on Node and Bun, the Worker's bindings on Workers.
import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { ConstantContactOAuth, decodeAccessToken } from "ctct-oauth";

const client = (env) =>
  new ConstantContactOAuth({
    clientId: env.CTCT_CLIENT_ID,
    clientSecret: env.CTCT_CLIENT_SECRET,
    redirectUri: `${env.APP_ORIGIN}/callback`,
    endpoints: JSON.parse(env.CTCT_ENDPOINTS),
    allowInsecureLoopback: true,
  });

export function honoApp(envOf) {
  const app = new Hono();
  app.get("/login", (c) => {
    const { url, state } = client(envOf(c)).authorizationUrl();
    setCookie(c, "ctct_state", state, { httpOnly: true, sameSite: "Lax", path: "/" });
    return c.redirect(url);
  });
  app.get("/callback", async (c) => {
    const auth = client(envOf(c));
    const { code } = auth.parseRedirect(c.req.url, { state: getCookie(c, "ctct_state") ?? "" });
    const tokens = await auth.exchangeCode(code);
    const next = await auth.refresh(tokens);
    return c.json({
      clientId: decodeAccessToken(next.accessToken).clientId,
      rotated: next.refreshToken !== tokens.refreshToken,
    });
  });
  return app;
}
