// The Edge runtime: the exchange and a refresh through fetch, the token decoded; the access token goes to a
// cookie that the middleware reads.
import { NextResponse } from "next/server";
import { decodeAccessToken, isExpired } from "ctct-oauth";
import { serverAuth } from "../../../../lib/ctct.js";

export const runtime = "edge";

export async function GET(request) {
  const auth = serverAuth("/api/edge/callback");
  try {
    const { code } = auth.parseRedirect(request.url, { state: request.cookies.get("ctct_state")?.value ?? "" });
    const tokens = await auth.exchangeCode(code);
    const next = await auth.refresh(tokens);
    const response = NextResponse.json({
      clientId: decodeAccessToken(next.accessToken).clientId,
      rotated: next.refreshToken !== tokens.refreshToken,
      expired: isExpired(next),
    });
    response.cookies.set("ctct_token", next.accessToken, { httpOnly: true, sameSite: "lax", path: "/" });
    return response;
  } catch (e) {
    return NextResponse.json({ code: e.code, message: e.message }, { status: 400 });
  }
}
