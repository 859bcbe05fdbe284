//! Verifying a Constant Contact access token, minus the RSA arithmetic (done by WebCrypto in the JS
//! layer, never in Rust): the header must say RS256, the key comes from the key set by `kid`, and the
//! claims must match: `iss` (CC's identity issuer, not the authz host), `aud`, `exp`, `cid`.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{codes, Error};
use crate::http;
use crate::json::{self, Value};
use crate::jwt::{Audience, Claims};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared<'a> {
    pub kid: Option<String>,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
    pub signature: Vec<u8>,
}

fn bad_signature(message: &'static str) -> Error {
    Error::new(codes::JWT_SIGNATURE_INVALID, message)
}

/// Checks the header and splits out what WebCrypto needs. Only RS256 is accepted: `none`, HMAC and every
/// other algorithm are refused before any key is looked at.
pub fn prepare(token: &str) -> Result<Prepared<'_>, Error> {
    crate::jwt::expires_at(token)?; // shape, payload and exp, with the precise errors
    let (signing_input, sig) = token.rsplit_once('.').ok_or_else(|| Error::jwt("The access token is not a JWT."))?;
    let header_b64 = signing_input.split('.').next().unwrap_or("");
    let header_bytes = crate::b64::decode_url(header_b64).ok_or_else(|| Error::jwt("The JWT header is not valid base64url."))?;
    let header_text = core::str::from_utf8(&header_bytes).map_err(|_| Error::jwt("The JWT header is not UTF-8 text."))?;
    let header = json::parse_object(header_text).map_err(|_| Error::jwt("The JWT header is not a JSON object."))?;
    match header.get("alg").and_then(Value::as_str) {
        Some("RS256") => {}
        Some("none") => return Err(bad_signature("The token is unsigned (alg \"none\"); it is refused.")),
        _ => return Err(bad_signature("The token is not signed with RS256, the only algorithm Constant Contact uses; it is refused.")),
    }
    if header.get("crit").is_some() {
        return Err(bad_signature("The token has critical header parameters this library does not understand; it is refused."));
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::Str(k)) => Some(String::from(k.as_ref())),
        Some(_) => return Err(Error::jwt("The JWT header's kid is not a string.")),
    };
    let signature = crate::b64::decode_url(sig).ok_or_else(|| bad_signature("The JWT signature is not valid base64url."))?;
    if signature.is_empty() {
        return Err(bad_signature("The token has no signature."));
    }
    Ok(Prepared { kid, signing_input, signature })
}

/// The index in `keys` of the RSA signing key for `kid` (or of the only one, when the token names none).
/// `Ok(None)`: no such key (the caller may refetch the key set once).
pub fn select_key(jwks: &str, kid: Option<&str>) -> Result<Option<usize>, Error> {
    let v = http::json_object(200, jwks)?;
    let Some(Value::Arr(keys)) = v.get("keys") else {
        return Err(http::invalid_response(200, Some("keys"), "The key set has no `keys` array.", jwks));
    };
    let usable = |k: &Value<'_>| {
        k.get("kty").and_then(Value::as_str) == Some("RSA")
            && k.get("use").and_then(Value::as_str).is_none_or(|u| u == "sig")
            && k.get("alg").and_then(Value::as_str).is_none_or(|a| a == "RS256")
            && k.get("n").and_then(Value::as_str).is_some()
            && k.get("e").and_then(Value::as_str).is_some()
    };
    let mut candidates = keys.iter().enumerate().filter(|(_, k)| usable(k));
    match kid {
        Some(kid) => Ok(candidates.find(|(_, k)| k.get("kid").and_then(Value::as_str) == Some(kid)).map(|(i, _)| i)),
        None => {
            let first = candidates.next();
            Ok(if candidates.next().is_none() { first.map(|(i, _)| i) } else { None })
        }
    }
}

pub fn key_not_found() -> Error {
    Error::new(codes::JWKS_KEY_NOT_FOUND, "No key in the key set matches the token's `kid`, even after fetching the key set again. The token was not signed by this authorization server (check `endpoints.jwks`).")
}

/// What the claims must say.
#[derive(Debug, Clone, Copy)]
pub struct Expect<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub client_id: &'a str,
    pub now: u64,
    /// Tolerance for clock skew: a token is still accepted up to this many seconds after `exp`.
    pub leeway: u64,
    pub required_scopes: &'a [String],
}

pub const WARN_UNASSIGNED: &str = "platform_user_unassigned: the token's platform_user_id is UNASSIGNED: the user signed in as a login that is not linked to a Constant Contact account, so API calls will not reach the intended account. Ask them to authorize again with the right login (prompt: \"login\").";

fn mismatch(field: &'static str, message: &'static str) -> Error {
    Error::new(codes::CLAIM_MISMATCH, message).field(field)
}

