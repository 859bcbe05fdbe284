import { decodeAccessToken } from "ctct-oauth";
import { serverAuth } from "../ctct.server.js";

export async function loader({ request }) {
  const auth = serverAuth();
  const state = /ctct_state=([^;]+)/.exec(request.headers.get("cookie") ?? "")?.[1] ?? "";
  const { code } = auth.parseRedirect(request.url, { state });
  const tokens = await auth.exchangeCode(code);
  const next = await auth.refresh(tokens);
  return Response.json({
    clientId: decodeAccessToken(next.accessToken).clientId,
    rotated: next.refreshToken !== tokens.refreshToken,
    accessToken: next.accessToken, // for the test's page; an app keeps it in a session
  });
}
