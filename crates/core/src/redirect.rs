//! Step 2 of the redirect flows: reading where the browser came back to.
//!
//! Order of checks (as oauth4webapi): `iss` (RFC 9207) first, then `state`, then the server's `error`,
//! then the code. A state mismatch is reported before a server error so that a forged error response
//! cannot pass as the server's word.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{codes, concat, sanitize_description, Error};
use crate::form::parse_pairs;
use crate::{endpoints, http, state};

/// Redirect URLs beyond this are refused unread (a real one is a few hundred bytes).
pub const MAX_REDIRECT_LEN: usize = 16 * 1024;

/// Parameters that belong to an authorization response; any of them twice is an error (RFC 6749 §3.1).
const RESPONSE_PARAMS: [&str; 10] = [
    "code",
    "state",
    "error",
    "error_description",
    "error_uri",
    "iss",
    "scope",
    "access_token",
    "token_type",
    "expires_in",
];

/// How the redirect's `state` is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateCheck<'a> {
    /// The value stored when the authorization URL was built.
    Expect(&'a str),
    /// Explicitly skip the check (the caller verifies state some other way).
    Skip,
}

/// A successful authorization response. (An error response is an [`Error`].)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// `?code=...`: exchange it with `exchangeCode` ([`crate::token::Grant::AuthorizationCode`]).
    Code {
        /// The authorization code: lives 5 minutes, works once.
        code: String,
        /// The state, as returned (already checked unless skipped).
        state: Option<String>,
        /// The granted scopes, space-separated, when the server says ([`split_scope`]).
        scope: Option<String>,
        /// The issuer (RFC 9207), already checked against the expected one.
        iss: Option<String>,
    },
    /// `#access_token=...` from the legacy implicit flow (read only; never requested by this library):
    /// [`crate::token::implicit`] makes its token set.
    Implicit {
        /// The access token.
        access_token: String,
        /// `token_type` (Bearer or absent; anything else is refused).
        token_type: Option<String>,
        /// `expires_in`, seconds.
        expires_in: Option<u64>,
        /// The granted scopes, space-separated.
        scope: Option<String>,
        /// The state, as returned.
        state: Option<String>,
    },
}

fn server_error(error: &str, description: Option<&str>, uri: Option<&str>) -> Error {
    let plain = !error.is_empty()
        && error.len() <= 64
        && error.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if !plain {
        return Error::redirect("The redirect carries an `error` parameter that is not a valid OAuth error code.");
    }
    let message: &'static str = match error {
        "access_denied" => {
            concat!(
                "The user declined to authorize your application (access_denied). Let them try again; nothing els",
                "e is wrong."
            )
        }
        "invalid_scope" => {
            "Constant Contact rejected a requested scope (invalid_scope). Check the `scopes` option against SCOPES."
        }
        "unauthorized_client" => concat!(
            "This application may not use this flow (unauthorized_client). Check its OAuth2 settings ",
            "(flow type, PKCE) in the Constant Contact developer portal."
        ),
        "invalid_request" => concat!(
            "Constant Contact rejected the authorization request (invalid_request). Check the redirect URI and ",
            "client id, and that a public client uses PKCE; `description` has the server's reason."
        ),
        "unsupported_response_type" => {
            "This application is not allowed this response type. Check its flow setting in the developer portal."
        }
        "login_required" | "consent_required" | "interaction_required" | "account_selection_required" => {
            "The user must sign in or consent interactively. Start the authorization again without `prompt=none`."
        }
        "server_error" | "temporarily_unavailable" => {
            "Constant Contact could not complete the authorization right now. Try again in a moment."
        }
        _ => concat!(
            "The authorization server returned an error this library does not know: `error` has its code ",
            "and `description` its explanation."
        ),
    };
    let mut e = http::oauth_error(error, message);
    e.description = description.map(sanitize_description);
    // Shown to users as a link: https only (never `javascript:`), no credentials.
    e.error_uri =
        uri.filter(|u| u.len() <= 512 && endpoints::check_fetchable("errorUri", u, false).is_ok()).map(String::from);
    e
}

