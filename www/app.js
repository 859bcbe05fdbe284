// The demo page: each section (js/*.js) calls the package and shows the result, or the error next to
// the control that caused it.
import { setUpConnect, handleRedirect } from "./js/connect.js";
import { setUpSession, showSession } from "./js/session-view.js";
import { setUpDevice } from "./js/device.js";
import { setUpDecoder } from "./js/decoder.js";

setUpConnect();
setUpSession();
setUpDevice();
setUpDecoder();
// Back from Constant Contact: the redirect is checked and exchanged; otherwise a session kept from an
// earlier visit is shown.
if (!(await handleRedirect())) await showSession();

// Handlers are attached and the redirect (if any) is handled: tests wait for this.
document.body.dataset.ready = "true";
