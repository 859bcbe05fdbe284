// The server's client (server/ never reaches the browser). Settings from the Worker's bindings on Cloudflare,
// from the environment on Node.
import { ConstantContactOAuth } from "ctct-oauth";

export function serverAuth(event) {
  const env = event.context.cloudflare?.env ?? process.env;
  return new ConstantContactOAuth({
    clientId: env.CTCT_CLIENT_ID ?? "",
    clientSecret: env.CTCT_CLIENT_SECRET,
    redirectUri: `${env.APP_ORIGIN}/callback`,
    endpoints: JSON.parse(env.CTCT_ENDPOINTS ?? "{}"),
    allowInsecureLoopback: true,
  });
}
