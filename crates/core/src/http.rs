//! What every call to Constant Contact's authorization server shares: the request shape (always a POST
//! with a form body and `Accept: application/json`; parameters never in the URL, never JSON) and the
//! mapping of a response's status and body to an error with evidence.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::config::Config;
use crate::error::{codes, concat, decimal, sanitize_description, Error, REGISTERED_OAUTH_ERRORS};
use crate::form;
use crate::json::{self, Value};

/// Bodies beyond this are not read (a token response is about 1.5 KB).
pub const MAX_BODY: usize = 64 * 1024;

/// A request to send with `fetch`: always POST, form-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Where to POST it; parameters are never in it.
    pub url: String,
    /// `(name, value)`; the Authorization value is a secret and is never logged.
    pub headers: Vec<(&'static str, String)>,
    /// The form-encoded parameters (`application/x-www-form-urlencoded`).
    pub body: String,
}

impl Request {
    /// A form POST to `url` with the client authenticated as Constant Contact expects: HTTP Basic for a
    /// confidential client (RFC 6749 §2.3.1: each part form-encoded, then base64), `client_id` in the body
    /// for a public one.
    pub fn form_post(cfg: &Config, url: &str, pairs: &[(&str, &str)]) -> Request {
        let mut body = String::new();
        form::append_pairs(&mut body, pairs);
        let mut headers = alloc::vec![
            ("content-type", String::from("application/x-www-form-urlencoded")),
            ("accept", String::from("application/json")),
        ];
        match &cfg.client_secret {
            Some(secret) => {
                let mut userpass = String::new();
                form::encode_into(&mut userpass, &cfg.client_id);
                userpass.push(':');
                form::encode_into(&mut userpass, secret.expose());
                headers.push((
                    "authorization",
                    concat(&["Basic ", &crate::b64::encode(userpass.as_bytes(), crate::b64::STANDARD, true)]),
                ));
            }
            None => form::append_pairs(&mut body, &[("client_id", &cfg.client_id)]),
        }
        Request { url: String::from(url), headers, body }
    }
}

/// A `Retry-After` header's delay, in seconds; `None` without one, or for the HTTP-date form (not read:
/// Constant Contact sends seconds when it sends anything).
pub fn retry_after(header: Option<&str>) -> Option<u64> {
    header.and_then(|h| h.trim().parse::<u64>().ok())
}

/// An error carrying a server's OAuth `error`: its own `code` when the value is a registered OAuth error,
/// `oauth_error` otherwise; the raw value is always on `error`.
pub fn oauth_error(error: &str, message: &'static str) -> Error {
    let mut e = match REGISTERED_OAUTH_ERRORS.iter().find(|c| **c == error) {
        Some(code) => Error::new(code, message),
        None => Error::new(codes::OAUTH_ERROR, message),
    };
    e.error = Some(String::from(error));
    e
}

/// Up to 200 characters of a body for an error, token-like runs masked (see [`crate::error::masked`]).
pub fn excerpt(body: &str) -> String {
    crate::error::masked(body, 200, true)
}

fn with_status(mut e: Error, status: u16) -> Error {
    e.status = Some(status);
    e
}

/// `invalid_response`: the body is not what the protocol says (evidence: status, field, excerpt).
pub fn invalid_response(status: u16, field: Option<&'static str>, message: &'static str, body: &str) -> Error {
    let mut e = with_status(Error::new(codes::INVALID_RESPONSE, message), status);
    e.field = field.map(Cow::Borrowed);
    e.description = Some(excerpt(body));
    e
}

/// A response body read as one JSON object with distinct keys; `invalid_response` (with an excerpt) for
/// anything else, and for a body over [`MAX_BODY`].
pub fn json_object(status: u16, body: &str) -> Result<Value<'_>, Error> {
    if body.len() > MAX_BODY {
        return Err(invalid_response(status, None, "The response body is too large to be an OAuth response.", ""));
    }
    json::parse_object(body).map_err(|_| {
        invalid_response(
            status,
            None,
            concat!(
                "Constant Contact answered with something that is not a JSON object (an HTML error page, or a ",
                "truncated body). See `description` for an excerpt."
            ),
            body,
        )
    })
}

