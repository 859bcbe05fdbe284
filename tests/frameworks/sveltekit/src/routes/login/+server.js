import { redirect } from "@sveltejs/kit";
import { serverAuth } from "$lib/ctct.server.js";

export function GET({ cookies }) {
  const { url, state } = serverAuth().authorizationUrl();
  cookies.set("ctct_state", state, { path: "/", httpOnly: true, sameSite: "lax", secure: false });
  redirect(302, url);
}
