// 4. Read any access token: decoded here (not verified, not sent anywhere), or a sample shaped like
// Constant Contact's. The signed-in session's token is never copied here: its claims are in 2.
import { $, act, duration, fillTable, now } from "./ui.js";
import { claimRows } from "./claims.js";

let ticker;

export function setUpDecoder() {
  $("decodeBtn").onclick = act($("decoderError"), () => show($("token").value.trim()));
  $("sample").onclick = act($("decoderError"), () => {
    $("token").value = sampleToken();
    show($("token").value);
  });
}

function show(token) {
  clearInterval(ticker);
  $("claimsOut").hidden = true;
  const { rows, claims } = claimRows(token); // throws a typed error for anything else
  fillTable($("claims"), rows);
  $("claimsOut").hidden = false;
  const tick = () => {
    const left = claims.exp - now();
    $("decodedCountdown").textContent = left > 0 ? `Expires in ${duration(left)}` : `Expired ${duration(-left)} ago`;
  };
  tick();
  ticker = setInterval(tick, 1000);
}

/** A token shaped like Constant Contact's, unsigned: enough to see what decoding gives. */
function sampleToken() {
  const b64 = (o) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const iat = now();
  const payload = {
    ver: 1,
    jti: "AT.sample",
    iss: "https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8",
    aud: "https://api.cc.email/v3",
    iat,
    exp: iat + 86400,
    cid: $("clientId").value.trim() || "cc-pkce",
    uid: "00u1sample",
    scp: ["account_read", "contact_data", "offline_access"],
    sub: "you@example.com",
    platform_user_id: "3a8cd24f-f24e-b8d7-c02d-0eb2d46d151a",
  };
  return `${b64({ kid: "sample", alg: "RS256" })}.${b64(payload)}.c2FtcGxlLW5vdC1zaWduZWQ`;
}
