import { serverAuth } from "../ctct.js";

export function GET({ cookies, redirect }) {
  const { url, state } = serverAuth().authorizationUrl();
  cookies.set("ctct_state", state, { httpOnly: true, sameSite: "lax", path: "/" });
  return redirect(url);
}
