//! The one error type. Every failure has a stable `code` (part of the public contract: docs/errors.md
//! lists them), a message that says what to do, and evidence where there is some (HTTP status,
//! the field at fault, the server's own description). A message never contains a token, code or secret:
//! messages are built only from static text and from values we chose, never from the input itself.
//!
//! Messages are assembled by concatenation, not `format!`, to keep `core::fmt` out of the wasm.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::String;

/// Stable error codes. Strings, because they cross into JavaScript as `error.code`. (Some are raised only
/// by the JS layer, from the catalogue the build writes: this crate itself does not use them.)
pub mod codes {
    /// A configuration, option or argument is missing or malformed; `field` names it.
    pub const INVALID_CONFIG: &str = "invalid_config";
    /// A client secret was configured in a browser, where anyone can read it.
    pub const SECRET_IN_BROWSER: &str = "secret_in_browser";
    /// An endpoint or sign-in URL is plain http (allowed only on loopback, and only when configured).
    pub const INSECURE_ENDPOINT: &str = "insecure_endpoint";
    /// The redirect's `state` is not the one stored: a forged or crossed redirect.
    pub const STATE_MISMATCH: &str = "state_mismatch";
    /// The URL holds no authorization response at all.
    pub const MISSING_CODE: &str = "missing_code";
    /// The redirect's `iss` names another authorization server (RFC 9207: a mix-up attack).
    pub const ISSUER_MISMATCH: &str = "issuer_mismatch";
    /// The redirect URL is malformed (repeated or undecodable parameters, both query and fragment, ...).
    pub const INVALID_REDIRECT: &str = "invalid_redirect";
    /// The value is not a well-formed JWT with readable claims.
    pub const INVALID_JWT: &str = "invalid_jwt";
    /// An authorization code (or a redirect URL holding one) was passed where an access token belongs.
    pub const AUTHORIZATION_CODE_NOT_TOKEN: &str = "authorization_code_not_token";
    /// The runtime lacks something the library needs (a secure random source).
    pub const UNSUPPORTED_RUNTIME: &str = "unsupported_runtime";
    /// The user must authorize again; `reason` says why (`no_refresh_token`, `invalid_record`, ...).
    pub const REAUTHORIZATION_REQUIRED: &str = "reauthorization_required";
    /// The access token verified but has expired (beyond the tolerance).
    pub const JWT_EXPIRED: &str = "jwt_expired";
    /// The token's signature does not verify, or its header asks for anything but RS256.
    pub const JWT_SIGNATURE_INVALID: &str = "jwt_signature_invalid";
    /// No key of the key set matches the token's `kid`.
    pub const JWKS_KEY_NOT_FOUND: &str = "jwks_key_not_found";
    /// A verified token's claim (`iss`, `aud`, `nbf`, `cid`, `scp`) is not what it must be; `field` names it.
    pub const CLAIM_MISMATCH: &str = "claim_mismatch";
    /// The device code expired before the user approved it.
    pub const EXPIRED_TOKEN: &str = "expired_token";
    /// A V3 API call failed; `status` and `errors` say why.
    pub const API_ERROR: &str = "api_error";
    /// Too many requests (token endpoint or API); `retryAfter` says how long to wait.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// The server answered 5xx without an OAuth error.
    pub const SERVER_ERROR: &str = "server_error";
    /// The server's answer is not what the protocol says; `description` has an excerpt (secrets masked).
    pub const INVALID_RESPONSE: &str = "invalid_response";
    /// The request got no response (network, DNS, TLS, CORS), or no module or `fetch` could be loaded.
    pub const NETWORK_ERROR: &str = "network_error";
    /// The request took longer than its timeout (raised by the JS layer).
    pub const TIMEOUT: &str = "timeout";
    /// The caller's `AbortSignal` ended the request (raised by the JS layer).
    pub const ABORTED: &str = "aborted";
    /// A session's token store failed to read, write or lock (raised by the JS layer).
    pub const STORE_ERROR: &str = "store_error";
    /// A server's OAuth `error` value outside the registered ones (kept raw on `error`).
    pub const OAUTH_ERROR: &str = "oauth_error";
}

