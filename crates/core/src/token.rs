//! The token endpoint: one request builder for every grant (code, refresh, device code) and one reader
//! of its success response, which normalises what servers send into a `TokenSet`.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::config::Config;
use crate::error::{codes, concat, Error};
use crate::http::{self, Request};
use crate::json::Value;
use crate::redirect::split_scope;
use crate::secret::Secret;
use crate::{expiry, jwt, pkce, verify};

/// The device flow's `grant_type` (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What a token request trades for a token set.
#[derive(Debug, Clone, Copy)]
pub enum Grant<'a> {
    /// A redirect's code ([`crate::redirect::Redirect::Code`]), with the PKCE verifier kept since step 1
    /// (required for a public client).
    AuthorizationCode {
        /// The code itself, not the redirect URL.
        code: &'a str,
        /// The verifier of [`crate::authorize::AuthorizationRequest::pkce`].
        code_verifier: Option<&'a str>,
    },
    /// A refresh token (rotating ones work once).
    RefreshToken {
        /// The token set's refresh token, not its access token.
        refresh_token: &'a str,
    },
    /// One poll of a device authorization.
    DeviceCode {
        /// [`crate::device::DeviceAuthorization::device_code`].
        device_code: &'a str,
    },
}

/// An opaque credential we send: visible ASCII, bounded.
fn check_opaque(value: &str, field: &'static str, max: usize) -> Result<(), Error> {
    if value.is_empty() || value.len() > max || !value.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return Err(Error::config(field, concat(&["`", field, "` is empty or not a valid value."])));
    }
    Ok(())
}

/// Three base64url segments, the first a JSON header: a JWT, i.e. an access (or ID) token.
fn looks_like_jwt(value: &str) -> bool {
    value.starts_with("eyJ") && value.bytes().filter(|b| *b == b'.').count() == 2
}

/// The request for a grant, with the checks that catch the common mistakes before a round trip. Errors
/// (`invalid_config`, with `field`): a redirect URL or an access token where a code or refresh token
/// belongs, a malformed value, a public client's code exchange without its PKCE verifier, a code
/// exchange without a configured redirect URI.
pub fn request(cfg: &Config, grant: Grant<'_>) -> Result<Request, Error> {
    match grant {
        Grant::AuthorizationCode { code, code_verifier } => {
            if code.starts_with("http://") || code.starts_with("https://") || crate::form::contains(code, "code=") {
                return Err(Error::config("code", "Pass the authorization code itself, not the redirect URL.")
                    .hint("auth.parseRedirect(url, { state }) returns { code }."));
            }
            if looks_like_jwt(code) {
                return Err(Error::config(
                    "code",
                    "This is an access token (a JWT), not an authorization code: it is already exchanged.",
                ));
            }
            check_opaque(code, "code", 2048)?;
            let redirect_uri = cfg.require_redirect_uri()?;
            match code_verifier {
                Some(v) => pkce::check_verifier(v)?,
                None if cfg.is_public() => {
                    return Err(Error::config(
                        "codeVerifier",
                        concat!(
                            "A public client must send the PKCE `codeVerifier` stored when the authorization URL ",
                            "was built: exchangeCode(code, { codeVerifier })."
                        ),
                    )
                    .hint("Without a client secret, Constant Contact only accepts PKCE exchanges."))
                }
                None => {}
            }
            let mut pairs =
                alloc::vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri)];
            if let Some(v) = code_verifier {
                pairs.push(("code_verifier", v));
            }
            Ok(Request::form_post(cfg, &cfg.endpoints.token, &pairs))
        }
        Grant::RefreshToken { refresh_token } => {
            if looks_like_jwt(refresh_token) {
                return Err(Error::config(
                    "refreshToken",
                    concat!(
                        "This is an access token (a JWT), not a refresh token. Pass the token set's ",
                        "`refreshToken` (or the whole token set): auth.refresh(tokens)."
                    ),
                ));
            }
            check_opaque(refresh_token, "refreshToken", 4096)?;
            Ok(Request::form_post(
                cfg,
                &cfg.endpoints.token,
                &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)],
            ))
        }
        Grant::DeviceCode { device_code } => {
            check_opaque(device_code, "deviceCode", 2048)?;
            Ok(Request::form_post(
                cfg,
                &cfg.endpoints.token,
                &[("grant_type", DEVICE_CODE_GRANT), ("device_code", device_code)],
            ))
        }
    }
}