/// Checks the claims of a token whose signature has been verified. Returns warnings.
pub fn check_claims(c: &Claims, x: Expect<'_>) -> Result<Vec<&'static str>, Error> {
    if c.iss.as_deref() != Some(x.issuer) {
        return Err(mismatch("iss", "The token's issuer (iss) is not the configured one.")
            .hint("Constant Contact's tokens are issued by https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8, not by the authz. host; for another server set `endpoints.issuer`."));
    }
    let aud_ok = match &c.aud {
        Some(Audience::One(a)) => a == x.audience,
        Some(Audience::Many(list)) => list.iter().any(|a| a == x.audience),
        None => false,
    };
    if !aud_ok {
        return Err(mismatch("aud", "The token is not meant for the Constant Contact API (aud)."));
    }
    if x.now > c.exp.saturating_add(x.leeway) {
        return Err(Error::new(codes::JWT_EXPIRED, "The access token has expired. Refresh it (auth.refresh) or authorize again.").field("exp"));
    }
    if c.nbf.is_some_and(|nbf| nbf > x.now.saturating_add(x.leeway)) {
        return Err(mismatch("nbf", "The token is not valid yet (nbf); check this machine's clock."));
    }
    if c.client_id.as_deref() != Some(x.client_id) {
        return Err(mismatch("cid", "The token was issued to another application (cid is not your clientId)."));
    }
    if x.required_scopes.iter().any(|s| !c.scopes.contains(s)) {
        return Err(mismatch("scp", "The token lacks a required scope (scp); authorize again with the scopes you need."));
    }
    let mut warnings = Vec::new();
    if c.platform_user_id.as_deref() == Some("UNASSIGNED") {
        warnings.push(WARN_UNASSIGNED);
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use super::*;
    use crate::jwt::{decode, tests::make};

    #[test]
    fn header_rules() {
        let good = make(r#"{"exp":1}"#);
        let p = prepare(&good).unwrap();
        assert_eq!(p.kid.as_deref(), Some("k1"));
        assert_eq!(p.signing_input, good.rsplit_once('.').unwrap().0);
        assert_eq!(p.signature, b"signature");
        let with = |header: &str| format!("{}.{}.c2ln", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(r#"{"exp":1}"#));
        for (h, code) in [
            (r#"{"alg":"none"}"#, codes::JWT_SIGNATURE_INVALID),
            (r#"{"alg":"HS256"}"#, codes::JWT_SIGNATURE_INVALID),
            (r#"{"alg":"RS256","crit":["x"]}"#, codes::JWT_SIGNATURE_INVALID),
            (r#"{"kid":"k"}"#, codes::JWT_SIGNATURE_INVALID),
            ("nope", codes::INVALID_JWT),
        ] {
            assert_eq!(prepare(&with(h)).unwrap_err().code, code, "{h}");
        }
        let unsigned = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#), URL_SAFE_NO_PAD.encode(r#"{"exp":1}"#));
        assert_eq!(prepare(&unsigned).unwrap_err().code, codes::JWT_SIGNATURE_INVALID);
    }

    #[test]
    fn key_selection() {
        let jwks = r#"{"keys":[{"kty":"EC","kid":"a","crv":"P-256","x":"x","y":"y"},{"kty":"RSA","kid":"a","use":"enc","n":"n","e":"e"},{"kty":"RSA","kid":"a","n":"n","e":"e","alg":"RS256"},{"kty":"RSA","kid":"b","n":"n","e":"e"}]}"#;
        assert_eq!(select_key(jwks, Some("a")).unwrap(), Some(2));
        assert_eq!(select_key(jwks, Some("b")).unwrap(), Some(3));
        assert_eq!(select_key(jwks, Some("z")).unwrap(), None);
        assert_eq!(select_key(jwks, None).unwrap(), None, "ambiguous without a kid");
        assert_eq!(select_key(r#"{"keys":[{"kty":"RSA","n":"n","e":"e"}]}"#, None).unwrap(), Some(0));
        assert_eq!(select_key(r#"{"nokeys":1}"#, None).unwrap_err().code, codes::INVALID_RESPONSE);
        assert_eq!(select_key("<html>", None).unwrap_err().code, codes::INVALID_RESPONSE);
    }

    #[test]
    fn claim_rules() {
        let c = decode(&make(r#"{"iss":"I","aud":"A","exp":100,"cid":"C","scp":["x"],"platform_user_id":"UNASSIGNED"}"#)).unwrap().claims;
        let x = Expect { issuer: "I", audience: "A", client_id: "C", now: 50, leeway: 60, required_scopes: &[] };
        assert_eq!(check_claims(&c, x).unwrap(), [WARN_UNASSIGNED]);
        assert!(check_claims(&c, Expect { now: 160, ..x }).is_ok(), "within leeway after exp");
        assert_eq!(check_claims(&c, Expect { now: 161, ..x }).unwrap_err().code, codes::JWT_EXPIRED);
        for (x, field) in [
            (Expect { issuer: "https://authz.constantcontact.com/oauth2/default", ..x }, "iss"),
            (Expect { audience: "B", ..x }, "aud"),
            (Expect { client_id: "D", ..x }, "cid"),
            (Expect { required_scopes: &["y".into()], ..x }, "scp"),
        ] {
            let e = check_claims(&c, x).unwrap_err();
            assert_eq!((e.code.as_ref(), e.field), (codes::CLAIM_MISMATCH, Some(field)));
        }
    }
}
