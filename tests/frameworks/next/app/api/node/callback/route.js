// The redirect back: state checked, the code exchanged with the secret, the tokens kept in a session on Redis.
import { NextResponse } from "next/server";
import { decodeAccessToken } from "ctct-oauth";
import { serverAuth } from "../../../../lib/ctct.js";
import { accountSession } from "../../../../lib/redis.js";

export async function GET(request) {
  const auth = serverAuth("/api/node/callback");
  const { code } = auth.parseRedirect(request.url, { state: request.cookies.get("ctct_state")?.value ?? "" });
  const tokens = await auth.exchangeCode(code);
  const { userId } = decodeAccessToken(tokens.accessToken);
  await (await accountSession(userId)).setTokens(tokens);
  const response = NextResponse.redirect(new URL("/account", process.env.APP_ORIGIN));
  response.cookies.set("ctct_account", userId, { httpOnly: true, sameSite: "lax", path: "/" });
  return response;
}