/// The OAuth 2.0 error codes registered for authorization responses, token and device-flow responses and
/// revocation (RFC 6749 §4.1.2.1 and §5.2, RFC 8628 §3.5, RFC 7009 §2.2.1, OpenID Connect Core §3.1.2.6).
/// A server's `error` becomes the library's `code` only if it is one of these; anything else is
/// `oauth_error` with the raw value on `error`, so a redirect (which an attacker controls) cannot
/// impersonate one of the library's own codes.
pub const REGISTERED_OAUTH_ERRORS: [&str; 20] = [
    "invalid_request",
    "unauthorized_client",
    "access_denied",
    "unsupported_response_type",
    "invalid_scope",
    "server_error",
    "temporarily_unavailable",
    "invalid_client",
    "invalid_grant",
    "unsupported_grant_type",
    "authorization_pending",
    "slow_down",
    "expired_token",
    "unsupported_token_type",
    "interaction_required",
    "login_required",
    "account_selection_required",
    "consent_required",
    "invalid_request_uri",
    "invalid_request_object",
];

/// Pointer-sized, so `Result<T, Error>` stays small on every happy path (the details are boxed: errors
/// are the cold path). Fields read through `Deref`: `err.code`, `err.message`, ...
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Details>);

/// What an [`Error`] says; read through the error (`err.code`).
#[derive(Clone, PartialEq, Eq)]
pub struct Details {
    /// A stable code from [`codes`], or the authorization server's own `error` value
    /// (`access_denied`, `invalid_scope`, ...), which is validated to be a plain token first.
    pub code: Cow<'static, str>,
    /// What happened and what to do about it. Never contains a secret value.
    pub message: Cow<'static, str>,
    /// The option, parameter or claim at fault, when there is one (an unknown option's own name).
    pub field: Option<Cow<'static, str>>,
    /// The server's own `error` value, as sent (a plain token; see [`REGISTERED_OAUTH_ERRORS`]).
    pub error: Option<String>,
    /// HTTP status, for errors that come from a response.
    pub status: Option<u16>,
    /// The server's `error_description`, passed through (length-capped, control characters removed).
    pub description: Option<String>,
    /// The server's `error_uri`, when it sent one.
    pub error_uri: Option<String>,
    /// A further hint for the most common cause.
    pub hint: Option<&'static str>,
    /// Seconds to wait, for `rate_limited` (from `Retry-After` when the server sent one).
    pub retry_after: Option<u64>,
    /// Why, for errors that have kinds (`reauthorization_required`: `no_refresh_token`, ...).
    pub reason: Option<&'static str>,
    /// Constant Contact API errors: `[{error_key, error_message}]`, whatever shape the body had.
    pub errors: alloc::vec::Vec<(Option<String>, String)>,
}

impl Error {
    /// An error with `code` (one of [`codes`], or a registered OAuth error) and a message of static
    /// text or text built from values this library chose.
    #[inline(never)]
    pub fn new(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Error(Box::new(Details {
            code: Cow::Borrowed(code),
            message: message.into(),
            field: None,
            error: None,
            status: None,
            description: None,
            error_uri: None,
            hint: None,
            retry_after: None,
            reason: None,
            errors: alloc::vec::Vec::new(),
        }))
    }

    /// The same error, naming the option, parameter or claim at fault.
    #[inline(never)]
    pub fn field(mut self, field: &'static str) -> Self {
        self.0.field = Some(Cow::Borrowed(field));
        self
    }

    /// The field at fault, as the caller sees it: `e.field_name() == Some("state")`.
    pub fn field_name(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// The same error with a hint for its most common cause.
    #[inline(never)]
    pub fn hint(mut self, hint: &'static str) -> Self {
        self.0.hint = Some(hint);
        self
    }

    /// `invalid_config` naming `field`.
    #[inline(never)]
    pub fn config(field: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(codes::INVALID_CONFIG, message).field(field)
    }

    /// `invalid_jwt`.
    #[inline(never)]
    pub fn jwt(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(codes::INVALID_JWT, message)
    }

    /// `invalid_redirect`.
    #[inline(never)]
    pub fn redirect(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(codes::INVALID_REDIRECT, message)
    }
}

impl core::ops::Deref for Error {
    type Target = Details;
    fn deref(&self) -> &Details {
        &self.0
    }
}

impl core::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut Details {
        &mut self.0
    }
}