fn oauth_message(code: &str, description: Option<&str>) -> (&'static str, Option<&'static str>) {
    match code {
        "invalid_grant" => (
            concat!(
                "Constant Contact rejected the grant (invalid_grant): the code or refresh token is expired, ",
                "already used, revoked, or does not match the redirect URI or PKCE verifier. Codes live 5 ",
                "minutes and work once; a rotated refresh token works once."
            ),
            None,
        ),
        "invalid_client" if description.is_some_and(|d| form::contains(d, "Proof Key for Code Exchange")) => (
            concat!(
                "Constant Contact refuses token requests from a browser for confidential clients ",
                "(invalid_client): browser requests must use PKCE."
            ),
            Some("Use a public client with PKCE in the browser, or do this exchange on a server or in a Worker."),
        ),
        "invalid_client" => (
            concat!(
                "Constant Contact did not accept the client credentials (invalid_client). Check clientId (the ",
                "API key) and clientSecret; a regenerated secret invalidates the old one."
            ),
            None,
        ),
        "invalid_request" => (
            "Constant Contact rejected the request as malformed (invalid_request); `description` has its reason.",
            None,
        ),
        "unauthorized_client" => (
            concat!(
                "This application may not use this grant (unauthorized_client). Check its OAuth2 settings ",
                "(flow type) in the Constant Contact developer portal."
            ),
            None,
        ),
        "unsupported_grant_type" => {
            ("Constant Contact does not support this grant for this application (unsupported_grant_type).", None)
        }
        "invalid_scope" => {
            ("Constant Contact rejected a requested scope (invalid_scope). Check `scopes` against SCOPES.", None)
        }
        "expired_token" => {
            ("The device code expired before the user approved it. Start the device authorization again.", None)
        }
        "access_denied" => {
            ("The user declined to authorize the device (access_denied). Start again if they change their mind.", None)
        }
        _ => (
            concat!(
                "Constant Contact returned an OAuth error; `error` is its error code and `description` its ",
                "explanation."
            ),
            None,
        ),
    }
}

