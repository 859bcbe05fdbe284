"use client";
// The browser's part: a public client with PKCE (no secret), from the main entry. Its configuration comes from
// the page's query (the tests' local server), kept across the sign-in.
import { useEffect, useState } from "react";
import { ConstantContactOAuth } from "ctct-oauth";
import { Claims } from "./claims.js";

// Once per page load: React runs effects twice in development (Strict Mode), and a code works only once (the
// server then revokes what it issued for it).
let signingIn;
const signInOnce = () => (signingIn ??= signIn());

async function signIn() {
  const params = new URLSearchParams(location.search);
  const config = JSON.parse(sessionStorage.getItem("config") ?? params.get("config") ?? "{}");
  sessionStorage.setItem("config", JSON.stringify(config));
  const auth = new ConstantContactOAuth({ ...config, redirectUri: location.origin + location.pathname });
  const pending = JSON.parse(sessionStorage.getItem("pending") ?? "null");
  if (!pending) {
    const { url, state, codeVerifier } = auth.authorizationUrl();
    sessionStorage.setItem("pending", JSON.stringify({ state, codeVerifier }));
    location.assign(url);
    return null;
  }
  const { code } = auth.parseRedirect(location.href, { state: pending.state });
  const tokens = await auth.exchangeCode(code, { codeVerifier: pending.codeVerifier });
  const next = await auth.refresh(tokens);
  return { accessToken: next.accessToken, rotated: next.refreshToken !== tokens.refreshToken };
}

export function SignIn() {
  const [result, setResult] = useState(null);
  useEffect(() => {
    signInOnce().then(setResult, (e) => setResult({ error: `${e.code}: ${e.message}` }));
  }, []);
  if (!result) return <p>Signing in…</p>;
  if (result.error) return <p id="error">{result.error}</p>;
  return <Claims token={result.accessToken} rotated={result.rotated} />;
}
