// Accounts for a test without the sign-in pages: a grant and a refresh token made by oidc-provider's own models,
// as a code exchange makes them (grant_common.js), stored through the server's adapter. A sign-in through the pages
// takes about 8 requests (some 20 ms here); this takes well under one, so a test can hold thousands of accounts.
// The token endpoint then treats the refresh token like any other: rotation, reuse detection, revocation.

/**
 * A grant for `sub` at client `clientId` with `scope` (space-separated; offline_access is implied), and its first
 * refresh token. Resolves to { refreshToken, grantId }.
 */
export async function seedGrant(provider, { clientId, sub, scope, audience, ccScopes }) {
  const client = await provider.Client.find(clientId);
  if (!client) throw new TypeError(`unknown client ${clientId}`);
  if (!client.grantTypeAllowed("refresh_token")) throw new TypeError(`${clientId} gets no refresh tokens`);
  if (typeof sub !== "string" || sub === "") throw new TypeError("sub must be a non-empty string");
  const words = new Set([...String(scope).split(" ").filter(Boolean), "offline_access"]);
  const unknown = [...words].filter((w) => w !== "offline_access" && !ccScopes.includes(w));
  if (unknown.length) throw new TypeError(`unknown scopes ${unknown.join(" ")}`);
  const grant = new provider.Grant({ accountId: sub, clientId });
  grant.addOIDCScope("offline_access");
  grant.addResourceScope(audience, [...words].filter((w) => w !== "offline_access").join(" "));
  const grantId = await grant.save();
  const token = new provider.RefreshToken({
    accountId: sub,
    authTime: Math.floor(Date.now() / 1000),
    client,
    grantId,
    gty: "authorization_code",
    resource: audience,
    rotations: 0,
    scope: [...words].join(" "),
  });
  return { refreshToken: await token.save(), grantId };
}
