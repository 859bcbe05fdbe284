import { decodeAccessToken } from "ctct-oauth";
import { serverAuth } from "../ctct.js";

export async function GET({ url, cookies }) {
  const auth = serverAuth();
  const { code } = auth.parseRedirect(url, { state: cookies.get("ctct_state")?.value ?? "" });
  const tokens = await auth.exchangeCode(code);
  const next = await auth.refresh(tokens);
  return Response.json({
    clientId: decodeAccessToken(next.accessToken).clientId,
    rotated: next.refreshToken !== tokens.refreshToken,
    accessToken: next.accessToken, // for the test's page; an app keeps it in a session
  });
}
