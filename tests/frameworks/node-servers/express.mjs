// Express, ES modules. PORT, APP_ORIGIN and CTCT_* from the environment.
import express from "express";
import { ConstantContactOAuth, decodeAccessToken } from "ctct-oauth";

const auth = new ConstantContactOAuth({
  clientId: process.env.CTCT_CLIENT_ID,
  clientSecret: process.env.CTCT_CLIENT_SECRET,
  redirectUri: `${process.env.APP_ORIGIN}/callback`,
  endpoints: JSON.parse(process.env.CTCT_ENDPOINTS),
  allowInsecureLoopback: true,
});
const app = express();

app.get("/login", (req, res) => {
  const { url, state } = auth.authorizationUrl();
  res.cookie("ctct_state", state, { httpOnly: true, sameSite: "lax" }).redirect(url);
});

app.get("/callback", async (req, res) => {
  const state = /ctct_state=([^;]+)/.exec(req.headers.cookie ?? "")?.[1] ?? "";
  const { code } = auth.parseRedirect(`${process.env.APP_ORIGIN}${req.originalUrl}`, { state });
  const tokens = await auth.exchangeCode(code);
  const next = await auth.refresh(tokens);
  res.json({
    clientId: decodeAccessToken(next.accessToken).clientId,
    rotated: next.refreshToken !== tokens.refreshToken,
  });
});

app.listen(Number(process.env.PORT), "127.0.0.1");
