//! Verifying a Constant Contact access token, minus the RSA arithmetic (done by WebCrypto in the JS
//! layer, never in Rust): the header must say RS256, the key comes from the key set by `kid`, and the
//! claims must match: `iss` (CC's identity issuer, not the authz host), `aud`, `exp`, `cid`.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{codes, Error};
use crate::http;
use crate::json::{self, ObjectWriter, Value};
use crate::jwt::{Audience, Claims, Decoded};

/// The key set is fetched again when older than this (seconds)...
pub const JWKS_MAX_AGE_SECS: u64 = 600;
/// ...or on an unknown `kid`, if the copy is older than this (seconds; keys rotate; a forged kid must not
/// make every call fetch).
pub const JWKS_COOLDOWN_SECS: u64 = 30;

fn bad_signature(message: &'static str) -> Error {
    Error::new(codes::JWT_SIGNATURE_INVALID, message)
}

/// A token read for verification: everything WebCrypto needs, and the verdict on its claims, decided
/// before the signature is checked but reported only after it verified (a forged token is reported as
/// forged, whatever its claims say).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The key id to look up in [`read_key_set`]'s output: the token's `kid`, or `""` without one.
    pub key_id: String,
    /// `header.payload` is `token[..signed_len]`: the bytes the signature covers.
    pub signed_len: usize,
    /// The RS256 signature's bytes.
    pub signature: Vec<u8>,
    /// The token, decoded.
    pub decoded: Decoded,
    /// The claims against [`Expect`]: the warnings when they pass, else the error to report once the
    /// signature verified.
    pub verdict: Result<Vec<&'static str>, Error>,
}

/// Checks the header and splits out what WebCrypto needs; the payload is decoded once and its claims
/// checked against `expect`. Only RS256 is accepted: `none`, HMAC and every other algorithm are refused
/// before any key is looked at. Errors: the decode's ([`crate::jwt::decode`]), `jwt_signature_invalid` for
/// another algorithm, `crit` parameters or a missing or malformed signature, `invalid_jwt` for a
/// malformed header.
pub fn prepare(token: &str, expect: Expect<'_>) -> Result<Prepared, Error> {
    let decoded = crate::jwt::decode(token)?; // shape, payload and claim types, with the precise errors
    let (signing_input, sig) = token.rsplit_once('.').ok_or_else(|| Error::jwt("The access token is not a JWT."))?;
    let header_b64 = signing_input.split('.').next().unwrap_or("");
    let header_bytes =
        crate::b64::decode_url(header_b64).ok_or_else(|| Error::jwt("The JWT header is not valid base64url."))?;
    let header_text =
        core::str::from_utf8(&header_bytes).map_err(|_| Error::jwt("The JWT header is not UTF-8 text."))?;
    let header = json::parse_object(header_text).map_err(|_| Error::jwt("The JWT header is not a JSON object."))?;
    match header.get("alg").and_then(Value::as_str) {
        Some("RS256") => {}
        Some("none") => return Err(bad_signature("The token is unsigned (alg \"none\"); it is refused.")),
        _ => {
            return Err(bad_signature(
                "The token is not signed with RS256, the only algorithm Constant Contact uses; it is refused.",
            ))
        }
    }
    if header.get("crit").is_some() {
        return Err(bad_signature(
            "The token has critical header parameters this library does not understand; it is refused.",
        ));
    }
    let key_id = match header.get("kid") {
        None => String::new(),
        Some(Value::Str(k)) => String::from(k.as_ref()),
        Some(_) => return Err(Error::jwt("The JWT header's kid is not a string.")),
    };
    let signature =
        crate::b64::decode_url(sig).ok_or_else(|| bad_signature("The JWT signature is not valid base64url."))?;
    if signature.is_empty() {
        return Err(bad_signature("The token has no signature."));
    }
    let verdict = check_claims(&decoded.claims, expect);
    Ok(Prepared { key_id, signed_len: signing_input.len(), signature, decoded, verdict })
}

