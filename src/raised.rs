//! The errors the JS layer raises itself (no response to read: a timeout, a store that failed, a signature
//! WebCrypto refused). They are handed to JS once, at start, as a catalogue keyed by [`Raised::name`], so
//! JS never calls back for a message; the set is closed (an exhaustive `match`), and
//! `tests/contract.test.mjs` checks that JS raises only these names and every one of them.

use ctct_oauth_core::error::{codes, Error};
use ctct_oauth_core::token;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Raised {
    Timeout,
    Aborted,
    Network,
    NetworkInBrowser,
    NoFetch,
    NotJson,
    TooLarge,
    KeyNotFound,
    SignatureInvalid,
    NoRefreshToken,
    Rotated,
    IdleExpired,
    SignedOut,
    NoTokens,
    StoreRead,
    StoreWrite,
    StoreLock,
    LeaseLost,
    NotApiUrl,
    BrokerFailed,
    NotAClient,
    ServerModule,
    ClientFreed,
}

impl Raised {
    pub(crate) const ALL: [Raised; 23] = [
        Raised::Timeout,
        Raised::Aborted,
        Raised::Network,
        Raised::NetworkInBrowser,
        Raised::NoFetch,
        Raised::NotJson,
        Raised::TooLarge,
        Raised::KeyNotFound,
        Raised::SignatureInvalid,
        Raised::NoRefreshToken,
        Raised::Rotated,
        Raised::IdleExpired,
        Raised::SignedOut,
        Raised::NoTokens,
        Raised::StoreRead,
        Raised::StoreWrite,
        Raised::StoreLock,
        Raised::LeaseLost,
        Raised::NotApiUrl,
        Raised::BrokerFailed,
        Raised::NotAClient,
        Raised::ServerModule,
        Raised::ClientFreed,
    ];

    /// The key JS raises it by: `raise("store_write")`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Raised::Timeout => "timeout",
            Raised::Aborted => "aborted",
            Raised::Network => "network",
            Raised::NetworkInBrowser => "network_in_browser",
            Raised::NoFetch => "no_fetch",
            Raised::NotJson => "not_json",
            Raised::TooLarge => "too_large",
            Raised::KeyNotFound => "key_not_found",
            Raised::SignatureInvalid => "signature_invalid",
            Raised::NoRefreshToken => "no_refresh_token",
            Raised::Rotated => "rotated",
            Raised::IdleExpired => "idle_expired",
            Raised::SignedOut => "signed_out",
            Raised::NoTokens => "no_tokens",
            Raised::StoreRead => "store_read",
            Raised::StoreWrite => "store_write",
            Raised::StoreLock => "store_lock",
            Raised::LeaseLost => "lease_lost",
            Raised::NotApiUrl => "not_api_url",
            Raised::BrokerFailed => "broker_failed",
            Raised::NotAClient => "not_a_client",
            Raised::ServerModule => "server_module",
            Raised::ClientFreed => "client_freed",
        }
    }

    /// The error itself. `{backend}` in a store message is replaced by the JS layer with the store's
    /// name ("Redis", ...), or dropped.
    pub(crate) fn error(self) -> Error {
        match self {
            Raised::Timeout => transport_error(Transport::Timeout, false),
            Raised::Aborted => transport_error(Transport::Aborted, false),
            Raised::Network => transport_error(Transport::Network, false),
            // In a browser it is most often CORS: the hint says so.
            Raised::NetworkInBrowser => transport_error(Transport::Network, true),
            Raised::NoFetch => Error::new(
                codes::NETWORK_ERROR,
                "There is no global fetch in this runtime; pass `fetch` in the configuration.",
            ),
            Raised::NotJson => Error::config(
                "options",
                "Options and token sets must be plain objects of JSON values (no BigInt, no cycles).",
            ),
            Raised::TooLarge => Error::config(
                "options",
                "These options or this token set are too large (over 64 KB); a real one is a few KB.",
            ),
            Raised::KeyNotFound => key_not_found(),
            Raised::SignatureInvalid => Error::new(
                codes::JWT_SIGNATURE_INVALID,
                concat!(
                    "The token's signature does not verify with the key set's key: it was altered or signed ",
                    "by someone else. Do not trust it."
                ),
            ),
            Raised::NoRefreshToken => token::no_refresh_token(),
            Raised::Rotated => reauthorize(
                "rotated",
                concat!(
                    "The refresh token no longer works and the store holds no newer pair: it was used by ",
                    "another process or device that did not share the result, or a newer sign-in of the same ",
                    "user ended it. The user must authorize again."
                ),
            ),
            Raised::IdleExpired => reauthorize(
                "expired",
                concat!(
                    "The refresh token expired: Constant Contact ends refresh tokens unused for 180 days. ",
                    "The user must authorize again."
                ),
            ),
            Raised::SignedOut => reauthorize(
                "revoked",
                "The session was signed out (its refresh token revoked). The user must authorize again.",
            ),
            Raised::NoTokens => reauthorize(
                "no_tokens",
                concat!(
                    "No tokens are stored for this session: sign the user in (exchangeCode() or the device flow) ",
                    "and pass the result to session.setTokens(), or check the store and key the session reads."
                ),
            ),
            Raised::StoreRead => Error::new(
                codes::STORE_ERROR,
                "The {backend} token store could not be read. Check it is reachable (and its permissions).",
            ),
            Raised::StoreWrite => Error::new(
                codes::STORE_ERROR,
                concat!(
                    "The {backend} store did not take the new token pair. This process holds it (its access token ",
                    "works) and keeps writing it in the background, holding the account's lease, until the store ",
                    "takes it: fix the store and keep the process running (session.flush() waits for it)."
                ),
            ),
            Raised::StoreLock => Error::new(
                codes::STORE_ERROR,
                concat!(
                    "The {backend} store could not take or release the refresh lock, so no refresh was ",
                    "started (a rotating refresh token must not be spent blind). Check it is reachable; the ",
                    "access token already held keeps working until it expires."
                ),
            ),
            Raised::LeaseLost => Error::new(
                codes::STORE_ERROR,
                concat!(
                    "This process's lease on the account in the {backend} store ran out before its token request ",
                    "(the process was paused, or the store was slow), so the request was not sent and the refresh ",
                    "token was not spent: another process may be refreshing. Try again."
                ),
            ),
            Raised::NotApiUrl => Error::config(
                "pathOrUrl",
                concat!(
                    "The access token is sent only to the Constant Contact API: pass a path such as ",
                    "\"/account/summary\" or a URL under `endpoints.apiBase` (after normalising `..`)."
                ),
            ),
            Raised::NotAClient => Error::config(
                "auth",
                "A TokenSession is made by auth.session(options) from a ConstantContactOAuth client.",
            ),
            // Browsers load the device flow, verification and the fleet's planner as a second module.
            Raised::ServerModule => Error::new(
                codes::NETWORK_ERROR,
                concat!(
                    "The device flow, token verification and fleets need ctct-oauth's second module, which ",
                    "could not be loaded. Serve node_modules/ctct-oauth/dist/web/ctct_oauth_server_bg.wasm ",
                    "beside your bundle (esbuild and Rollup do not copy it), or check the network."
                ),
            ),
            Raised::ClientFreed => Error::config(
                "auth",
                "This client was freed (free(), or the end of its `using` block): make a new ConstantContactOAuth.",
            ),
            Raised::BrokerFailed => Error::new(
                codes::SERVER_ERROR,
                concat!(
                    "The TokenBroker Durable Object failed without a typed error. Check its configuration ",
                    "(CTCT_CLIENT_ID, CTCT_CLIENT_SECRET, CTCT_ENDPOINTS) and the Worker's logs."
                ),
            ),
        }
    }
}

