export default defineEventHandler((event) => {
  const { url, state } = serverAuth(event).authorizationUrl();
  setCookie(event, "ctct_state", state, { httpOnly: true, sameSite: "lax", path: "/" });
  return sendRedirect(event, url);
});
