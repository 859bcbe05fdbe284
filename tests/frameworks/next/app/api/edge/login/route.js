// The Edge runtime: the same authorize URL and state cookie.
import { NextResponse } from "next/server";
import { serverAuth } from "../../../../lib/ctct.js";

export const runtime = "edge";

export function GET(request) {
  const { url, state } = serverAuth("/api/edge/callback").authorizationUrl();
  const response = NextResponse.redirect(url);
  response.cookies.set("ctct_state", state, { httpOnly: true, sameSite: "lax", path: "/" });
  return response;
}
