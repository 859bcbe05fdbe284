import { decodeAccessToken } from "ctct-oauth";

export default defineEventHandler(async (event) => {
  const auth = serverAuth(event);
  const { code } = auth.parseRedirect(getRequestURL(event), { state: getCookie(event, "ctct_state") ?? "" });
  const tokens = await auth.exchangeCode(code);
  const next = await auth.refresh(tokens);
  return {
    clientId: decodeAccessToken(next.accessToken).clientId,
    rotated: next.refreshToken !== tokens.refreshToken,
    accessToken: next.accessToken, // for the test's page; an app keeps it in a session
  };
});