/// The error for a non-success response: the server's own OAuth `error` when the body has one, else
/// `rate_limited`, `server_error` or `invalid_response` by status.
pub fn error_response(status: u16, retry_after: Option<u64>, body: &str) -> Error {
    let parsed = json::parse_object(body).ok();
    let oauth = parsed.as_ref().and_then(|v| v.get("error")).and_then(Value::as_str);
    if status == 429 {
        let mut e = with_status(
            Error::new(
                codes::RATE_LIMITED,
                concat!(
                    "Too many requests: Constant Contact allows one token request per second per application. ",
                    "Wait `retryAfter` seconds and try again; refresh only when a token is about to expire."
                ),
            ),
            status,
        );
        // Constant Contact sends no Retry-After here; its limit is one request a second, so that is the wait.
        e.retry_after = Some(retry_after.unwrap_or(1));
        return e;
    }
    let plain = |c: &&str| !c.is_empty() && c.len() <= 64 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if let Some(code) = oauth.filter(plain) {
        let description = parsed.as_ref().and_then(|v| v.get("error_description")).and_then(Value::as_str);
        let (message, hint) = oauth_message(code, description);
        let mut e = with_status(oauth_error(code, message), status);
        e.description = description.map(sanitize_description);
        e.hint = hint;
        return e;
    }
    if status >= 500 {
        let mut e = with_status(
            Error::new(
                codes::SERVER_ERROR,
                concat(&[
                    "Constant Contact had a server error (HTTP ",
                    &decimal(u64::from(status)),
                    "). Try again later.",
                ]),
            ),
            status,
        );
        e.description = Some(excerpt(body));
        return e;
    }
    invalid_response(
        status,
        None,
        "Constant Contact answered with an unexpected status and no OAuth error. See `status` and `description`.",
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{validate, ConfigInput};
    use crate::secret::Secret;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;

    #[test]
    fn confidential_clients_use_basic_public_ones_client_id() {
        let conf = validate(ConfigInput {
            client_id: Some("id:1".into()),
            client_secret: Some(Secret::new("s/e+".into())),
            ..Default::default()
        })
        .unwrap();
        let r = Request::form_post(&conf, "https://t/token", &[("grant_type", "refresh_token")]);
        assert_eq!(r.body, "grant_type=refresh_token");
        let auth = &r.headers.iter().find(|(k, _)| *k == "authorization").unwrap().1;
        assert_eq!(auth, &format!("Basic {}", STANDARD.encode("id%3A1:s%2Fe%2B")));
        assert!(r.headers.contains(&("accept", "application/json".into())));
        assert!(r.headers.contains(&("content-type", "application/x-www-form-urlencoded".into())));
        let public = validate(ConfigInput { client_id: Some("pub".into()), ..Default::default() }).unwrap();
        let r = Request::form_post(&public, "https://t/token", &[("grant_type", "refresh_token")]);
        assert_eq!(r.body, "grant_type=refresh_token&client_id=pub");
        assert!(!r.headers.iter().any(|(k, _)| *k == "authorization"));
        assert_eq!(r.url, "https://t/token", "parameters never go in the URL");
    }

    #[test]
    fn error_mapping() {
        let e =
            error_response(400, None, r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#);
        assert_eq!(
            (e.code.as_ref(), e.status, e.description.as_deref()),
            ("invalid_grant", Some(400), Some("grant request is invalid"))
        );
        let e = error_response(
            401,
            None,
            concat!(
                r#"{"error":"invalid_client","error_description":"Browser requests to the token endpoint must use P"#,
                r#"roof Key for Code Exchange."}"#
            ),
        );
        assert_eq!(e.code, "invalid_client");
        assert!(e.hint.unwrap().contains("server"));
        let e = error_response(429, Some(1), r#"{"error":"rate_limited"}"#);
        assert_eq!((e.code.as_ref(), e.retry_after), ("rate_limited", Some(1)));
        let e = error_response(429, None, "");
        assert_eq!((e.code.as_ref(), e.retry_after), ("rate_limited", Some(1)), "CC sends none: its 1/s limit");
        let e = error_response(503, None, "<html>Service Unavailable</html>");
        assert_eq!((e.code.as_ref(), e.status), ("server_error", Some(503)));
        let e = error_response(500, None, r#"{"error":"server_error"}"#);
        assert_eq!(e.code, "server_error");
        let e = error_response(400, None, "<html>nope</html>");
        assert_eq!(e.code, "invalid_response");
        let e = error_response(400, None, r#"{"error":"<script>"}"#);
        assert_eq!(e.code, "invalid_response");
    }

    #[test]
    fn retry_after_is_seconds_only() {
        assert_eq!([retry_after(Some(" 30 ")), retry_after(Some("0")), retry_after(None)], [Some(30), Some(0), None]);
        assert_eq!(retry_after(Some("Wed, 21 Oct 2026 07:28:00 GMT")), None, "the HTTP-date form is not read");
        assert_eq!(retry_after(Some("-1")), None);
    }

    #[test]
    fn excerpts_mask_token_like_runs() {
        let body = concat!(
            "<html>code=Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK-0s and access_token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.",
            "c2ln</html>"
        );
        let x = excerpt(body);
        assert!(!x.contains("Wdvjb7a8T3Y4uSk") && !x.contains("eyJhbGci"), "{x}");
        assert!(x.contains("[masked]") && x.contains("<html>code="), "{x}");
        assert_eq!(excerpt(&"a ".repeat(500)).chars().count(), 200);
    }
}