/// `invalid_config` for a value of the wrong type: "`field` must be expected.", with `field` set.
pub fn type_error(field: &'static str, expected: &'static str) -> Error {
    Error::config(field, concat(&["`", field, "` must be ", expected, "."]))
}

/// Concatenates message parts without `core::fmt`.
pub fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// Decimal text of an unsigned integer, without `core::fmt`.
pub fn decimal(mut n: u64) -> String {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    buf.get(i..).and_then(|d| core::str::from_utf8(d).ok()).map(String::from).unwrap_or_default()
}

/// Server-supplied text (an `error_description`) made safe to show: control characters dropped,
/// token-like runs masked (servers have been seen echoing the code or refresh token they refuse), and
/// capped at 300 characters so a hostile server cannot flood logs.
pub fn sanitize_description(s: &str) -> String {
    capped(s, masked(s, MAX_SERVER_TEXT, false))
}

/// API error text (`error_key`, `error_message`): control characters dropped and capped, not masked:
/// resource ids (contact UUIDs) are the useful part there, and the API does not echo credentials.
pub fn sanitize_text(s: &str) -> String {
    capped(s, s.chars().filter(|c| !c.is_control()).take(MAX_SERVER_TEXT).collect())
}

const MAX_SERVER_TEXT: usize = 300;

/// `shown` (the first characters of `s`), with `…` when `s` had more to show.
fn capped(s: &str, mut shown: String) -> String {
    if s.chars().filter(|c| !c.is_control()).nth(MAX_SERVER_TEXT).is_some() {
        shown.push('…');
    }
    shown
}

/// Up to `max` characters of `s` with anything token-like (20 or more characters of base64url, base64 or
/// JWT text in a row, percent-escapes included: a server echoing a form body shows `%2B` inside a refresh
/// token) replaced by `[masked]`, so a leaked code or token never reaches a log. The whole text is masked
/// before it is cut, so a token straddling the cut is masked too. Control characters become a space
/// (`keep_controls_as_space`) or are dropped.
pub fn masked(s: &str, max: usize, keep_controls_as_space: bool) -> String {
    struct Shown {
        out: String,
        chars: usize,
        max: usize,
    }
    impl Shown {
        fn push(&mut self, text: &str, chars: usize) {
            if self.chars < self.max {
                self.out.push_str(text);
                self.chars += chars;
            }
        }
        fn flush(&mut self, run: &mut String) {
            if run.len() >= 20 {
                self.push("[masked]", 8);
            } else {
                let n = run.chars().count();
                self.push(run, n);
            }
            run.clear();
        }
    }
    let mut shown = Shown { out: String::new(), chars: 0, max };
    let mut run = String::new();
    let bytes = s.as_bytes();
    for (i, ch) in s.char_indices() {
        if ch.is_control() && !keep_controls_as_space {
            continue;
        }
        let escape = ch == '%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        // `=` ends a run so `code=` stays readable while its value is masked.
        if ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.' | '~' | '+' | '/') || escape {
            run.push(ch);
        } else {
            shown.flush(&mut run);
            let mut buf = [0u8; 4];
            let text = if ch.is_control() { " " } else { ch.encode_utf8(&mut buf) };
            shown.push(text, 1);
        }
    }
    shown.flush(&mut run);
    shown.out
}

impl core::fmt::Debug for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Error")
            .field("code", &self.code)
            .field("message", &self.message)
            .field("field", &self.field)
            .field("status", &self.status)
            .field("description", &self.description)
            .finish()
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.code)?;
        f.write_str(": ")?;
        f.write_str(&self.message)
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itoa_matches_std() {
        for n in [0u64, 1, 9, 10, 99, 100, 86_400, 1_795_540_450, u64::MAX] {
            assert_eq!(decimal(n), n.to_string());
        }
    }

    #[test]
    fn descriptions_are_capped_and_stripped() {
        assert_eq!(sanitize_description("a\nb\u{7}c"), "abc");
        assert_eq!(
            sanitize_description("Refresh token gcOERFBLqO1bqS2sFz8kLxM3h0pvS8aYp3 is invalid."),
            "Refresh token [masked] is invalid."
        );
        let long = "x ".repeat(500);
        assert_eq!(sanitize_description(&long).chars().count(), 301);
    }
}
