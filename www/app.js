// The demo: each control calls one function of the package and shows the result or the error.
import { ConstantContactOAuth, CtctOAuthError, SCOPES, decodeAccessToken, indexedDbStore } from "ctct-oauth";

const $ = (id) => document.getElementById(id);
const KEY = "ctct-demo-pending";
const DEFAULT_SCOPES = ["contact_data", "account_read"];
// Served by scripts/demo.mjs next to the local authorization server; absent: the real Constant Contact.
const local = await fetch("local-config.json")
  .then((r) => (r.ok ? r.json() : null))
  .catch(() => null);
$("server").textContent = local?.endpoints
  ? `the local test server (${local.endpoints.issuer})`
  : "Constant Contact (production)";
if (local?.clientId) $("clientId").value = local.clientId;
for (const s of SCOPES.filter((s) => s !== "offline_access")) {
  $("scopes").insertAdjacentHTML(
    "beforeend",
    `<label><input type="checkbox" value="${s}" ${DEFAULT_SCOPES.includes(s) ? "checked" : ""}> ${s}</label>`,
  );
}
$("redirectUri").value = location.origin + location.pathname;

function showError(e) {
  $("error").hidden = false;
  $("errCode").textContent = e instanceof CtctOAuthError ? e.code : "unexpected";
  $("errMessage").textContent = e.message;
  $("errHint").textContent = [e.description && `Server said: ${e.description}`, e.hint].filter(Boolean).join(" ");
}
function clearError() {
  $("error").hidden = true;
}
/** Runs an action, showing its error. */
const act = (fn) => async () => {
  clearError();
  try {
    await fn();
  } catch (e) {
    showError(e);
  }
};

function client(clientId = $("clientId").value.trim()) {
  const scopes = [...document.querySelectorAll("#scopes input:checked")].map((i) => i.value);
  const where = local?.endpoints ? { endpoints: local.endpoints, allowInsecureLoopback: true } : {};
  return new ConstantContactOAuth({ clientId, redirectUri: $("redirectUri").value.trim(), scopes, ...where });
}
// The session that keeps the user signed in: tokens in IndexedDB, refreshed once when due.
const session = () => client().session({ store: indexedDbStore("ctct-demo") });

$("build").onclick = act(() => {
  const r = client().authorizationUrl({ prompt: $("promptLogin").checked ? "login" : undefined });
  sessionStorage.setItem(
    KEY,
    JSON.stringify({
      state: r.state,
      codeVerifier: r.codeVerifier,
      scopes: r.scopes,
      clientId: $("clientId").value,
      redirectUri: $("redirectUri").value,
    }),
  );
  $("authOut").hidden = false;
  $("authLink").href = r.url;
  $("authUrl").textContent = r.url;
  $("authState").textContent = r.state;
  $("authChallenge").textContent = r.codeChallenge;
  $("authVerifier").textContent = r.codeVerifier.slice(0, 8) + "…";
});

// ---- the signed-in view: the token set, redacted, with copy buttons and a countdown ----
const redact = (t) => (t ? `${t.slice(0, 8)}…${t.slice(-4)}` : "—");
let ticker;
async function showSession() {
  let tokens;
  try {
    tokens = await session().tokens();
  } catch {
    $("sessionCard").hidden = true;
    return;
  }
  $("sessionCard").hidden = false;
  const rows = [
    ["access token", redact(tokens.accessToken), tokens.accessToken],
    ["refresh token", redact(tokens.refreshToken), tokens.refreshToken],
    ["expires", new Date(tokens.expiresAt * 1000).toLocaleString()],
    ["scopes", tokens.scopes.join(" ")],
  ];
  $("tokenSet").tBodies[0].replaceChildren(
    ...rows.map(([k, shown, secret]) => {
      const tr = document.createElement("tr");
      const value = Object.assign(document.createElement("td"), { textContent: shown });
      if (secret) {
        const copy = Object.assign(document.createElement("button"), {
          textContent: "Copy",
          className: "copy secondary",
        });
        copy.onclick = () => navigator.clipboard?.writeText(secret).then(() => (copy.textContent = "Copied"));
        value.append(copy);
      }
      tr.append(Object.assign(document.createElement("td"), { textContent: k }), value);
      return tr;
    }),
  );
  clearInterval(ticker);
  const tick = () => {
    const left = tokens.expiresAt - Math.floor(Date.now() / 1000);
    $("countdownTop").textContent =
      left > 0
        ? `Access token expires in ${Math.floor(left / 3600)} h ${Math.floor((left % 3600) / 60)} min ${left % 60} s`
        : "Access token expired: the next call refreshes it";
  };
  tick();
  ticker = setInterval(tick, 1000);
  $("token").value = tokens.accessToken;
  showClaims(tokens.accessToken);
}

$("refreshNow").onclick = act(async () => {
  const s = session();
  const { accessToken } = await s.tokens();
  await s.accessToken({ refused: accessToken }); // refresh now, once, stored before use
  await showSession();
});
$("callApi").onclick = act(async () => {
  const summary = await session().json("/account/summary"); // a failed call throws a typed api_error
  $("apiResult").hidden = false;
  $("apiResult").textContent = JSON.stringify(summary, null, 2);
});
$("signOut").onclick = act(async () => {
  const { revoked, error } = await session().signOut({ revoke: true });
  $("sessionCard").hidden = true;
  $("apiResult").hidden = true;
  $("claimsOut").hidden = true;
  $("token").value = "";
  $("redirectOut").hidden = false;
  $("redirectResult").textContent = revoked
    ? "Signed out: the refresh token was revoked at the server."
    : `Signed out here; revoking at the server failed (${error?.code ?? "no refresh token"}): nothing changes locally.`;
});

