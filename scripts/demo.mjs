// The demo: the local Constant Contact-compatible authorization server and the www/ page, on 127.0.0.1.
// The page reads /www/local-config.json (served here). With CTCT_CLIENT_ID set, no local server is
// started and the page uses the real Constant Contact with that client id (a PKCE application whose
// registered redirect URI is this page, e.g. http://localhost:8080/www/). Used by scripts/demo.sh and
// tests/demo.test.mjs.
import { serveStatic } from "./static-server.mjs";
import { startAuthServer, CLIENTS } from "../authz-server/server.mjs";

export async function startDemo({ port = 8080, authzPort = 4455, clientId } = {}) {
  const root = new URL("..", import.meta.url).pathname;
  let authz;
  const web = await serveStatic(root, port, {
    "/www/local-config.json": () =>
      clientId
        ? { clientId }
        : { clientId: CLIENTS.pkce.id, endpoints: authz.endpoints, deviceClientId: CLIENTS.device.id },
  });
  if (clientId) return { url: `${web.url}/www/`, authz: null, close: () => web.close() };
  const webPort = new URL(web.url).port;
  const origins = [`http://127.0.0.1:${webPort}`, `http://localhost:${webPort}`];
  // trustedOrigins: CORS for the page (as Okta's Trusted Origins), for its PKCE and device flows alike.
  authz = await startAuthServer({
    port: authzPort,
    redirectUris: origins.map((o) => `${o}/www/`),
    trustedOrigins: origins,
  });
  return {
    url: `${web.url}/www/`,
    authz,
    close: async () => {
      await web.close();
      await authz?.close();
    },
  };
}

/**
 * What the command prints once both servers listen. The page and every endpoint are on 127.0.0.1; 127.0.0.2
 * is the token issuer's host (its key set answers there), standing in for identity.constantcontact.com, the
 * issuer Constant Contact's tokens name while its endpoints are on authz.constantcontact.com.
 */
export function banner(demo) {
  if (!demo.authz) {
    return `
  ctct-oauth demo, open in your browser:  ${demo.url}
  against the real Constant Contact with client id ${process.env.CTCT_CLIENT_ID}
  (its registered redirect URI must be this page's URL). Ctrl-C stops it.
`;
  }
  return `
  ctct-oauth demo, open in your browser:  ${demo.url}
  local authorization server:             ${demo.authz.origin} (stands in for authz.constantcontact.com)
  token issuer named in the tokens:       ${demo.authz.issuer} (stands in for identity.constantcontact.com)
  Sign in with any user name (e.g. owner@example.com). Ctrl-C stops both.
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const demo = await startDemo({
    port: Number(process.env.PORT ?? 8080),
    authzPort: Number(process.env.AUTHZ_PORT ?? 4455),
    clientId: process.env.CTCT_CLIENT_ID,
  });
  console.log(banner(demo));
  const stop = () => demo.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
