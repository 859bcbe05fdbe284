// 1. Connect with Constant Contact: the PKCE sign-in (the page's main action), the settings behind it, the
// authorize URL for whoever wants to read it first, and the way back (the redirect checked and exchanged).
import { SCOPES } from "ctct-oauth";
import { $, act, clearError, el, say, showError } from "./ui.js";
import { SESSION_CHANGED, client, local, replaceSession } from "./config.js";
import { showSession } from "./session-view.js";

const KEY = "ctct-demo-pending";
const DEFAULT_SCOPES = ["contact_data", "account_read"];

export function setUpConnect() {
  if (local?.endpoints) {
    $("server").textContent = `the local test server at ${new URL(local.endpoints.authorize).origin}`;
    $("serverNote").textContent =
      `It stands in for authz.constantcontact.com. Its tokens name ${local.endpoints.issuer} as their issuer, ` +
      "standing in for identity.constantcontact.com (Constant Contact's tokens name that other host too).";
  } else {
    $("server").textContent = "Constant Contact (production)";
  }
  if (local?.clientId) $("clientId").value = local.clientId;
  for (const s of SCOPES.filter((s) => s !== "offline_access")) {
    const box = el("input", { type: "checkbox", value: s, checked: DEFAULT_SCOPES.includes(s) });
    $("scopes").append(el("label", {}, box, ` ${s}`));
  }
  $("redirectUri").value = location.origin + location.pathname;
  document.addEventListener(SESSION_CHANGED, () => {
    say($("connectStatus"), "");
    clearError($("connectError"));
  });
  $("connect").onclick = act($("connectError"), () => location.assign(prepare().url));
  $("build").onclick = act($("buildError"), () => showUrl(prepare()));
}

/** A fresh authorize URL; its state and code verifier are kept in sessionStorage for the way back. */
function prepare() {
  const r = client().authorizationUrl({ prompt: $("promptLogin").checked ? "login" : undefined });
  const pending = { state: r.state, codeVerifier: r.codeVerifier, scopes: r.scopes };
  Object.assign(pending, { clientId: $("clientId").value.trim(), redirectUri: $("redirectUri").value.trim() });
  sessionStorage.setItem(KEY, JSON.stringify(pending));
  return r;
}

function showUrl(r) {
  $("authOut").hidden = false;
  $("authLink").href = r.url;
  $("authUrl").textContent = r.url;
  $("authState").textContent = r.state;
  $("authChallenge").textContent = r.codeChallenge;
  $("authVerifier").textContent = r.codeVerifier.slice(0, 8) + "…";
}

/** Coming back from Constant Contact: checks the redirect against the stored state. False: not a redirect. */
export async function handleRedirect() {
  if (!/[?#&](code|error|access_token|state)=/.test(location.search + location.hash)) return false;
  const status = $("connectStatus");
  try {
    const pending = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
    if (!pending) throw new Error("No sign-in was started from this tab (nothing stored): press Connect.");
    $("clientId").value = pending.clientId;
    $("redirectUri").value = pending.redirectUri;
    const auth = client(pending.clientId);
    const r = auth.parseRedirect(location.href, { state: pending.state });
    sessionStorage.removeItem(KEY);
    say(status, "Authorization code received and state verified; exchanging it with the stored code verifier…");
    const tokens = await auth.exchangeCode(r.code, { codeVerifier: pending.codeVerifier, scopes: pending.scopes });
    const earlier = await replaceSession("pkce", pending.clientId, tokens);
    const { claims } = await showSession(); // the session is on screen before the announcement
    const rt = tokens.refreshToken ? "with" : "without";
    const replaced = earlier ? ` The earlier session (${earlier}) was signed out.` : "";
    say(status, `Signed in as ${claims.sub}, ${rt} a refresh token: your session is in 2 below.${replaced}`, "ok");
  } catch (e) {
    say(status, "");
    showError($("connectError"), e);
    await showSession(); // a session kept from an earlier visit is still valid
  } finally {
    history.replaceState(null, "", location.pathname);
  }
  return true;
}