/// The key set, read once: its usable RSA signing keys as `{"<kid>": {"kty","n","e"}}` JSON (the JWK
/// members WebCrypto's `importKey` needs). A set whose only usable key has no `kid` (or has exactly one
/// usable key) also lists it under `""`, the id a token without `kid` selects. Anything that is not an
/// RSA signing key for RS256 is left out here, so selection in the JS layer is a lookup. Errors:
/// `invalid_response` for a body that is not a key set.
pub fn read_key_set(jwks: &str) -> Result<String, Error> {
    let v = http::json_object(200, jwks)?;
    let Some(Value::Arr(keys)) = v.get("keys") else {
        return Err(http::invalid_response(200, Some("keys"), "The key set has no `keys` array.", jwks));
    };
    let text = |k: &Value<'_>, name: &str| k.get(name).and_then(Value::as_str).map(String::from);
    let usable: Vec<(Option<String>, String, String)> = keys
        .iter()
        .filter(|k| {
            k.get("kty").and_then(Value::as_str) == Some("RSA")
                && k.get("use").and_then(Value::as_str).is_none_or(|u| u == "sig")
                && k.get("alg").and_then(Value::as_str).is_none_or(|a| a == "RS256")
        })
        .filter_map(|k| Some((text(k, "kid"), text(k, "n")?, text(k, "e")?)))
        .collect();
    let mut out = String::new();
    let mut w = ObjectWriter::new(&mut out);
    let jwk = |w: &mut ObjectWriter<'_>, id: &str, n: &str, e: &str| {
        let mut o = String::new();
        ObjectWriter::new(&mut o).str("kty", "RSA").str("n", n).str("e", e).end();
        w.raw(id, &o);
    };
    for (kid, n, e) in &usable {
        if let Some(kid) = kid {
            jwk(&mut w, kid, n, e);
        }
    }
    if let [(_, n, e)] = usable.as_slice() {
        jwk(&mut w, "", n, e);
    }
    w.end();
    Ok(out)
}

/// What the claims must say.
#[derive(Debug, Clone, Copy)]
pub struct Expect<'a> {
    /// `iss`: the configured issuer.
    pub issuer: &'a str,
    /// `aud` (or one of them): the configured audience.
    pub audience: &'a str,
    /// `cid`: this application.
    pub client_id: &'a str,
    /// This machine's clock (seconds), for `exp` and `nbf`.
    pub now: u64,
    /// Tolerance for clock skew: a token is still accepted up to this many seconds after `exp` (the
    /// opposite direction of the session's early refresh).
    pub tolerance: u64,
    /// Scopes `scp` must hold.
    pub required_scopes: &'a [String],
}

/// The token's user is a login without a Constant Contact account behind it.
pub const WARN_UNASSIGNED: &str = concat!(
    "platform_user_unassigned: the token's platform_user_id is UNASSIGNED: the user signed in as a login ",
    "that is not linked to a Constant Contact account, so API calls will not reach the intended account. ",
    "Ask them to authorize again with the right login (authorizationUrl({ prompt: \"login\" }))."
);

fn mismatch(field: &'static str, message: &'static str) -> Error {
    Error::new(codes::CLAIM_MISMATCH, message).field(field)
}

