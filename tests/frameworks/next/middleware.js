// Middleware (the Edge runtime): /protected only with an unexpired access token, else to the sign-in.
import { NextResponse } from "next/server";
import { decodeAccessToken, isExpired } from "ctct-oauth";

export function middleware(request) {
  const token = request.cookies.get("ctct_token")?.value;
  if (!token || isExpired(token)) return NextResponse.redirect(new URL("/api/edge/login", process.env.APP_ORIGIN));
  const response = NextResponse.next();
  response.headers.set("x-ctct-client", decodeAccessToken(token).clientId);
  return response;
}

export const config = { matcher: "/protected/:path*" };
