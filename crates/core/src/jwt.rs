//! Reading (not verifying) a Constant Contact access token: a JWS compact JWT whose payload carries
//! `exp`, `iat`, `iss`, `aud`, `sub`, `cid`, `uid`, `scp` and `platform_user_id`.
//!
//! Only the payload segment is decoded: the header is checked for shape, not parsed, because nothing
//! read here depends on it (verification, which does, lives with the JWKS code).

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{codes, concat, decimal, Error};
use crate::json::{self, Value};

/// Real CC access tokens are about 1,000–1,200 characters; anything past this is refused unread.
pub const MAX_JWT_LEN: usize = 16 * 1024;
/// 9999-12-31T23:59:59Z: larger `exp`/`iat` values are not times.
pub const MAX_NUMERIC_DATE: f64 = 253_402_300_799.0;

/// The `aud` claim, in either of its JWT forms.
#[derive(Debug, Clone, PartialEq)]
pub enum Audience {
    /// `"aud": "..."`.
    One(String),
    /// `"aud": [...]`.
    Many(Vec<String>),
}

/// The claims of an access token, typed. Times are seconds since 1970 on the server's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    /// The issuer (Constant Contact's `identity.` server).
    pub iss: Option<String>,
    /// The audience (the V3 API).
    pub aud: Option<Audience>,
    /// The subject: the user.
    pub sub: Option<String>,
    /// When the token expires: required (a token without it is refused).
    pub exp: u64,
    /// When it was issued: the clock offset is measured from it.
    pub iat: Option<u64>,
    /// Not valid before.
    pub nbf: Option<u64>,
    /// The token's id.
    pub jti: Option<String>,
    /// `cid`: the client id the token was issued to.
    pub client_id: Option<String>,
    /// `uid`.
    pub user_id: Option<String>,
    /// `platform_user_id`; `UNASSIGNED` for a login with no linked CC account.
    pub platform_user_id: Option<String>,
    /// `scp` (an array; a space-separated string is accepted too).
    pub scopes: Vec<String>,
}

/// A decoded token: typed claims plus the payload's JSON text (for the `raw` claims object in JS).
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The claims.
    pub claims: Claims,
    /// The payload as JSON text, checked by [`crate::json::parse_object`].
    pub payload_json: String,
}

/// base64url characters and `.`, as a table: a per-byte predicate costs a call per byte at opt-level z.
/// Kept apart from `b64`'s value table on purpose: classifying through that one costs more per token.
// The indexing below runs at compile time (const evaluation): out of bounds would fail the build.
#[allow(clippy::indexing_slicing)]
static JWT_CHARS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            t[i] = 1;
        } else if b == b'.' {
            t[i] = 2;
        }
        i += 1;
    }
    t
};

fn is_b64url(s: &str) -> bool {
    s.bytes().all(|b| JWT_CHARS.get(usize::from(b)) == Some(&1))
}

/// The classic mistake: an authorization code (or the pasted redirect URL holding one) where a JWT
/// belongs. An opaque value of a code's length may as well be a refresh token, so the message names both.
fn code_not_token(pasted_url: bool) -> Error {
    let message = if pasted_url {
        concat!(
            "This is a redirect URL holding an authorization code, not an access token. Exchange the code ",
            "first (auth.exchangeCode(code, ...)) and use the access_token it returns."
        )
    } else {
        concat!(
            "This is not an access token but an opaque value: an authorization code (exchange it first: ",
            "auth.exchangeCode(code, ...)) or a refresh token (it goes to auth.refresh()). Use the ",
            "access_token of the token set."
        )
    };
    Error::new(codes::AUTHORIZATION_CODE_NOT_TOKEN, message)
        .hint("An access token is a JWT: three dot-separated parts, starting with \"eyJ\".")
}

