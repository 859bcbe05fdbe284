// A Vercel Edge Function (`export const config = { runtime: "edge" }`): /login and /callback.
import { ConstantContactOAuth, decodeAccessToken } from "ctct-oauth";

export const config = { runtime: "edge" };

export default async function handler(request) {
  const auth = new ConstantContactOAuth({
    clientId: process.env.CTCT_CLIENT_ID,
    clientSecret: process.env.CTCT_CLIENT_SECRET,
    redirectUri: `${process.env.APP_ORIGIN}/callback`,
    endpoints: JSON.parse(process.env.CTCT_ENDPOINTS),
    allowInsecureLoopback: true,
  });
  const { pathname } = new URL(request.url);
  if (pathname === "/login") {
    const { url, state } = auth.authorizationUrl();
    const cookie = `ctct_state=${state}; HttpOnly; SameSite=Lax; Path=/`;
    return new Response(null, { status: 302, headers: { location: url, "set-cookie": cookie } });
  }
  if (pathname === "/callback") {
    const state = /ctct_state=([^;]+)/.exec(request.headers.get("cookie") ?? "")?.[1] ?? "";
    const { code } = auth.parseRedirect(request.url, { state });
    const tokens = await auth.exchangeCode(code);
    const next = await auth.refresh(tokens);
    return Response.json({
      clientId: decodeAccessToken(next.accessToken).clientId,
      rotated: next.refreshToken !== tokens.refreshToken,
    });
  }
  return new Response("sign in at /login");
}
