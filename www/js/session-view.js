// 2. Your session: who is signed in and how, the token set (redacted, with copy buttons), the access
// token's claims and a live countdown; Refresh now, Call API and Revoke and sign out.
import { $, act, clearError, clock, duration, el, fillTable, now, redact, say, when } from "./ui.js";
import { SESSION_CHANGED, active, endSession, session } from "./config.js";
import { claimRows } from "./claims.js";

let ticker;

export function setUpSession() {
  const line = $("sessionStatus");
  $("refreshNow").onclick = act($("sessionError"), () => refreshNow(line), line);
  $("callApi").onclick = act($("sessionError"), () => callApi(line), line);
  $("signOut").onclick = act($("sessionError"), () => signOut(line), line);
  document.addEventListener(SESSION_CHANGED, () => {
    say(line, "");
    clearError($("sessionError"));
    $("apiResult").hidden = true;
  });
}

/** Refreshes now and says what changed: the token, the expiry (the rows that changed are marked). */
async function refreshNow(line) {
  const before = await session().tokens();
  say(line, "Refreshing…");
  await session().refresh(); // now, once, and stored before it is used
  const { tokens } = await showSession({ changedFrom: before });
  const later = tokens.expiresAt - before.expiresAt;
  const rt = tokens.refreshToken !== before.refreshToken ? " and a new refresh token (rotated)" : "";
  const moved = later > 0 ? `${duration(later)} later than before` : "the same second as before";
  const text = `Refreshed at ${clock()}: a new access token (${redact(tokens.accessToken)})${rt}. `;
  say(line, `${text}It expires ${when(tokens.expiresAt)}, ${moved}.`, "ok");
}

async function callApi(line) {
  $("apiResult").hidden = true;
  say(line, "Calling GET /account/summary…");
  const summary = await session().json("/account/summary"); // a failed call throws a typed error
  $("apiResult").textContent = JSON.stringify(summary, null, 2);
  $("apiResult").hidden = false;
  await showSession(); // a 401 refreshes once and retries: show the token set in use
  say(line, `Called GET /account/summary at ${clock()} with the session's access token: the answer is below.`, "ok");
}

async function signOut(line) {
  const { revoked, error } = (await endSession()) ?? {};
  await showSession();
  say(
    line,
    revoked
      ? "Signed out: the tokens are forgotten here and the refresh token was revoked at the server."
      : `Signed out here; revoking at the server failed (${error?.code ?? "no refresh token"}).`,
    "ok",
  );
}

/**
 * Shows the page's session, or "not signed in". `changedFrom`: the token set before a refresh; the rows
 * that changed are highlighted. Resolves to `{ tokens, claims }` or null.
 */
export async function showSession({ changedFrom } = {}) {
  clearInterval(ticker);
  const tokens = await session()
    ?.tokens()
    .catch(() => null);
  $("sessionOut").hidden = $("sessionMore").hidden = !tokens;
  $("sessionEmpty").hidden = Boolean(tokens);
  if (!tokens) {
    $("apiResult").hidden = true;
    return null;
  }
  const { flow, clientId } = active();
  const { rows, claims } = claimRows(tokens.accessToken);
  $("sessionWho").textContent = `Signed in as ${claims.sub ?? "(no subject)"}`;
  const how = flow === "device" ? "through the device flow (3)" : "with PKCE (1)";
  $("sessionHow").textContent = `${how}, client id ${clientId}; the tokens are kept in this browser's IndexedDB.`;
  const table = $("tokenSet");
  fillTable(table, [
    ["access token", secret("access token", tokens.accessToken)],
    ["refresh token", tokens.refreshToken ? secret("refresh token", tokens.refreshToken) : "none (no offline_access)"],
    ["received", when(tokens.receivedAt)],
    ["expires", when(tokens.expiresAt)],
    ["scopes", tokens.scopes.join(" ")],
  ]);
  if (changedFrom) {
    const was = { "access token": changedFrom.accessToken, "refresh token": changedFrom.refreshToken };
    const is = { "access token": tokens.accessToken, "refresh token": tokens.refreshToken };
    Object.assign(was, { received: changedFrom.receivedAt, expires: changedFrom.expiresAt });
    Object.assign(is, { received: tokens.receivedAt, expires: tokens.expiresAt });
    for (const tr of table.tBodies[0].rows) tr.classList.toggle("changed", was[tr.dataset.row] !== is[tr.dataset.row]);
  }
  fillTable($("sessionClaims"), rows);
  const tick = () => {
    const left = tokens.expiresAt - now();
    $("countdown").textContent =
      left > 0 ? `Access token expires in ${duration(left)}` : "Access token expired: the next call refreshes it";
  };
  tick();
  ticker = setInterval(tick, 1000);
  return { tokens, claims };
}

/** A redacted secret with a Copy button; without clipboard permission the value is shown selected. */
function secret(label, value) {
  const cell = el("span", { className: "secret" }, el("span", { textContent: redact(value) }));
  const button = el("button", { textContent: "Copy", className: "copy secondary", type: "button" });
  button.setAttribute("aria-label", `Copy the ${label}`);
  button.onclick = async () => {
    cell.querySelector(".copy-note")?.remove();
    try {
      await navigator.clipboard.writeText(value);
      button.textContent = "Copied";
      setTimeout(() => (button.textContent = "Copy"), 2000);
    } catch {
      // No clipboard permission (or no clipboard at all): the value, selected, for Ctrl+C / Cmd+C.
      const field = cell.querySelector("input") ?? el("input", { readOnly: true, value, className: "reveal" });
      field.setAttribute("aria-label", `The ${label}`);
      const note = "This browser did not let the page copy (no clipboard permission). The full value is selected";
      cell.append(
        field,
        el("p", { className: "copy-note", role: "status", textContent: `${note}: press Ctrl+C (⌘C on a Mac).` }),
      );
      field.focus();
      field.select();
    }
  };
  cell.append(button);
  return cell;
}
