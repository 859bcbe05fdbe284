// Okta's words (Constant Contact's authorization service is Okta): the error_description texts a client meets
// most, in place of oidc-provider's generic "grant request is invalid" (the `errorTexts` switch, ./README.md).

export const OKTA_SCOPE_TEXT = "One or more scopes are not configured for the authorization server resource.";
export const OKTA_BROWSER_RULE = "Browser requests to the token endpoint must use Proof Key for Code Exchange.";
/** Okta's words for the token errors a client meets most; oidc-provider's say "grant request is invalid". */
export const OKTA_TEXTS = {
  refreshToken: "The refresh token is invalid or expired.",
  code: "The authorization code is invalid or has expired.",
  pkce: "PKCE verification failed.",
  redirectUri: "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
  client: "Client authentication failed. Either the client or the client credentials are invalid.",
};

/**
 * Okta's error_description for oidc-provider's errors, chosen by the reason oidc-provider logs (error_detail,
 * kept in ctx.state.oidcError by the server's *.error listeners); other errors keep oidc-provider's words.
 */
export function oktaWords(switches, ctx, grant) {
  const body = ctx.body;
  if (switches.errorTexts !== "okta" || ctx.status < 400 || typeof body?.error !== "string") return;
  const detail = String(ctx.state.oidcError?.error_detail ?? "");
  let text;
  if (body.error === "invalid_client" && body.error_description !== OKTA_BROWSER_RULE) text = OKTA_TEXTS.client;
  else if (body.error === "invalid_grant" && grant === "refresh_token") text = OKTA_TEXTS.refreshToken;
  else if (body.error === "invalid_grant" && grant === "authorization_code") {
    if (/code_verifier|PKCE/i.test(detail)) text = OKTA_TEXTS.pkce;
    else if (/redirect_uri/.test(detail)) text = OKTA_TEXTS.redirectUri;
    else text = OKTA_TEXTS.code; // not found, consumed, expired, another client's
  }
  if (text) ctx.body = { ...body, error_description: text };
}
