// Fastify, CommonJS. PORT, APP_ORIGIN and CTCT_* from the environment.
const Fastify = require("fastify");
const { ConstantContactOAuth, decodeAccessToken } = require("ctct-oauth");

const auth = new ConstantContactOAuth({
  clientId: process.env.CTCT_CLIENT_ID,
  clientSecret: process.env.CTCT_CLIENT_SECRET,
  redirectUri: `${process.env.APP_ORIGIN}/callback`,
  endpoints: JSON.parse(process.env.CTCT_ENDPOINTS),
  allowInsecureLoopback: true,
});
const app = Fastify();

app.get("/login", (request, reply) => {
  const { url, state } = auth.authorizationUrl();
  reply.header("set-cookie", `ctct_state=${state}; HttpOnly; SameSite=Lax; Path=/`).redirect(url);
});

app.get("/callback", async (request) => {
  const state = /ctct_state=([^;]+)/.exec(request.headers.cookie ?? "")?.[1] ?? "";
  const { code } = auth.parseRedirect(`${process.env.APP_ORIGIN}${request.url}`, { state });
  const tokens = await auth.exchangeCode(code);
  const next = await auth.refresh(tokens);
  return { clientId: decodeAccessToken(next.accessToken).clientId, rotated: next.refreshToken !== tokens.refreshToken };
});

app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