/// Reads an authorization response from the full URL the browser was sent back to. `expect_issuer` is the
/// configured redirect issuer: an `iss` in the response must equal it (RFC 9207); an absent one is fine.
/// Errors: `invalid_config` for a malformed expected state; `invalid_redirect` for a malformed URL or
/// response, `missing_code` when it holds none; `issuer_mismatch` and `state_mismatch` are checked before
/// the server's own `error` (a registered OAuth code, else `oauth_error`), so a forged error response
/// cannot pass as the server's word. Messages never quote the code or state.
pub fn parse(url: &str, expect_state: StateCheck<'_>, expect_issuer: Option<&str>) -> Result<Redirect, Error> {
    const HINT: &str = "Pass the full URL the browser was redirected to (for example `location.href`).";
    if let StateCheck::Expect(expected) = expect_state {
        // The expected value gets the check a generated one passes: an empty one would match an empty
        // `state=` and let a forged redirect through.
        state::check(expected).map_err(|e| {
            Error::config(
                "state",
                "The expected `state` is empty or malformed: pass the value authorizationUrl() returned.",
            )
            .hint(e.hint.unwrap_or("Store the `state` from authorizationUrl() and pass it back here."))
        })?;
    }
    if url.len() > MAX_REDIRECT_LEN {
        return Err(
            Error::redirect("The redirect URL is too long to be an authorization response (over 16 KB).").hint(HINT)
        );
    }
    let (before, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, f),
        None => (url, ""),
    };
    let query = before.split_once('?').map_or("", |(_, q)| q);
    let decode_err = |where_: &'static str| {
        move |e: crate::form::DecodeError| {
            Error::redirect(concat(&["The redirect URL's ", where_, " contains ", e.0, "."])).hint(HINT)
        }
    };
    let q = parse_pairs(query).map_err(decode_err("query"))?;
    let f = parse_pairs(fragment).map_err(decode_err("fragment"))?;
    let is_response = |p: &[(String, String)]| p.iter().any(|(k, _)| RESPONSE_PARAMS.contains(&k.as_str()));
    let (params, in_fragment) =
        match (is_response(&q), is_response(&f)) {
            (true, true) => return Err(Error::redirect(
                "The redirect has authorization parameters in both its query and its fragment; only one form is valid.",
            )),
            (true, false) => (q, false),
            (false, true) => (f, true),
            (false, false) => {
                return Err(Error::new(
                    codes::MISSING_CODE,
                    concat!(
                        "The URL has no authorization response in it (no code, error or state). It is not the ",
                        "redirect from Constant Contact."
                    ),
                )
                .hint(HINT))
            }
        };
    for name in RESPONSE_PARAMS {
        if params.iter().filter(|(k, _)| k == name).count() > 1 {
            return Err(Error::redirect(concat(&[
                "The redirect repeats the `",
                name,
                "` parameter; a genuine response has each once.",
            ]))
            .field(name));
        }
    }
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());

    if let (Some(iss), Some(expected)) = (get("iss"), expect_issuer) {
        if iss != expected {
            return Err(Error::new(
                codes::ISSUER_MISMATCH,
                concat!(
                    "The redirect's `iss` names a different authorization server than the one configured: ",
                    "the response may be a mix-up attack. Start the authorization again."
                ),
            )
            .field("iss")
            .hint(concat!(
                "If Constant Contact's redirects name an issuer of their own, set `endpoints.redirectIssuer` ",
                "to it (the token issuer, `endpoints.issuer`, is a separate setting)."
            )));
        }
    }
    if let StateCheck::Expect(expected) = expect_state {
        match get("state") {
            None => {
                return Err(Error::new(
                    codes::STATE_MISMATCH,
                    concat!(
                        "The redirect has no `state`, so it cannot be matched to the request you started. ",
                        "Start the authorization again."
                    ),
                )
                .field("state"))
            }
            Some(got) if !state::matches(expected, got) => {
                return Err(Error::new(
                    codes::STATE_MISMATCH,
                    concat!(
                        "The redirect's `state` does not match the one you stored: it belongs to another request, ",
                        "or is forged. Start the authorization again."
                    ),
                )
                .field("state")
                .hint(concat!(
                    "Store the `state` from authorizationUrl() per login attempt (e.g. in sessionStorage) and ",
                    "pass that same value here."
                )))
            }
            Some(_) => {}
        }
    }
    if let Some(error) = get("error") {
        return Err(server_error(error, get("error_description"), get("error_uri")));
    }
    let state = get("state").map(String::from);
    let scope = get("scope").map(String::from);
    if let Some(at) = get("access_token") {
        if get("code").is_some() {
            return Err(Error::redirect(concat!(
                "The redirect carries both a code and an access token (a hybrid response), which Constant Con",
                "tact does not send."
            )));
        }
        // Implicit-flow tokens come only in the fragment (which never reaches a server log); one in the
        // query is not a response Constant Contact sends.
        if !in_fragment {
            return Err(Error::redirect(
                "The redirect carries an access token in its query; implicit-flow tokens come only in the #fragment.",
            )
            .field("access_token"));
        }
        if at.is_empty() || at.len() > 8192 {
            return Err(Error::redirect("The redirect's `access_token` is empty or too long.").field("access_token"));
        }
        let expires_in = match get("expires_in") {
            None => None,
            Some(s) => Some(s.parse::<u64>().ok().filter(|n| *n <= 10 * 365 * 86_400).ok_or_else(|| {
                Error::redirect("The redirect's `expires_in` is not a number of seconds.").field("expires_in")
            })?),
        };
        // Absent is tolerated (as in token responses); anything but Bearer would fail at the API.
        let token_type = get("token_type");
        if token_type.is_some_and(|t| !t.eq_ignore_ascii_case("bearer")) {
            return Err(Error::redirect(
                "The redirect's `token_type` is not Bearer; Constant Contact issues Bearer tokens only.",
            )
            .field("token_type"));
        }
        return Ok(Redirect::Implicit {
            access_token: at.into(),
            token_type: token_type.map(String::from),
            expires_in,
            scope,
            state,
        });
    }
    match get("code") {
        Some(code) if !code.is_empty() && code.len() <= 2048 && code.bytes().all(|b| (0x20..0x7f).contains(&b)) => {
            Ok(Redirect::Code { code: code.into(), state, scope, iss: get("iss").map(String::from) })
        }
        Some(_) => Err(Error::redirect("The redirect's `code` is empty or malformed.").field("code")),
        None => Err(Error::new(
            codes::MISSING_CODE,
            "The redirect has a `state` but no `code` and no `error`. Start the authorization again.",
        )
        .field("code")),
    }
}

