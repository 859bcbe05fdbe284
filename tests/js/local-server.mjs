// Helpers shared by the tests that run against the local authorization server (authz-server/server.mjs):
// its admin switches and counters, a client for one of its registered clients, and a real token pair
// obtained through its login and consent pages.
import { ConstantContactOAuth } from "ctct-oauth";
import { CLIENTS } from "../../authz-server/server.mjs";
import { ScriptedUser } from "./user-agent.mjs";

export function localServer(getServer) {
  const s = () => getServer();
  /** Signs in through the real login and consent pages: the redirect URL, and the state and verifier to finish with. */
  const redirectFor = async (auth) => {
    const req = auth.authorizationUrl();
    const redirectUrl = await new ScriptedUser().authorize(req.url, { redirectUri: `${s().origin}/callback` });
    return { redirectUrl, state: req.state, codeVerifier: req.codeVerifier };
  };
  return {
    admin: (path, body) =>
      fetch(`${s().origin}/__admin/${path}`, { method: "POST", body: body && JSON.stringify(body) }).then((r) =>
        r.json(),
      ),
    stats: async () => (await fetch(`${s().origin}/__admin/stats`)).json(),
    /** A client registered at the local server (confidential ones with their secret: Node only). */
    client(kind = "confidential") {
      const c = CLIENTS[kind];
      return new ConstantContactOAuth({
        clientId: c.id,
        clientSecret: c.secret,
        redirectUri: `${s().origin}/callback`,
        endpoints: s().endpoints,
        allowInsecureLoopback: true,
        scopes: ["account_read", "contact_data"],
      });
    },
    redirectFor,
    /** A fresh token pair through the real pages (a confidential client: no verifier). */
    async tokensFor(auth) {
      const { redirectUrl, state } = await redirectFor(auth);
      return auth.exchangeCode(auth.parseRedirect(redirectUrl, { state }).code);
    },
  };
}

export const EXPIRED_ACCESS_TOKEN = "an-expired-access-token";
/** The pair as a session holds it once its access token has expired (the refresh token stays real). */
export const expired = (tokens) => ({
  ...tokens,
  accessToken: EXPIRED_ACCESS_TOKEN,
  expiresAt: Math.floor(Date.now() / 1000) - 1,
});
