"use client";
// Reading the token in the browser: the decode-only entry.
import { decodeAccessToken, isExpired } from "ctct-oauth/decode";

export function Claims({ token, rotated }) {
  const { clientId } = decodeAccessToken(token);
  return <p id="claims">{JSON.stringify({ clientId, expired: isExpired(token), rotated })}</p>;
}
