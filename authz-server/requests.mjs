// Reading what a request carries: its body, the client id of a Basic authorization header, a space-separated list
// of words (scopes, prompts), a JWT's claims.
import * as jose from "jose";

export async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

export function basicClientId(header) {
  const m = /^Basic\s+(.+)$/i.exec(header ?? "");
  if (!m) return null;
  try {
    return decodeURIComponent(Buffer.from(m[1], "base64").toString("utf8").split(":")[0] ?? "");
  } catch {
    return null; // malformed: the provider answers invalid_client
  }
}

export function words(s) {
  const all = String(s ?? "").split(" ");
  return all.filter(Boolean);
}

/** A JWT's claims, unverified ({} for anything else). */
export function claimsOf(jwt) {
  try {
    return jose.decodeJwt(jwt);
  } catch {
    return {};
  }
}
