// Constant Contact's names and numbers as the local server reproduces them: the audience, the scopes, the
// endpoint paths, the issuer's id on the identity host, the clients, the refresh-token lifetimes, and the ids an
// account gets. The evidence behind each is in docs/constant-contact.md; the switches are in ./README.md.
import { createHash } from "node:crypto";

export const AUDIENCE = "https://api.cc.email/v3";
export const CC_SCOPES = ["account_read", "account_update", "contact_data", "campaign_data"];
/** The scopes CC knows (openid: oidc-provider's own); any other is refused with invalid_scope, as Okta does. */
export const KNOWN_SCOPES = [...CC_SCOPES, "offline_access", "openid"];
/** CC's Okta authorization server id: the issuer's path on the identity host. */
export const OKTA_SERVER_ID = "aus1lm3ry9mF7x2Ja0h8";
/** The local stand-in for identity.constantcontact.com (Linux routes all of 127/8 to loopback). */
export const IDENTITY_ADDRESS = "127.0.0.2";
/** Where CC's endpoints live on authz.constantcontact.com, and so on the local endpoints host. */
export const V1 = "/oauth2/default/v1";
export const PATHS = {
  authorize: `${V1}/authorize`,
  token: `${V1}/token`,
  device: `${V1}/device/authorize`,
  revoke: `${V1}/revoke`,
  introspect: `${V1}/introspect`,
};

export const CLIENTS = {
  confidential: { id: "cc-confidential", secret: "cc-confidential-secret-0123456789" },
  longLived: { id: "cc-long-lived", secret: "cc-long-lived-secret-0123456789" },
  pkce: { id: "cc-pkce" },
  device: { id: "cc-device" },
};

export const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const DAY_MS = 86400 * 1000;
export const REFRESH_IDLE_MS = 180 * DAY_MS; // CC: unused for 180 days, a refresh token ends (either kind)
export const REFRESH_FIXED_MS = 30 * DAY_MS; // this server's old rule: 30 days from issue

/** Stable fake ids for a login name; "unassigned..." logins get platform_user_id UNASSIGNED, as CC sub-users do. */
export function accountIds(login) {
  const h = createHash("sha256").update(login).digest("hex");
  const platform = login.startsWith("unassigned")
    ? "UNASSIGNED"
    : `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return { uid: `00u${h.slice(0, 17)}`, platform };
}
