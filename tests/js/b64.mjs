// base64url for the test suites, from what every runtime has (btoa, TextEncoder).
export const enc = new TextEncoder();
export const b64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
export const b64urlText = (s) => b64url(enc.encode(s));
