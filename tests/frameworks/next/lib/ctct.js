// The server's client (route handlers, server actions, middleware): the secret stays on the server. The tests
// point it at the local authorization server through the environment; APP_ORIGIN is the app's public origin,
// where the callbacks are registered.
import { ConstantContactOAuth } from "ctct-oauth";

export function serverAuth(callbackPath) {
  return new ConstantContactOAuth({
    clientId: process.env.CTCT_CLIENT_ID ?? "",
    clientSecret: process.env.CTCT_CLIENT_SECRET,
    redirectUri: new URL(callbackPath, process.env.APP_ORIGIN).href,
    endpoints: JSON.parse(process.env.CTCT_ENDPOINTS ?? "{}"),
    allowInsecureLoopback: true,
  });
}
