// The server's client: the secret stays on the server ($lib/*.server.js never reaches the browser).
import { env } from "$env/dynamic/private";
import { ConstantContactOAuth } from "ctct-oauth";

export const serverAuth = () =>
  new ConstantContactOAuth({
    clientId: env.CTCT_CLIENT_ID ?? "",
    clientSecret: env.CTCT_CLIENT_SECRET,
    redirectUri: `${env.APP_ORIGIN}/callback`,
    endpoints: JSON.parse(env.CTCT_ENDPOINTS ?? "{}"),
    allowInsecureLoopback: true,
  });
