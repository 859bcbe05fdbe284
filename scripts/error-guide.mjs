// Where each error code comes from and what to do about it: the hand-written half of docs/errors.md, which
// scripts/docs.mjs renders with the other half, the catalogue of errors the JS layer raises (their exact
// messages, as the build writes them). scripts/docs.mjs fails when a code of the ErrorCode union in
// pkg/index.d.ts has no entry here, or an entry names a code the union lacks: add the code here with it.
// `where` is a list of entry points; `todo` says what to do (the messages themselves say it too, for their case).

/** @type {{ title: string, intro?: string, codes: Record<string, { where: string, todo: string }> }[]} */
export const GROUPS = [
  {
    title: "Configuration",
    codes: {
      invalid_config: {
        where: "the constructor, `fromEnv`, the options of any call",
        todo:
          "Fix what `field` names. An unknown option is named by its own key and the right one suggested " +
          '(`client_id` → "did you mean `clientId`?"); an unknown scope lists Constant Contact\'s scopes ' +
          "(`allowUnknownScopes: true` passes one the library does not know yet). An access token passed to " +
          '`refresh()` is caught here, before any request, with `field: "refreshToken"`. Token sets are data: ' +
          "their unknown fields are kept, never refused.",
      },
      secret_in_browser: {
        where: "the constructor",
        todo:
          "Remove `clientSecret` from browser code (a page, or a browser worker): use PKCE as a public client, " +
          "or exchange codes on a server or in a Worker.",
      },
      insecure_endpoint: {
        where: "the constructor, the device flow",
        todo:
          "Use https. For a local test server on 127.0.0.1 or localhost set `allowInsecureLoopback: true` " +
          "(which also lets a device flow's `verification_uri` be http on loopback).",
      },
      unsupported_runtime: {
        where: "`createPkce`, `generateState`, `authorizationUrl`",
        todo: "The runtime has no `crypto.getRandomValues`: use one with the Web Crypto API.",
      },
    },
  },
  {
    title: "The redirect back",
    codes: {
      state_mismatch: {
        where: "`parseRedirect`, `parseImplicitRedirect`",
        todo:
          "The redirect is not the answer to the request you stored (or is forged): start the authorization " +
          "again. Store `state` per attempt and pass that value; an empty or short expected `state` is itself " +
          "refused, as `invalid_config`.",
      },
      missing_code: {
        where: "`parseRedirect`",
        todo: "The URL is not an authorization response: pass the full redirect URL (`location.href`).",
      },
      issuer_mismatch: {
        where: "`parseRedirect`",
        todo:
          "The response names another authorization server: a mix-up attack, or `endpoints.redirectIssuer` " +
          "not set for a server other than Constant Contact.",
      },
      invalid_redirect: {
        where: "`parseRedirect`, `parseImplicitRedirect`",
        todo:
          "The redirect is malformed (a repeated or badly encoded parameter, a response in both the query and " +
          "the fragment, an access token in the query instead of the fragment, over 16 KB): start again.",
      },
      oauth_error: {
        where: "`parseRedirect`, token calls",
        todo:
          "The server sent an `error` that is not a registered OAuth 2.0 code (a redirect is controlled by " +
          "whoever crafted the link, so it can never pose as one of this library's codes): the raw value is " +
          "on `error`, the server's words on `description`.",
      },
    },
  },
  {
    title: "The authorization server's own errors",
    intro:
      "A registered OAuth 2.0 error the server sends, on the redirect or from the token endpoint, is thrown as " +
      "that code, with the server's value on `error` and its words on `description` (anything token-like " +
      "masked).",
    codes: {
      access_denied: {
        where: "`parseRedirect`, the device flow",
        todo: "The user declined (or denied the device): offer to start again.",
      },
      invalid_scope: {
        where: "`parseRedirect`, token calls, `startDeviceAuthorization`",
        todo:
          "A scope the application may not ask for, or one Constant Contact does not know (it refuses those, " +
          "where some servers drop them): check `scopes` against `SCOPES`.",
      },
      invalid_request: {
        where: "`parseRedirect`, token calls",
        todo:
          "The server found the request malformed; `description` says how. Check the application's flow type " +
          "and redirect URIs in the developer portal.",
      },
      unauthorized_client: {
        where: "`parseRedirect`, token calls",
        todo:
          "The application may not use this flow: check its OAuth2 settings (flow type) in the developer " +
          "portal; a device flow needs an application configured for it.",
      },
      unsupported_response_type: {
        where: "`parseRedirect`",
        todo: "The application is not configured for the authorization-code flow: check its flow type.",
      },
      server_error: {
        where: "`parseRedirect`, token calls, the key set, `brokerSession` calls",
        todo:
          "Constant Contact failed (a 5xx from the token endpoint: `status`, with an excerpt in " +
          "`description`), or a `TokenBroker` failed without a typed error: try again later; for the broker, " +
          "check its configuration and the Worker's logs.",
      },
      temporarily_unavailable: {
        where: "`parseRedirect`",
        todo: "The authorization server is overloaded or in maintenance: try again later.",
      },
      interaction_required: {
        where: "`parseRedirect`",
        todo: 'An answer to `prompt: "none"`: start again without it, so the user can sign in and consent.',
      },
      login_required: {
        where: "`parseRedirect`",
        todo: 'An answer to `prompt: "none"`: the user is not signed in. Start again without it.',
      },
      consent_required: {
        where: "`parseRedirect`",
        todo: 'An answer to `prompt: "none"`: the user has not consented. Start again without it.',
      },
      account_selection_required: {
        where: "`parseRedirect`",
        todo: 'An answer to `prompt: "none"`: the user must pick an account. Start again without it.',
      },
      invalid_request_uri: {
        where: "`parseRedirect`",
        todo:
          "An OpenID Connect request-object error. This library sends no request objects: the server behind " +
          "`endpoints.authorize` is not Constant Contact, or is misconfigured.",
      },
      invalid_request_object: {
        where: "`parseRedirect`",
        todo: "As `invalid_request_uri`: check `endpoints.authorize`.",
      },
      invalid_grant: {
        where: "token calls",
        todo:
          "The code or refresh token is expired, used, revoked, or does not match the redirect URI or the PKCE " +
          "verifier. Codes live 5 minutes and work once; a rotated refresh token works once. After a failed " +
          "refresh the user must authorize again (sessions say so as `reauthorization_required`).",
      },
      invalid_client: {
        where: "token calls",
        todo:
          "Wrong `clientId` or `clientSecret` (generating a new secret ends the old one). With the description " +
          '"Browser requests to the token endpoint must use Proof Key for Code Exchange.": a confidential ' +
          "exchange came from a browser or carried a forwarded `Origin`; use PKCE in browsers, or exchange " +
          "server-side without forwarding the browser's headers.",
      },
      unsupported_grant_type: {
        where: "token calls",
        todo:
          "The application may not use this grant (refresh, device code): check its flow type in the " +
          "developer portal.",
      },
      unsupported_token_type: {
        where: "`revoke`, `signOut` (reported, not thrown)",
        todo:
          "The server does not revoke this kind of token: revoke the refresh token instead. A session's " +
          "`signOut` reports it in `error` and signs out all the same.",
      },
      authorization_pending: {
        where: "the device flow",
        todo:
          "Not an error of yours: the user has not approved yet. `pollDeviceAuthorization` waits and polls " +
          'again, `pollDeviceAuthorizationOnce` answers `status: "pending"`; the code exists so that a server ' +
          "sending it anywhere else is still typed.",
      },
      slow_down: {
        where: "the device flow",
        todo:
          "Not an error of yours: the server asked for slower polls. Both polling calls add 5 seconds to the " +
          '`interval` from then on (`status: "slow_down"` in the one-step call).',
      },
      expired_token: {
        where: "the device flow",
        todo:
          "The user did not approve within `expiresIn`: start the device flow again. No poll is sent once the " +
          "device code has expired.",
      },
    },
  },
  {
    title: "The token endpoint's answers and the network",
    codes: {
      rate_limited: {
        where: "token calls, `session.json`",
        todo:
          "Token endpoint: one request per second per application (Constant Contact sends no `Retry-After`, so " +
          "`retryAfter` is 1 when absent); sessions pace their own refreshes to that limit, across a cluster " +
          "too. API: `errorKey` `throttled` (4 requests a second per application) or `quota_exceeded` (10,000 " +
          "a day, reset at 00:00 UTC), or `null` with the API's own message (more than 1,000 queued bulk " +
          "activities).",
      },
      invalid_response: {
        where: "token calls, `verifyAccessToken` (the key set)",
        todo:
          "The answer was not a valid OAuth response: an HTML page, truncated JSON, a field of the wrong type, " +
          "a `token_type` other than Bearer, a device `verification_uri` that is not https. `field` names it; " +
          "`description` is an excerpt with anything token-like masked. Check `endpoints`.",
      },
      network_error: {
        where: "token calls, `session.fetch`, loading the server module in a browser",
        todo:
          "No response at all. In a browser this is most often CORS (the hint says so): do the exchange on a " +
          "server or in a Worker. In a bundle, the server module's wasm may be missing beside it.",
      },
      timeout: {
        where: "token calls, sessions' refreshes",
        todo: "`timeoutMs` passed with no answer: try again, or raise the timeout.",
      },
      aborted: {
        where: "token calls, sessions, `session.fetch` (its `init.signal`)",
        todo: "Your `AbortSignal` fired. Nothing was received.",
      },
    },
  },
  {
    title: "Access tokens",
    codes: {
      invalid_jwt: {
        where: "`decodeAccessToken`, `tokenExpiresAt`, `isExpired`, `verifyAccessToken`",
        todo:
          "The value is not a JWT access token (wrong segment count, bad base64url, not a JSON object, a " +
          "missing or invalid `exp`, a duplicated claim, over 16 KB, a `Bearer ` prefix). `field` names the " +
          "claim at fault; the message says what the input is not.",
      },
      authorization_code_not_token: {
        where: "as `invalid_jwt`",
        todo:
          "The input looks like an authorization code (one opaque segment of a code's length, or a redirect " +
          "URL holding `code=`): exchange the code first and use the `accessToken` it returns.",
      },
      jwt_expired: {
        where: "`verifyAccessToken`",
        todo: "The token is past `exp` (plus `clockToleranceSeconds`): refresh it.",
      },
      jwt_signature_invalid: {
        where: "`verifyAccessToken`",
        todo: 'The signature does not verify, or the token is not RS256 (`alg: "none"` included): do not trust it.',
      },
      jwks_key_not_found: {
        where: "`verifyAccessToken`",
        todo:
          "No key for the token's `kid`, even after fetching the key set again: it was not signed by this " +
          "server (check `endpoints.jwks`).",
      },
      claim_mismatch: {
        where: "`verifyAccessToken`",
        todo:
          "`field` says which claim: `iss` (set `endpoints.issuer` for a server other than Constant Contact, " +
          "whose issuer is the identity host), `aud`, `cid` (issued to another application), `nbf`, `scp` (a " +
          "required scope is missing).",
      },
    },
  },
  {
    title: "Sessions and the Constant Contact API",
    codes: {
      reauthorization_required: {
        where: "`refresh`, sessions, `brokerSession`, fleets",
        todo:
          "The user must authorize again. `reason`: `no_refresh_token` (no `offline_access`), `rotated` (the " +
          "refresh token was used elsewhere and no newer pair was in the store, or a newer sign-in ended it), " +
          "`expired` (180 idle days), `revoked` (signed out), `no_tokens` (nothing stored under the session's " +
          "key yet), `invalid_record` (the store holds a record this library cannot use; no refresh token was " +
          "spent, and a new sign-in replaces it).",
      },
      store_error: {
        where: "sessions, fleets, the stores",
        todo:
          "The token store (named in the message: Redis, PostgreSQL, IndexedDB, ...) failed. A new pair it did " +
          "not take stays in memory, its access token working, and is written in the background until the " +
          "store takes it (`session.status().pendingWrite`, `session.flush()`): fix the store before the " +
          "process ends. A store that cannot take the refresh lock starts no refresh (a rotating refresh " +
          "token is never spent blind).",
      },
      api_error: {
        where: "`session.json`, `brokerSession(...).json`",
        todo:
          "The API refused the call: `status` and `errors: [{ errorKey, errorMessage }]` say why (403: a " +
          "missing scope or privilege). `session.fetch` resolves with the `Response` whatever its status, as " +
          "`fetch` does: check `res.ok` there.",
      },
    },
  },
];
