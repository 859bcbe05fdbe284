// The server's client (*.server.js modules never reach the browser).
import { ConstantContactOAuth } from "ctct-oauth";

export const serverAuth = () =>
  new ConstantContactOAuth({
    clientId: process.env.CTCT_CLIENT_ID ?? "",
    clientSecret: process.env.CTCT_CLIENT_SECRET,
    redirectUri: `${process.env.APP_ORIGIN}/callback`,
    endpoints: JSON.parse(process.env.CTCT_ENDPOINTS ?? "{}"),
    allowInsecureLoopback: true,
  });
