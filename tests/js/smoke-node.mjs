// The Node half of the smoke test (tests/js/smoke.mjs): signs in through the local server's real pages as
// a scripted user and returns what the runtime under test needs to finish the flow itself.
import { ConstantContactOAuth } from "ctct-oauth";
import { CLIENTS } from "../../authz-server/server.mjs";
import { localServer } from "./local-server.mjs";

export async function prepareSmoke(server) {
  const config = {
    clientId: CLIENTS.pkce.id,
    redirectUri: `${server.origin}/callback`,
    endpoints: server.endpoints,
    allowInsecureLoopback: true,
    scopes: ["account_read", "contact_data"],
  };
  return { config, ...(await localServer(() => server).redirectFor(new ConstantContactOAuth(config))) };
}
