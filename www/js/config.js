// Where the page points its clients: the local test server (scripts/demo.mjs serves local-config.json)
// or, when that file is absent, the real Constant Contact. Also the one session this page keeps.
import { ConstantContactOAuth, decodeAccessToken, indexedDbStore } from "ctct-oauth";
import { $ } from "./ui.js";

export const local = await fetch("local-config.json")
  .then((r) => (r.ok ? r.json() : null))
  .catch(() => null);

/** A client with the settings' scopes and redirect URI; clientId defaults to the settings' field. */
export function client(clientId = $("clientId").value.trim()) {
  const scopes = [...document.querySelectorAll("#scopes input:checked")].map((i) => i.value);
  const where = local?.endpoints ? { endpoints: local.endpoints, allowInsecureLoopback: true } : {};
  return new ConstantContactOAuth({ clientId, redirectUri: $("redirectUri").value.trim(), scopes, ...where });
}

// The page keeps one session: its tokens in IndexedDB, and in localStorage how it was signed in (PKCE or
// the device flow) and with which client id, as a refresh and a revocation must name that client.
const ACTIVE = "ctct-demo-session";
const store = () => indexedDbStore("ctct-demo");

/** `{ flow: "pkce" | "device", clientId }`, or null when signed out. */
export const active = () => JSON.parse(localStorage.getItem(ACTIVE) ?? "null");

/** The page's session, or null when signed out. */
export function session() {
  const a = active();
  return a && client(a.clientId).session({ store: store() });
}

/** Sent on `document` when the page's session starts or ends: what each section said of the old one is stale. */
export const SESSION_CHANGED = "ctct-demo-session-changed";
const changed = () => document.dispatchEvent(new Event(SESSION_CHANGED));

/** Makes `tokens` the page's session, signed in through `flow` with `clientId`. */
export async function startSession(flow, clientId, tokens) {
  localStorage.setItem(ACTIVE, JSON.stringify({ flow, clientId }));
  await session().setTokens(tokens);
  changed();
}

/** Signs the page's session out (revoking its refresh token); resolves to signOut's result or null. */
export async function endSession() {
  const s = session();
  if (!s) return null;
  const result = await s.signOut({ revoke: true });
  localStorage.removeItem(ACTIVE);
  changed();
  return result;
}

/**
 * Makes `tokens` the page's session, first signing out the one it replaces (its refresh token revoked).
 * Resolves to the user the earlier session belonged to, or null when there was none.
 */
export async function replaceSession(flow, clientId, tokens) {
  const earlier = await session()
    ?.tokens()
    .catch(() => null);
  let who = null;
  if (earlier) {
    try {
      who = decodeAccessToken(earlier.accessToken).sub ?? "another user";
    } catch {
      who = "another user";
    }
    await endSession();
  }
  await startSession(flow, clientId, tokens);
  return who;
}
