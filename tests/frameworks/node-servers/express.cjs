// Express, CommonJS, the tokens in a session on Redis. PORT, APP_ORIGIN, CTCT_* and REDIS_URL from the environment.
const express = require("express");
const { createClient } = require("redis");
const { ConstantContactOAuth, redisStore, decodeAccessToken } = require("ctct-oauth");

const auth = new ConstantContactOAuth({
  clientId: process.env.CTCT_CLIENT_ID,
  clientSecret: process.env.CTCT_CLIENT_SECRET,
  redirectUri: `${process.env.APP_ORIGIN}/callback`,
  endpoints: JSON.parse(process.env.CTCT_ENDPOINTS),
  allowInsecureLoopback: true,
});
const redis = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).connect();
const app = express();

app.get("/login", (req, res) => {
  const { url, state } = auth.authorizationUrl();
  res.cookie("ctct_state", state, { httpOnly: true, sameSite: "lax" }).redirect(url);
});

app.get("/callback", async (req, res) => {
  const state = /ctct_state=([^;]+)/.exec(req.headers.cookie ?? "")?.[1] ?? "";
  const { code } = auth.parseRedirect(`${process.env.APP_ORIGIN}${req.originalUrl}`, { state });
  const tokens = await auth.exchangeCode(code);
  const { userId } = decodeAccessToken(tokens.accessToken);
  const session = auth.session({ store: redisStore(await redis, `ctct:${userId}`) });
  await session.setTokens(tokens);
  const next = await session.refresh();
  res.json({
    clientId: decodeAccessToken(next.accessToken).clientId,
    rotated: next.refreshToken !== tokens.refreshToken,
  });
});

app.listen(Number(process.env.PORT), "127.0.0.1");