// ---- the device flow ----
let deviceAbort;
$("deviceStart").onclick = act(async () => {
  const auth = client(local?.deviceClientId ?? $("clientId").value.trim());
  const device = await auth.startDeviceAuthorization();
  deviceAbort = new AbortController();
  $("deviceOut").hidden = false;
  $("deviceCancel").hidden = false;
  $("deviceLink").href = device.verificationUriComplete ?? device.verificationUri;
  $("deviceLink").textContent = device.verificationUri;
  $("userCode").textContent = device.userCode;
  $("deviceStatus").textContent = "Waiting for approval…";
  try {
    const tokens = await auth.pollDeviceAuthorization(device, {
      signal: deviceAbort.signal,
      onPending: ({ attempts, interval }) =>
        ($("deviceStatus").textContent = `Waiting for approval… (checked ${attempts}×, every ${interval} s)`),
    });
    await auth.session({ store: indexedDbStore("ctct-demo-device") }).setTokens(tokens);
    $("token").value = tokens.accessToken;
    showClaims(tokens.accessToken);
    $("deviceStatus").textContent = "Device connected."; // last: everything it announces is on screen
  } finally {
    $("deviceCancel").hidden = true;
  }
});
$("deviceCancel").onclick = () => deviceAbort?.abort();

// ---- decoding any token ----
let timer;
function showClaims(token) {
  clearInterval(timer);
  try {
    const c = decodeAccessToken(token);
    const rows = {
      "client id (cid)": c.clientId,
      "user id (uid)": c.userId,
      "platform user id": c.platformUserId,
      subject: c.sub,
      scopes: c.scopes.join(" "),
      issuer: c.iss,
      audience: c.aud,
      issued: c.iat && new Date(c.iat * 1000).toLocaleString(),
      expires: new Date(c.exp * 1000).toLocaleString(),
    };
    $("claims").tBodies[0].replaceChildren(
      ...Object.entries(rows).map(([k, v]) => {
        const tr = document.createElement("tr");
        tr.append(
          Object.assign(document.createElement("td"), { textContent: k }),
          Object.assign(document.createElement("td"), { textContent: v ?? "—" }),
        );
        return tr;
      }),
    );
    $("claimsOut").hidden = false;
    const tick = () => {
      const left = c.exp - Math.floor(Date.now() / 1000);
      $("countdown").textContent =
        left > 0
          ? `Expires in ${Math.floor(left / 3600)} h ${Math.floor((left % 3600) / 60)} min ${left % 60} s`
          : `Expired ${-left} s ago`;
    };
    tick();
    timer = setInterval(tick, 1000);
  } catch (e) {
    $("claimsOut").hidden = true;
    showError(e);
  }
}
$("decodeBtn").onclick = () => (clearError(), showClaims($("token").value.trim()));

// A token shaped like Constant Contact's, unsigned: enough to see what decoding gives.
$("sample").onclick = () => {
  clearError();
  const b64 = (o) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    ver: 1,
    jti: "AT.sample",
    iss: "https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8",
    aud: "https://api.cc.email/v3",
    iat: now,
    exp: now + 86400,
    cid: $("clientId").value.trim() || "cc-pkce",
    uid: "00u1sample",
    scp: ["account_read", "contact_data", "offline_access"],
    sub: "you@example.com",
    platform_user_id: "3a8cd24f-f24e-b8d7-c02d-0eb2d46d151a",
  };
  $("token").value = `${b64({ kid: "sample", alg: "RS256" })}.${b64(payload)}.c2FtcGxlLW5vdC1zaWduZWQ`;
  showClaims($("token").value);
};

// Coming back from Constant Contact: check the redirect against the state stored before leaving.
if (/[?#&](code|error|access_token|state)=/.test(location.search + location.hash)) {
  $("redirectOut").hidden = false;
  try {
    const pending = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
    if (!pending) throw new Error("No authorization was started from this tab (nothing stored). Build the URL first.");
    $("clientId").value = pending.clientId;
    $("redirectUri").value = pending.redirectUri;
    const auth = client();
    const r = auth.parseRedirect(location.href, { state: pending.state });
    sessionStorage.removeItem(KEY);
    $("redirectResult").textContent =
      "Authorization code received and state verified; exchanging it with the stored code verifier…";
    const tokens = await auth.exchangeCode(r.code, { codeVerifier: pending.codeVerifier, scopes: pending.scopes });
    await session().setTokens(tokens);
    await showSession(); // the token set and claims are on screen before the announcement
    const until = new Date(tokens.expiresAt * 1000).toLocaleString();
    const rt = tokens.refreshToken ? "with" : "without";
    $("redirectResult").textContent =
      `Signed in: access token until ${until}, ${rt} a refresh token. Its claims are below.`;
  } catch (e) {
    $("redirectResult").textContent = "The redirect was rejected:";
    showError(e);
    await showSession(); // a session kept from an earlier visit is still valid
  }
  history.replaceState(null, "", location.pathname);
} else {
  await showSession(); // a session kept from an earlier visit
}

// Handlers are attached and the redirect (if any) is handled: tests wait for this.
document.body.dataset.ready = "true";