/// `8-4-4-4-12` hex digits: the shape of access tokens from Constant Contact's retired V2 OAuth service.
fn looks_like_v2_token(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn retired_v2_token() -> Error {
    Error::jwt(concat!(
        "This looks like an access token of Constant Contact's retired V2 OAuth service ",
        "(oauth2.constantcontact.com), not a V3 token. The V3 API does not accept those: authorize the ",
        "user again through authz.constantcontact.com (this library's endpoints) to get a V3 token set."
    ))
    .hint("Applications of the old services must be copied in the developer portal (\"Outdated Applications\").")
}

/// `?code=` or `&code=` anywhere: a pasted redirect URL.
fn has_code_param(s: &str) -> bool {
    crate::form::contains(s, "?code=") || crate::form::contains(s, "&code=")
}

/// Splits into the three segments after shape checks, and reports the common wrong inputs precisely.
fn segments(token: &str) -> Result<(&str, &str, &str), Error> {
    if token.is_empty() {
        return Err(Error::jwt("The access token is empty."));
    }
    if token.len() > MAX_JWT_LEN {
        return Err(Error::jwt("The value is too long to be an access token (over 16 KB)."));
    }
    if token.len() > 7 && token.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("bearer ")) {
        return Err(Error::jwt("Pass the access token without the \"Bearer \" prefix."));
    }
    // One pass: count the dots and check that every other byte is base64url.
    let (mut dots, mut clean) = (0usize, true);
    for b in token.bytes() {
        match JWT_CHARS.get(usize::from(b)) {
            Some(2) => dots += 1,
            Some(1) => {}
            _ => clean = false,
        }
    }
    if clean && dots == 2 {
        let mut it = token.split('.');
        if let (Some(h), Some(p), Some(s)) = (it.next(), it.next(), it.next()) {
            if !h.is_empty() && !p.is_empty() {
                return Ok((h, p, s));
            }
        }
    }
    // Not a well-formed JWT: say precisely what it is. A pasted redirect URL (`...?code=...`) is the
    // classic mistake (a clean token cannot contain `?` or `&`, so the fast path never looks).
    if has_code_param(token) {
        return Err(code_not_token(true));
    }
    if dots == 0 {
        if looks_like_v2_token(token) {
            return Err(retired_v2_token());
        }
        // Codes and refresh tokens are 40-odd characters of base64url; shorter or wordier input is
        // neither, and is told only what it is not.
        let opaque = (30..=512).contains(&token.len())
            && token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~' | b'+' | b'/' | b'='));
        if opaque {
            return Err(code_not_token(false));
        }
        return Err(Error::jwt(
            "The value is not a JWT: an access token has three dot-separated parts (it starts with \"eyJ\").",
        ));
    }
    if dots == 4 {
        return Err(Error::jwt(concat!(
            "The token is an encrypted JWT (JWE, five parts); Constant Contact access tokens are signed JWTs ",
            "with three parts."
        )));
    }
    let mut it = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(Error::jwt(concat(&[
            "A JWT has 3 dot-separated parts; this value has ",
            &decimal(dots as u64 + 1),
            ".",
        ])));
    };
    if h.is_empty() || p.is_empty() || !is_b64url(h) || !is_b64url(p) || !is_b64url(s) {
        return Err(Error::jwt("The access token contains characters that are not base64url."));
    }
    Ok((h, p, s))
}

/// Decodes the payload segment into JSON text.
fn payload_text(p: &str) -> Result<String, Error> {
    let bytes = crate::b64::decode_url(p).ok_or_else(|| Error::jwt("The JWT payload is not valid base64url."))?;
    String::from_utf8(bytes).map_err(|_| Error::jwt("The JWT payload is not UTF-8 text."))
}

fn parse_payload(text: &str) -> Result<Value<'_>, Error> {
    json::parse_object(text).map_err(|e| Error::jwt(concat(&["The JWT payload is not a JSON object: ", e.0, "."])))
}

fn numeric_date(v: Option<&Value<'_>>, name: &'static str) -> Result<Option<u64>, Error> {
    match v {
        None => Ok(None),
        Some(Value::Num(n)) if n.is_finite() && *n >= 0.0 && *n <= MAX_NUMERIC_DATE => Ok(Some(*n as u64)),
        Some(_) => {
            Err(Error::jwt(concat(&["The JWT claim `", name, "` is not a valid time (seconds since 1970)."]))
                .field(name))
        }
    }
}

fn string_claim(payload: &Value<'_>, name: &'static str) -> Result<Option<String>, Error> {
    match payload.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(String::from(s.as_ref()))),
        Some(_) => Err(Error::jwt(concat(&["The JWT claim `", name, "` must be a string."])).field(name)),
    }
}

