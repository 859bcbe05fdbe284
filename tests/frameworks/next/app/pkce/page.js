// A static page (prerendered by next build) whose client component signs in with PKCE in the browser.
import { SignIn } from "./sign-in.js";

export default function Pkce() {
  return <SignIn />;
}
