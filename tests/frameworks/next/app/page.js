// A server component: the links to each sign-in, and the scopes this app asks for.
import { SCOPES } from "ctct-oauth";

export default function Home() {
  return (
    <main>
      <p>
        <a href="/api/node/login">Sign in (Node.js runtime)</a>
      </p>
      <p>
        <a href="/api/edge/login">Sign in (Edge runtime)</a>
      </p>
      <p>
        <a href="/pkce">Sign in in the browser (PKCE)</a>
      </p>
      <p id="scopes">{SCOPES.join(" ")}</p>
    </main>
  );
}
