// 3. The device flow: this page plays a device without a browser. It shows a code and polls until the
// user approves it on another screen (Cancel stops the polling); the tokens then become this page's session.
import { $, act, duration, now, say } from "./ui.js";
import { SESSION_CHANGED, client, local, replaceSession } from "./config.js";
import { showSession } from "./session-view.js";

let controller; // the running flow's; Cancel aborts it
let ticker;

export function setUpDevice() {
  $("deviceStart").onclick = act($("deviceError"), start);
  $("deviceCancel").onclick = () => controller?.abort();
  setState("idle", "");
  // "Device connected" no longer holds once that session ends or another replaces it.
  document.addEventListener(
    SESSION_CHANGED,
    () => $("deviceCard").dataset.state === "connected" && setState("idle", ""),
  );
}

/** The card follows the flow: idle, starting, waiting, cancelled, connected or failed. */
function setState(state, text) {
  const polling = state === "starting" || state === "waiting";
  $("deviceStart").disabled = polling;
  $("deviceCancel").hidden = !polling;
  $("deviceOut").hidden = state !== "waiting";
  $("deviceSpinner").hidden = !polling;
  $("deviceCard").dataset.state = state;
  say($("deviceStatusText"), text, state === "connected" ? "ok" : "info");
  $("deviceStatus").hidden = !text;
  if (state !== "waiting") clearInterval(ticker);
}

async function start() {
  controller?.abort(); // never two flows at once (Start is disabled while one runs)
  const mine = (controller = new AbortController());
  const clientId = local?.deviceClientId ?? $("clientId").value.trim();
  const auth = client(clientId);
  setState("starting", "Asking the server for a code…");
  try {
    const device = await auth.startDeviceAuthorization({ signal: mine.signal });
    $("deviceLink").href = device.verificationUriComplete ?? device.verificationUri;
    $("deviceLink").textContent = device.verificationUri;
    $("userCode").textContent = device.userCode;
    setState("waiting", `Waiting for approval: the first check comes in ${device.interval} s.`);
    const tick = () => {
      const left = Math.max(0, device.expiresAt - now());
      $("deviceTimeLeft").textContent = left > 0 ? `The code expires in ${duration(left)}.` : "The code has expired.";
      $("deviceProgress").max = device.expiresIn;
      $("deviceProgress").value = left;
    };
    tick();
    ticker = setInterval(tick, 1000);
    const tokens = await auth.pollDeviceAuthorization(device, {
      signal: mine.signal,
      onPending: ({ attempts, interval }) =>
        say($("deviceStatusText"), `Waiting for approval: checked ${attempts}× so far, every ${interval} s.`),
    });
    const earlier = await replaceSession("device", clientId, tokens);
    const { claims } = await showSession(); // the session is on screen before the announcement
    const replaced = earlier ? ` The earlier session (${earlier}) was signed out and its refresh token revoked.` : "";
    setState("connected", `Device connected as ${claims.sub}: it is now this page's session (2).${replaced}`);
  } catch (e) {
    if (mine !== controller) return; // replaced by a newer flow
    if (mine.signal.aborted) {
      setState("cancelled", "Cancelled: polling stopped and that code is no longer used. Start again for a new one.");
      return;
    }
    setState("failed", "Stopped: the device flow did not complete (see the error).");
    throw e;
  }
}
