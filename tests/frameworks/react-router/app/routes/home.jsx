// The browser's part: the decode-only entry reads a token (here from the page's fragment).
import { useEffect, useState } from "react";
import { decodeAccessToken, isExpired } from "ctct-oauth/decode";

export default function Home() {
  const [claims, setClaims] = useState("");
  useEffect(() => {
    const token = location.hash.slice(1);
    if (token) setClaims(JSON.stringify({ clientId: decodeAccessToken(token).clientId, expired: isExpired(token) }));
  }, []);
  return (
    <main>
      <a href="/login">Sign in</a>
      <p id="claims">{claims}</p>
    </main>
  );
}