fn string_list(v: &Value<'_>, name: &'static str) -> Result<Vec<String>, Error> {
    match v {
        Value::Str(s) => Ok(s.split(' ').filter(|w| !w.is_empty()).map(String::from).collect()),
        Value::Arr(items) => items
            .iter()
            .map(|i| {
                i.as_str().map(String::from).ok_or_else(|| {
                    Error::jwt(concat(&["The JWT claim `", name, "` must hold only strings."])).field(name)
                })
            })
            .collect(),
        _ => {
            Err(Error::jwt(concat(&["The JWT claim `", name, "` must be a string or an array of strings."]))
                .field(name))
        }
    }
}

fn exp_of(payload: &Value<'_>) -> Result<u64, Error> {
    numeric_date(payload.get("exp"), "exp")?
        .ok_or_else(|| Error::jwt("The JWT has no `exp` claim, so its expiry is unknown.").field("exp"))
}

/// Decodes and type-checks the claims. Does not verify the signature (see [`crate::verify`]). Errors:
/// `invalid_jwt` (with `field` for a claim of the wrong type or a missing `exp`), or
/// `authorization_code_not_token` for the classic mistake; messages never quote the token.
pub fn decode(token: &str) -> Result<Decoded, Error> {
    let (_, p, _) = segments(token)?;
    let payload_json = payload_text(p)?;
    let payload = parse_payload(&payload_json)?;
    let aud = match payload.get("aud") {
        None | Some(Value::Null) => None,
        Some(Value::Str(s)) => Some(Audience::One(String::from(s.as_ref()))),
        Some(v @ Value::Arr(_)) => Some(Audience::Many(string_list(v, "aud")?)),
        Some(_) => return Err(Error::jwt("The JWT claim `aud` must be a string or an array of strings.").field("aud")),
    };
    let scopes = match payload.get("scp") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => string_list(v, "scp")?,
    };
    let claims = Claims {
        iss: string_claim(&payload, "iss")?,
        aud,
        sub: string_claim(&payload, "sub")?,
        exp: exp_of(&payload)?,
        iat: numeric_date(payload.get("iat"), "iat")?,
        nbf: numeric_date(payload.get("nbf"), "nbf")?,
        jti: string_claim(&payload, "jti")?,
        client_id: string_claim(&payload, "cid")?,
        user_id: string_claim(&payload, "uid")?,
        platform_user_id: string_claim(&payload, "platform_user_id")?,
        scopes,
    };
    Ok(Decoded { claims, payload_json })
}