/// The error for a refresh without a refresh token: the classic forgotten `offline_access`.
pub fn no_refresh_token() -> Error {
    let mut e = Error::new(
        codes::REAUTHORIZATION_REQUIRED,
        concat!(
            "There is no refresh token, so the user must authorize again. Constant Contact only issues refresh ",
            "tokens when `offline_access` is requested (this library adds it unless `offline: false`)."
        ),
    );
    e.reason = Some("no_refresh_token");
    e.field = Some(Cow::Borrowed("refreshToken"));
    e
}

/// What a token endpoint (or an implicit redirect) hands over, normalised. Times are seconds on this
/// machine's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenSet {
    /// The access token (a JWT at Constant Contact): sent to the API as a Bearer token.
    pub access_token: Secret,
    /// The refresh token; a refresh answer without one keeps the one used.
    pub refresh_token: Option<Secret>,
    /// `Bearer` (the only type accepted), as the server wrote it.
    pub token_type: String,
    /// `expires_in` as sent, when usable.
    pub expires_in: Option<u64>,
    /// When the access token expires, on this machine's clock: its `exp` corrected by `clock_skew`, else
    /// `received_at + expires_in`; `None` when neither is known.
    pub expires_at: Option<u64>,
    /// When the answer arrived.
    pub received_at: u64,
    /// Seconds the server's clock is ahead of this machine's (the token's `iat` against the time it arrived),
    /// when that is beyond [`expiry::SKEW_THRESHOLD_SECS`]; else 0.
    pub clock_skew: i64,
    /// The granted scopes, when the server says.
    pub scopes: Vec<String>,
    /// The OpenID Connect ID token, when one came.
    pub id_token: Option<String>,
    /// `name: explanation` texts for what works but deserves attention (the `WARN_*` constants, clock skew).
    pub warnings: Vec<Cow<'static, str>>,
}

/// What the caller knew when it sent the request, to read the answer against.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// This machine's clock when the answer arrived (seconds).
    pub now: u64,
    /// `offline_access` was asked for, so a missing refresh token deserves a warning.
    pub requested_offline: bool,
    /// The refresh token used, kept when a refresh answer carries none (long-lived tokens).
    pub previous_refresh_token: Option<&'a str>,
    /// The application's client id: an access token naming another one is warned about.
    pub client_id: &'a str,
}

/// `offline_access` was asked for, and no refresh token came.
pub const WARN_NO_REFRESH_TOKEN: &str = concat!(
    "no_refresh_token: offline_access was requested but Constant Contact issued no refresh token; the user ",
    "will have to authorize again when the access token expires. Check that the application allows refresh ",
    "tokens."
);
/// The response had no `token_type`.
pub const WARN_NO_TOKEN_TYPE: &str = "no_token_type: the response had no token_type; Bearer assumed.";
/// The access token's `cid` is another application's.
pub const WARN_CLIENT_MISMATCH: &str = concat!(
    "client_mismatch: the access token names another application (its cid is not your clientId). Check ",
    "that `endpoints` point at your application's authorization server; API calls with it act for the other ",
    "application."
);
/// `expires_in` was unusable, and the JWT's `exp` serves instead.
pub const WARN_EXPIRES_IN: &str = concat!(
    "expires_in_invalid: the response's expires_in was not a usable number of seconds; the access token's ",
    "own expiry (exp) is used instead."
);

fn string_field<'v>(v: &'v Value<'_>, name: &'static str, status: u16, body: &str) -> Result<Option<&'v str>, Error> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(_) => Err(http::invalid_response(
            status,
            Some(name),
            "A token response field has the wrong type; see `field`.",
            body,
        )),
    }
}

/// `expires_in`: `Ok(None)` absent, `Err(())` present but not a usable number of seconds.
fn expires_in_field(v: &Value<'_>) -> Result<Option<u64>, ()> {
    const MAX: u64 = 315_360_000; // ten years: Constant Contact's V2 tokens lived that long
    match v.get("expires_in") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Num(n)) if (0.0..=MAX as f64).contains(n) => Ok(Some(*n as u64)),
        Some(Value::Str(s)) => s.trim().parse::<u64>().ok().filter(|n| *n <= MAX).map(Some).ok_or(()),
        Some(_) => Err(()),
    }
}