/// Checks the claims of a token whose signature has been verified: the warnings ([`WARN_UNASSIGNED`])
/// when they pass; else `claim_mismatch` naming the claim, or `jwt_expired` past `exp` and the tolerance.
pub fn check_claims(c: &Claims, x: Expect<'_>) -> Result<Vec<&'static str>, Error> {
    if c.iss.as_deref() != Some(x.issuer) {
        let retired = c.iss.as_deref().is_some_and(|i| {
            crate::form::contains(i, "idfed.constantcontact.com")
                || crate::form::contains(i, "oauth2.constantcontact.com")
        });
        return Err(mismatch("iss", "The token's issuer (iss) is not the configured one.").hint(if retired {
            concat!(
                "The token comes from Constant Contact's retired OAuth service (idfed / oauth2.constantcontact.com), ",
                "which ended on 2022-03-31: authorize the user again through authz.constantcontact.com."
            )
        } else {
            concat!(
                "Constant Contact's tokens are issued by https://identity.constantcontact.com/oauth2/",
                "aus1lm3ry9mF7x2Ja0h8, not by the authz. host; for another server set `endpoints.issuer`."
            )
        }));
    }
    let aud_ok = match &c.aud {
        Some(Audience::One(a)) => a == x.audience,
        Some(Audience::Many(list)) => list.iter().any(|a| a == x.audience),
        None => false,
    };
    if !aud_ok {
        return Err(mismatch("aud", "The token is not meant for the Constant Contact API (aud)."));
    }
    if x.now > c.exp.saturating_add(x.tolerance) {
        return Err(Error::new(
            codes::JWT_EXPIRED,
            "The access token has expired. Refresh it (auth.refresh) or authorize again.",
        )
        .field("exp"));
    }
    if c.nbf.is_some_and(|nbf| nbf > x.now.saturating_add(x.tolerance)) {
        return Err(mismatch("nbf", "The token is not valid yet (nbf); check this machine's clock."));
    }
    if c.client_id.as_deref() != Some(x.client_id) {
        return Err(mismatch("cid", "The token was issued to another application (cid is not your clientId)."));
    }
    if x.required_scopes.iter().any(|s| !c.scopes.contains(s)) {
        return Err(mismatch(
            "scp",
            "The token lacks a required scope (scp); authorize again with the scopes you need.",
        ));
    }
    let mut warnings = Vec::new();
    if c.platform_user_id.as_deref() == Some("UNASSIGNED") {
        warnings.push(WARN_UNASSIGNED);
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::{decode, tests::make};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    fn expect() -> Expect<'static> {
        Expect { issuer: "I", audience: "A", client_id: "C", now: 50, tolerance: 60, required_scopes: &[] }
    }

    #[test]
    fn header_rules() {
        let good = make(r#"{"exp":1}"#);
        let p = prepare(&good, expect()).unwrap();
        assert_eq!(p.key_id, "k1");
        assert_eq!(&good[..p.signed_len], good.rsplit_once('.').unwrap().0);
        assert_eq!(p.signature, b"signature");
        assert_eq!(p.verdict.unwrap_err().field_name(), Some("iss"), "the claims are judged, not thrown");
        let with = |header: &str| {
            format!("{}.{}.c2ln", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(r#"{"exp":1}"#))
        };
        for (h, code) in [
            (r#"{"alg":"none"}"#, codes::JWT_SIGNATURE_INVALID),
            (r#"{"alg":"HS256"}"#, codes::JWT_SIGNATURE_INVALID),
            (r#"{"alg":"RS256","crit":["x"]}"#, codes::JWT_SIGNATURE_INVALID),
            (r#"{"kid":"k"}"#, codes::JWT_SIGNATURE_INVALID),
            ("nope", codes::INVALID_JWT),
        ] {
            assert_eq!(prepare(&with(h), expect()).unwrap_err().code, code, "{h}");
        }
        assert_eq!(prepare(&with(r#"{"alg":"RS256"}"#), expect()).unwrap().key_id, "", "no kid: the empty id");
        let unsigned =
            format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#), URL_SAFE_NO_PAD.encode(r#"{"exp":1}"#));
        assert_eq!(prepare(&unsigned, expect()).unwrap_err().code, codes::JWT_SIGNATURE_INVALID);
    }

    #[test]
    fn the_key_set_is_read_once_into_usable_keys() {
        let jwks = concat!(
            r#"{"keys":[{"kty":"EC","kid":"a","crv":"P-256","x":"x","y":"y"},{"kty":"RSA","kid":"a","use":"enc","n""#,
            r#":"n1","e":"e"},{"kty":"RSA","kid":"a","n":"n2","e":"e","alg":"RS256"},{"kty":"RSA","kid":"b","n":"n3"#,
            r#"","e":"e"}]}"#
        );
        assert_eq!(
            read_key_set(jwks).unwrap(),
            r#"{"a":{"kty":"RSA","n":"n2","e":"e"},"b":{"kty":"RSA","n":"n3","e":"e"}}"#,
            "only RSA signing keys; no \"\" entry when there are several"
        );
        assert_eq!(
            read_key_set(r#"{"keys":[{"kty":"RSA","n":"n","e":"e"}]}"#).unwrap(),
            r#"{"":{"kty":"RSA","n":"n","e":"e"}}"#
        );
        assert_eq!(
            read_key_set(r#"{"keys":[{"kty":"RSA","kid":"k","n":"n","e":"e"}]}"#).unwrap(),
            r#"{"k":{"kty":"RSA","n":"n","e":"e"},"":{"kty":"RSA","n":"n","e":"e"}}"#
        );
        assert_eq!(read_key_set(r#"{"nokeys":1}"#).unwrap_err().code, codes::INVALID_RESPONSE);
        assert_eq!(read_key_set("<html>").unwrap_err().code, codes::INVALID_RESPONSE);
    }

    #[test]
    fn claim_rules() {
        let c =
            decode(&make(r#"{"iss":"I","aud":"A","exp":100,"cid":"C","scp":["x"],"platform_user_id":"UNASSIGNED"}"#))
                .unwrap()
                .claims;
        let x = expect();
        assert_eq!(check_claims(&c, x).unwrap(), [WARN_UNASSIGNED]);
        assert!(check_claims(&c, Expect { now: 160, ..x }).is_ok(), "within the tolerance after exp");
        assert_eq!(check_claims(&c, Expect { now: 161, ..x }).unwrap_err().code, codes::JWT_EXPIRED);
        for (x, field) in [
            (Expect { issuer: "https://authz.constantcontact.com/oauth2/default", ..x }, "iss"),
            (Expect { audience: "B", ..x }, "aud"),
            (Expect { client_id: "D", ..x }, "cid"),
            (Expect { required_scopes: &["y".into()], ..x }, "scp"),
        ] {
            let e = check_claims(&c, x).unwrap_err();
            assert_eq!((e.code.as_ref(), e.field_name()), (codes::CLAIM_MISMATCH, Some(field)));
        }
        let retired = decode(&make(r#"{"iss":"https://idfed.constantcontact.com","exp":100}"#)).unwrap().claims;
        assert!(check_claims(&retired, x).unwrap_err().hint.unwrap().contains("retired"));
    }
}
