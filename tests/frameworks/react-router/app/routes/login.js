import { redirect } from "react-router";
import { serverAuth } from "../ctct.server.js";

export function loader() {
  const { url, state } = serverAuth().authorizationUrl();
  return redirect(url, { headers: { "set-cookie": `ctct_state=${state}; HttpOnly; SameSite=Lax; Path=/` } });
}