/// Reads a 200 token response. Tolerant where real servers vary (`expires_in` as a string, `scope` as a
/// string or an array, an `expires_in` out of range when the token's `exp` says when it ends), strict
/// where it matters (an access token must be a non-empty string, Bearer). The access token is decoded
/// once, here, for its expiry, the clock skew and the warnings a real account would hit.
pub fn parse_success(status: u16, body: &str, ctx: Context<'_>) -> Result<TokenSet, Error> {
    let v = http::json_object(status, body)?;
    let access_token = match string_field(&v, "access_token", status, body)? {
        Some(t) if !t.is_empty() => t,
        _ => {
            return Err(http::invalid_response(
                status,
                Some("access_token"),
                "The token response has no access_token.",
                body,
            ))
        }
    };
    let mut warnings: Vec<Cow<'static, str>> = Vec::new();
    let token_type = match string_field(&v, "token_type", status, body)? {
        // Only Bearer tokens work at the API: a MAC or DPoP-bound token would fail on every call.
        Some(t) if t.eq_ignore_ascii_case("bearer") => String::from(t),
        Some(_) => {
            return Err(http::invalid_response(
                status,
                Some("token_type"),
                "The token response's token_type is not Bearer; Constant Contact issues Bearer tokens only.",
                body,
            ))
        }
        None => {
            warnings.push(Cow::Borrowed(WARN_NO_TOKEN_TYPE));
            String::from("Bearer")
        }
    };
    let claims = jwt::decode(access_token).ok().map(|d| d.claims);
    let expires_in = match (expires_in_field(&v), &claims) {
        (Ok(n), _) => n,
        (Err(()), Some(_)) => {
            warnings.push(Cow::Borrowed(WARN_EXPIRES_IN));
            None
        }
        (Err(()), None) => {
            return Err(http::invalid_response(
                status,
                Some("expires_in"),
                "The token response's expires_in is not a number of seconds.",
                body,
            ))
        }
    };
    let scopes = match v.get("scope") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Str(s)) => split_scope(s),
        Some(Value::Arr(items)) => {
            items.iter().map(|i| i.as_str().map(String::from)).collect::<Option<Vec<_>>>().ok_or_else(|| {
                http::invalid_response(
                    status,
                    Some("scope"),
                    "The token response's scope holds something other than strings.",
                    body,
                )
            })?
        }
        Some(_) => {
            return Err(http::invalid_response(
                status,
                Some("scope"),
                "The token response's scope is neither a string nor an array.",
                body,
            ))
        }
    };
    let refresh_token = match string_field(&v, "refresh_token", status, body)? {
        Some(t) if !t.is_empty() => Some(t),
        _ => ctx.previous_refresh_token,
    };
    if refresh_token.is_none() && ctx.requested_offline {
        warnings.push(Cow::Borrowed(WARN_NO_REFRESH_TOKEN));
    }
    let id_token = string_field(&v, "id_token", status, body)?.map(String::from);
    let (expires_at, clock_skew) = received(claims.as_ref(), expires_in, ctx.now, ctx.client_id, &mut warnings);
    Ok(TokenSet {
        access_token: Secret::new(String::from(access_token)),
        refresh_token: refresh_token.map(|t| Secret::new(String::from(t))),
        token_type,
        expires_in,
        expires_at,
        received_at: ctx.now,
        clock_skew,
        scopes,
        id_token,
        warnings,
    })
}

/// When a token set received at `now` (this machine's clock) expires on this clock, and the offset to the
/// server's clock: from its access token's claims when it is a JWT (`exp`, corrected by the offset its
/// `iat` shows), else `now + expires_in`. Adds the warnings every received set is checked for.
fn received(
    claims: Option<&jwt::Claims>,
    expires_in: Option<u64>,
    now: u64,
    client_id: &str,
    warnings: &mut Vec<Cow<'static, str>>,
) -> (Option<u64>, i64) {
    let clock_skew = claims.and_then(|c| c.iat).map_or(0, |iat| expiry::skew(iat, now));
    if let Some(c) = claims {
        warnings.extend(received_token_warnings(c, client_id, clock_skew));
    }
    let expires_at = match (claims, expires_in) {
        (Some(c), _) => Some(expiry::local_time(c.exp, clock_skew)),
        (None, Some(i)) => Some(now.saturating_add(i)),
        (None, None) => None,
    };
    (expires_at, clock_skew)
}