/// `exp` only: the hot path for "is it time to refresh?". The errors of [`decode`], except that claims other
/// than `exp` are not read.
pub fn expires_at(token: &str) -> Result<u64, Error> {
    let (_, p, _) = segments(token)?;
    let text = payload_text(p)?;
    exp_of(&parse_payload(&text)?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    pub fn make(payload: &str) -> String {
        format!(
            "{}.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k1"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    pub const CC_PAYLOAD: &str = concat!(
        r#"{"ver":1,"jti":"AT.x","iss":"https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8","aud":"ht"#,
        r#"tps://api.cc.email/v3","iat":1795454050,"exp":1795540450,"cid":"0b3e6c62-6f1f-4b5e-9a55-8a5a2e2f7c11","u"#,
        r#"id":"00u3a8cd24ff24eb8d7c","scp":["account_read","contact_data","offline_access"],"auth_time":1795454000"#,
        r#","sub":"user@example.com","platform_user_id":"3a8cd24f-f24e-b8d7-c02d-0eb2d46d151a"}"#
    );

    #[test]
    fn decodes_a_cc_token() {
        let d = decode(&make(CC_PAYLOAD)).unwrap();
        let c = &d.claims;
        assert_eq!(c.exp, 1_795_540_450);
        assert_eq!(c.iat, Some(1_795_454_050));
        assert_eq!(c.client_id.as_deref(), Some("0b3e6c62-6f1f-4b5e-9a55-8a5a2e2f7c11"));
        assert_eq!(c.user_id.as_deref(), Some("00u3a8cd24ff24eb8d7c"));
        assert_eq!(c.scopes, ["account_read", "contact_data", "offline_access"]);
        assert_eq!(c.aud, Some(Audience::One("https://api.cc.email/v3".into())));
        assert_eq!(d.payload_json, CC_PAYLOAD);
        assert_eq!(expires_at(&make(CC_PAYLOAD)).unwrap(), 1_795_540_450);
    }

    #[test]
    fn tolerant_shapes() {
        let d = decode(&make(r#"{"exp":1.5e9,"scp":"a b","aud":["x","y"]}"#)).unwrap();
        assert_eq!(d.claims.exp, 1_500_000_000);
        assert_eq!(d.claims.scopes, ["a", "b"]);
        assert_eq!(d.claims.aud, Some(Audience::Many(vec!["x".into(), "y".into()])));
        assert_eq!(decode(&make(r#"{"exp":10.9}"#)).unwrap().claims.exp, 10);
    }

    fn code(token: &str) -> (String, Option<String>) {
        let e = decode(token).unwrap_err();
        assert_eq!(expires_at(token).unwrap_err().code, e.code, "expires_at and decode disagree on {token:?}");
        (e.code.to_string(), e.field_name().map(String::from))
    }

    #[test]
    fn the_classic_mistake_is_named_only_when_likely() {
        for v in ["Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK-0s", "https://app.example/cb?code=abc&state=x"] {
            assert_eq!(code(v).0, codes::AUTHORIZATION_CODE_NOT_TOKEN, "{v}");
        }
        let e = decode("Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK").unwrap_err();
        assert!(e.message.contains("refresh token") && !e.message.contains("Wdvjb7a8"), "{}", e.message);
        let e = decode("https://app.example/cb?code=abc&state=x").unwrap_err();
        assert!(e.message.contains("redirect URL holding an authorization code"), "{}", e.message);
        // Too short or too wordy to be a code: told what it is not.
        for v in ["abc123", "not-a-jwt", "hello world"] {
            let e = decode(v).unwrap_err();
            assert_eq!(e.code, codes::INVALID_JWT, "{v}");
            assert!(!e.message.contains("authorization code"), "{v}: {}", e.message);
        }
        // The retired V2 service's tokens were UUID-shaped.
        let e = decode("3fa85f64-5717-4562-b3fc-2c963f66afa6").unwrap_err();
        assert!(e.message.contains("retired V2"), "{}", e.message);
    }

    #[test]
    fn malformed_tokens_are_invalid_jwt() {
        let bad = [
            "".to_string(),
            "a.b".into(),
            "a.b.c.d".into(),
            "a.b.c.d.e".into(),
            "a.b.c.d.e.f".into(),
            "Bearer x.y.z".into(),
            "..".into(),
            "a!.b.c".into(),
            "eyJhbGciOiJub25lIn0.%%%.sig".into(),
            "eyJhbGciOiJub25lIn0.e.sig".into(),  // bad base64url length
            "eyJhbGciOiJub25lIn0.eB.sig".into(), // non-canonical trailing bits
            format!("h.{}.s", URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0x7b])), // not UTF-8
            make("not json"),
            make("[1,2]"),
            make("\"str\""),
            make("null"),
            make("{}"),
            make(r#"{"exp":"1795540450"}"#),
            make(r#"{"exp":-1}"#),
            make(r#"{"exp":1e300}"#),
            make(r#"{"exp":253402300800}"#),
            make(r#"{"exp":null}"#),
            make(r#"{"exp":1,"exp":2}"#),
            make(&format!("{}{}", "[".repeat(40), "]".repeat(40))),
            "x".repeat(MAX_JWT_LEN + 1),
            format!("a.{}.c", "b".repeat(MAX_JWT_LEN)),
        ];
        for t in &bad {
            let (c, _) = code(t);
            assert_eq!(c, codes::INVALID_JWT, "{t:.60}");
        }
        assert_eq!(code(&make(r#"{"iat":1}"#)).1.as_deref(), Some("exp"));
        // Wrongly typed claims other than exp fail the full decode; the exp-only fast path does not read them.
        for (payload, field) in [
            (r#"{"exp":1,"cid":5}"#, "cid"),
            (r#"{"exp":1,"scp":[1]}"#, "scp"),
            (r#"{"exp":1,"aud":{}}"#, "aud"),
            (r#"{"exp":1,"iat":"x"}"#, "iat"),
        ] {
            let e = decode(&make(payload)).unwrap_err();
            assert_eq!((e.code.as_ref(), e.field_name()), (codes::INVALID_JWT, Some(field)));
            assert_eq!(expires_at(&make(payload)).unwrap(), 1);
        }
    }

    #[test]
    fn error_messages_never_contain_the_token() {
        let payload = r#"{"exp":"SECRETPAYLOAD"}"#;
        let t = make(payload);
        let e = decode(&t).unwrap_err();
        assert!(!format!("{e:?}").contains("SECRETPAYLOAD"));
    }
}