/// How the request ended, as seen by the JS layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Network,
    Timeout,
    Aborted,
}

/// The error for a request that got no response. In a browser a network error at the token endpoint is
/// most often CORS, so the hint says so.
fn transport_error(t: Transport, in_browser: bool) -> Error {
    match t {
        Transport::Network => {
            let e = Error::new(
                codes::NETWORK_ERROR,
                concat!(
                    "The request to Constant Contact failed before any response (network down, DNS, TLS, or ",
                    "a blocked request). Check connectivity and try again."
                ),
            );
            if in_browser {
                e.hint(concat!(
                    "In a browser this is most often CORS: Constant Contact (Okta) answers a browser's token ",
                    "request only from an origin it trusts for the application, and only for PKCE. If this ",
                    "page's origin is not one, exchange codes on a server (Node, or the Worker example)."
                ))
            } else {
                e
            }
        }
        Transport::Timeout => Error::new(
            codes::TIMEOUT,
            "Constant Contact did not answer within `timeoutMs`. Try again, or raise the timeout.",
        ),
        Transport::Aborted => Error::new(codes::ABORTED, "The request was aborted by its AbortSignal."),
    }
}

fn key_not_found() -> Error {
    Error::new(
        codes::JWKS_KEY_NOT_FOUND,
        concat!(
            "No key in the key set matches the token's `kid`, even after fetching the key set again. The token was no",
            "t signed by this authorization server (check `endpoints.jwks`)."
        ),
    )
}

fn reauthorize(reason: &'static str, message: &'static str) -> Error {
    let mut e = Error::new(codes::REAUTHORIZATION_REQUIRED, message);
    e.reason = Some(reason);
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_kind_is_listed() {
        for (i, k) in Raised::ALL.iter().enumerate() {
            assert!(!Raised::ALL.iter().skip(i + 1).any(|j| j.name() == k.name()), "{:?}", k);
            assert!(!k.error().message.is_empty());
        }
        assert!(Raised::NetworkInBrowser.error().hint.is_some_and(|h| h.contains("CORS")));
        assert!(Raised::Network.error().hint.is_none());
    }
}