/// The token set of a legacy implicit-flow redirect ([`crate::redirect::Redirect::Implicit`]'s fields),
/// read at `now` (this machine's clock) as a token response would be: expiry, clock offset and warnings
/// as [`parse_success`] decides them for the application `client_id`. No refresh token ever comes this
/// way; `token_type` is Bearer when absent (the redirect reader refuses any other); `scope` is the
/// space-separated list.
pub fn implicit(
    access_token: String,
    token_type: Option<String>,
    expires_in: Option<u64>,
    scope: Option<&str>,
    now: u64,
    client_id: &str,
) -> TokenSet {
    let claims = jwt::decode(&access_token).ok().map(|d| d.claims);
    let mut warnings = Vec::new();
    let (expires_at, clock_skew) = received(claims.as_ref(), expires_in, now, client_id, &mut warnings);
    TokenSet {
        access_token: Secret::new(access_token),
        refresh_token: None,
        token_type: token_type.unwrap_or_else(|| String::from("Bearer")),
        expires_in,
        expires_at,
        received_at: now,
        clock_skew,
        scopes: scope.map(split_scope).unwrap_or_default(),
        id_token: None,
        warnings,
    }
}

/// What every token set received (exchange, refresh, device, implicit) is checked for: a login with no
/// Constant Contact account behind it, a token of another application, and a wrong local clock.
pub fn received_token_warnings(c: &jwt::Claims, client_id: &str, clock_skew: i64) -> Vec<Cow<'static, str>> {
    let mut w = Vec::new();
    if c.platform_user_id.as_deref() == Some("UNASSIGNED") {
        w.push(Cow::Borrowed(verify::WARN_UNASSIGNED));
    }
    if c.client_id.as_deref().is_some_and(|cid| cid != client_id) {
        w.push(Cow::Borrowed(WARN_CLIENT_MISMATCH));
    }
    if clock_skew != 0 {
        w.push(Cow::Owned(expiry::skew_warning(clock_skew)));
    }
    w
}

