// Node.js runtime (the default): the confidential client's authorize URL, state in an HttpOnly cookie.
import { NextResponse } from "next/server";
import { serverAuth } from "../../../../lib/ctct.js";

export function GET(request) {
  const { url, state } = serverAuth("/api/node/callback").authorizationUrl();
  const response = NextResponse.redirect(url);
  response.cookies.set("ctct_state", state, { httpOnly: true, sameSite: "lax", path: "/" });
  return response;
}
