// An access token's claims as table rows, decoded here (not verified): shared by the session (2) and
// the decoder (4).
import { decodeAccessToken } from "ctct-oauth";
import { when } from "./ui.js";

/** Decodes `token` (throws a typed error for anything that is not an access token) into rows and `exp`. */
export function claimRows(token) {
  const c = decodeAccessToken(token);
  const rows = [
    ["subject (user)", c.sub],
    ["client id (cid)", c.clientId],
    ["user id (uid)", c.userId],
    ["platform user id", c.platformUserId],
    ["scopes", c.scopes.join(" ")],
    ["issuer", c.iss],
    ["audience", Array.isArray(c.aud) ? c.aud.join(" ") : c.aud],
    ["issued (iat)", c.iat && when(c.iat)],
    ["expires (exp)", when(c.exp)],
  ];
  return { rows, claims: c };
}
