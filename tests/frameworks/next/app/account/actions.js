"use server";
// A server action (Node.js runtime): refreshes the signed-in account's tokens through its session on Redis.
import { cookies } from "next/headers";
import { decodeAccessToken } from "ctct-oauth";
import { accountSession } from "../../lib/redis.js";

export async function refreshNow() {
  const account = (await cookies()).get("ctct_account")?.value ?? "";
  const session = await accountSession(account);
  const before = await session.tokens();
  const after = await session.refresh();
  return {
    clientId: decodeAccessToken(after.accessToken).clientId,
    rotated: after.refreshToken !== before.refreshToken,
    stored: (await session.tokens()).refreshToken === after.refreshToken,
  };
}