/// Any token-endpoint response: a [`TokenSet`] on 200 ([`parse_success`]), else the server's error
/// ([`crate::http::error_response`]; `retry_after`: the `Retry-After` header, seconds).
pub fn parse(status: u16, retry_after: Option<u64>, body: &str, ctx: Context<'_>) -> Result<TokenSet, Error> {
    if status == 200 {
        parse_success(status, body, ctx)
    } else {
        Err(http::error_response(status, retry_after, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{validate, ConfigInput};
    use crate::jwt::tests::make;

    fn cfg(secret: bool) -> Config {
        validate(ConfigInput {
            client_id: Some("cid".into()),
            client_secret: secret.then(|| Secret::new("sec".into())),
            redirect_uri: Some("https://a.example/cb".into()),
            ..Default::default()
        })
        .unwrap()
    }

    const V: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    #[test]
    fn code_exchange_requests() {
        let r = request(&cfg(false), Grant::AuthorizationCode { code: "abc", code_verifier: Some(V) }).unwrap();
        let want = "grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fa.example%2Fcb&code_verifier=";
        assert_eq!(r.body, format!("{want}{V}&client_id=cid"));
        let e = request(&cfg(false), Grant::AuthorizationCode { code: "abc", code_verifier: None }).unwrap_err();
        assert_eq!(e.field_name(), Some("codeVerifier"));
        let r = request(&cfg(true), Grant::AuthorizationCode { code: "abc", code_verifier: None }).unwrap();
        assert_eq!(r.body, "grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fa.example%2Fcb");
        for bad in ["", "https://a.example/cb?code=abc&state=s", "a b", "eyJh.eyJp.c2ln"] {
            assert_eq!(
                request(&cfg(true), Grant::AuthorizationCode { code: bad, code_verifier: None })
                    .unwrap_err()
                    .field_name(),
                Some("code"),
                "{bad}"
            );
        }
    }

    #[test]
    fn refresh_and_device_requests() {
        let r = request(&cfg(true), Grant::RefreshToken { refresh_token: "rt" }).unwrap();
        assert_eq!(r.body, "grant_type=refresh_token&refresh_token=rt");
        let r = request(&cfg(false), Grant::DeviceCode { device_code: "dc" }).unwrap();
        assert_eq!(
            r.body,
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dc&client_id=cid"
        );
        assert_eq!(no_refresh_token().reason, Some("no_refresh_token"));
    }

    fn ctx() -> Context<'static> {
        Context { now: 1000, requested_offline: true, previous_refresh_token: None, client_id: "cid" }
    }

    #[test]
    fn normalises_token_responses() {
        let at = make(r#"{"exp":90000}"#);
        let body = format!(
            concat!(
                r#"{{"access_token":"{at}","token_type":"Bearer","expires_in":86400,"#,
                r#""scope":"contact_data offline_access","refresh_token":"rt1"}}"#
            ),
            at = at
        );
        let t = parse(200, None, &body, ctx()).unwrap();
        assert_eq!((t.expires_at, t.expires_in, t.received_at), (Some(90000), Some(86400), 1000));
        assert_eq!(t.scopes, ["contact_data", "offline_access"]);
        assert_eq!(t.refresh_token.as_ref().map(Secret::expose), Some("rt1"));
        assert!(t.warnings.is_empty());
        // string expires_in, array scope, opaque token, no refresh token
        let t = parse(
            200,
            None,
            r#"{"access_token":"opaque","token_type":"Bearer","expires_in":"3600","scope":["a","b"]}"#,
            ctx(),
        )
        .unwrap();
        assert_eq!((t.expires_at, t.scopes.len()), (Some(4600), 2));
        assert_eq!(t.warnings, [WARN_NO_REFRESH_TOKEN]);
        // a refresh answer without a refresh token keeps the one used
        let t = parse(
            200,
            None,
            r#"{"access_token":"x","token_type":"Bearer"}"#,
            Context { previous_refresh_token: Some("old"), ..ctx() },
        )
        .unwrap();
        assert_eq!(t.refresh_token.as_ref().map(Secret::expose), Some("old"));
        assert_eq!(t.expires_at, None);
    }

    #[test]
    fn an_implicit_redirects_tokens_are_read_as_a_token_response_would_be() {
        // This clock is two hours behind the server's: both readers correct exp by the same offset.
        let at = make(r#"{"exp":90000,"iat":8200,"cid":"another"}"#);
        let body = format!(r#"{{"access_token":"{at}","token_type":"Bearer","expires_in":3600,"scope":"a b"}}"#);
        let ctx = Context { requested_offline: false, ..ctx() };
        let from_response = parse(200, None, &body, ctx).unwrap();
        let t = implicit(at.clone(), None, Some(3600), Some("a b"), 1000, "cid");
        assert_eq!(t, TokenSet { token_type: "Bearer".into(), ..from_response });
        assert_eq!((t.expires_at, t.clock_skew, t.received_at), (Some(90000 - 7200), 7200, 1000));
        assert!(t.warnings.iter().any(|w| w.starts_with("client_mismatch")));
        assert!(t.warnings.iter().any(|w| w.starts_with("clock_skew")));
        // An opaque token: expires_in from now, no warnings, no refresh token ever.
        let t = implicit("opaque".into(), Some("bearer".into()), Some(60), None, 1000, "cid");
        assert_eq!(
            (t.expires_at, t.token_type.as_str(), t.refresh_token, t.warnings.len()),
            (Some(1060), "bearer", None, 0)
        );
        assert_eq!(implicit("opaque".into(), None, None, None, 1000, "cid").expires_at, None);
    }

    #[test]
    fn rejects_malformed_token_responses() {
        for (body, field) in [
            (r#"{"token_type":"Bearer"}"#, Some("access_token")),
            (r#"{"access_token":""}"#, Some("access_token")),
            (r#"{"access_token":5}"#, Some("access_token")),
            (r#"{"access_token":"x","expires_in":"soon"}"#, Some("expires_in")),
            (r#"{"access_token":"x","expires_in":-1}"#, Some("expires_in")),
            (r#"{"access_token":"x","token_type":"mac"}"#, Some("token_type")),
            (r#"{"access_token":"x","scope":{}}"#, Some("scope")),
            (r#"{"access_token":"x","scope":[1]}"#, Some("scope")),
            (r#"{"access_token":"x","refresh_token":1}"#, Some("refresh_token")),
            ("<html>ok</html>", None),
            (r#"{"access_token":"x""#, None),
            ("[]", None),
        ] {
            let e = parse(200, None, body, ctx()).unwrap_err();
            assert_eq!((e.code.as_ref(), e.field_name(), e.status), ("invalid_response", field, Some(200)), "{body}");
        }
    }
}