/// A space-separated `scope` value.
pub fn join_scopes(scopes: &[String]) -> String {
    let mut out = String::new();
    for s in scopes {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(s);
    }
    out
}

/// Scopes from a space-separated `scope` value.
pub fn split_scope(s: &str) -> Vec<String> {
    s.split(' ').filter(|w| !w.is_empty()).map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ST: &str = "Z1ubw5PFZxDu4X7VSgE9aGx03EMn0e5Lx0F1Tb5Jx2Q";
    const CB: &str = "https://app.example/cb";

    fn code(url: &str) -> Result<Redirect, Error> {
        parse(url, StateCheck::Expect(ST), Some("https://issuer.example"))
    }

    fn err(url: &str) -> Error {
        code(url).unwrap_err()
    }

    #[test]
    fn reads_a_code_response() {
        let r = code(&format!("{CB}?code=abc123&state={ST}&scope=contact_data+offline_access")).unwrap();
        assert_eq!(
            r,
            Redirect::Code {
                code: "abc123".into(),
                state: Some(ST.into()),
                scope: Some("contact_data offline_access".into()),
                iss: None
            }
        );
        assert_eq!(split_scope("contact_data  offline_access"), ["contact_data", "offline_access"]);
        // the matching issuer is fine; a fragment after a code response is ignored.
        assert!(code(&format!("{CB}?code=abc&state={ST}&iss=https%3A%2F%2Fissuer.example#_=_")).is_ok());
    }

    #[test]
    fn state_is_checked_first() {
        assert_eq!(err(&format!("{CB}?code=abc&state=other")).code, codes::STATE_MISMATCH);
        assert_eq!(err(&format!("{CB}?code=abc")).code, codes::STATE_MISMATCH);
        // A forged error without the right state is a state mismatch, not the server's word.
        assert_eq!(err(&format!("{CB}?error=access_denied&state=forged")).code, codes::STATE_MISMATCH);
        assert!(parse(&format!("{CB}?code=abc"), StateCheck::Skip, None).is_ok());
    }

    #[test]
    fn server_errors_pass_through() {
        let e = err(&format!("{CB}?error=access_denied&error_description=End-User+aborted+interaction&state={ST}"));
        assert_eq!(e.code, "access_denied");
        assert_eq!(e.description.as_deref(), Some("End-User aborted interaction"));
        assert!(e.message.contains("declined"));
        let e = err(&format!("{CB}?error=%3Cscript%3E&state={ST}"));
        assert_eq!(e.code, codes::INVALID_REDIRECT);
        let e = err(&format!("{CB}?error=some_new_error&state={ST}&error_uri=https%3A%2F%2Fx.example%2Fe"));
        // Outside the registered codes: one library code, the raw value kept apart.
        assert_eq!((e.code.as_ref(), e.error.as_deref()), (codes::OAUTH_ERROR, Some("some_new_error")));
        assert_eq!(e.error_uri.as_deref(), Some("https://x.example/e"));
        let e = err(&format!("{CB}?error=invalid_config&state={ST}&error_uri=javascript%3Aalert(1)"));
        assert_eq!((e.code.as_ref(), e.error_uri.as_deref()), (codes::OAUTH_ERROR, None), "errorUri is https only");
        assert_eq!(err(&format!("{CB}?error=access_denied&state={ST}")).error.as_deref(), Some("access_denied"));
    }

    #[test]
    fn issuer_mismatch() {
        let e = err(&format!("{CB}?code=abc&state={ST}&iss=https%3A%2F%2Fevil.example"));
        assert_eq!(e.code, codes::ISSUER_MISMATCH);
    }

    #[test]
    fn missing_code_and_bad_shapes() {
        assert_eq!(err(&format!("{CB}?state={ST}")).code, codes::MISSING_CODE);
        assert_eq!(err(CB).code, codes::MISSING_CODE);
        assert_eq!(err(&format!("{CB}?foo=bar")).code, codes::MISSING_CODE);
        assert_eq!(err("").code, codes::MISSING_CODE);
        assert_eq!(err(&format!("{CB}?code=a&code=b&state={ST}")).code, codes::INVALID_REDIRECT);
        assert_eq!(err(&format!("{CB}?code=a&state={ST}&state={ST}")).code, codes::INVALID_REDIRECT);
        assert_eq!(err(&format!("{CB}?code=%FF&state={ST}")).code, codes::INVALID_REDIRECT);
        assert_eq!(err(&format!("{CB}?code=%E0%A4&state={ST}")).code, codes::INVALID_REDIRECT);
        assert_eq!(err(&format!("{CB}?code=%2&state={ST}")).code, codes::INVALID_REDIRECT);
        assert_eq!(err(&format!("{CB}?code=&state={ST}")).code, codes::INVALID_REDIRECT);
        assert_eq!(err(&format!("{CB}?code=a&state={ST}#access_token=x")).code, codes::INVALID_REDIRECT);
        assert_eq!(
            err(&format!("{CB}?code={}&state={ST}", "a".repeat(MAX_REDIRECT_LEN))).code,
            codes::INVALID_REDIRECT
        );
    }

    #[test]
    fn reads_the_legacy_implicit_fragment() {
        let r = code(&format!(
            "{CB}#access_token=eyJ.a.b&token_type=Bearer&expires_in=28800&scope=contact_data&state={ST}"
        ))
        .unwrap();
        assert_eq!(
            r,
            Redirect::Implicit {
                access_token: "eyJ.a.b".into(),
                token_type: Some("Bearer".into()),
                expires_in: Some(28_800),
                scope: Some("contact_data".into()),
                state: Some(ST.into())
            }
        );
        assert_eq!(err(&format!("{CB}#access_token=x&expires_in=soon&state={ST}")).field_name(), Some("expires_in"));
        assert_eq!(err(&format!("{CB}#access_token=x&token_type=mac&state={ST}")).field_name(), Some("token_type"));
        assert_eq!(err(&format!("{CB}#access_token=x&code=y&state={ST}")).code, codes::INVALID_REDIRECT);
        assert_eq!(err(&format!("{CB}#error=access_denied&state={ST}")).code, "access_denied");
    }

    #[test]
    fn implicit_tokens_only_in_the_fragment_and_an_empty_expected_state_is_refused() {
        let e = err(&format!("{CB}?access_token=x&token_type=Bearer&state={ST}"));
        assert_eq!((e.code.as_ref(), e.field_name()), (codes::INVALID_REDIRECT, Some("access_token")));
        let e = parse(&format!("{CB}?code=x&state="), StateCheck::Expect(""), None).unwrap_err();
        assert_eq!((e.code.as_ref(), e.field_name()), (codes::INVALID_CONFIG, Some("state")));
    }

    #[test]
    fn messages_never_contain_the_inputs() {
        let secretish = "SECRETCODEVALUE123";
        for url in [
            format!("{CB}?code={secretish}&state=wrong{secretish}"),
            format!("{CB}?code={secretish}&code={secretish}&state={ST}"),
            format!("{CB}?error={secretish}%00&state={ST}"),
        ] {
            let e = err(&url);
            assert!(!format!("{e:?}").contains(secretish), "{e:?}");
        }
    }
}
