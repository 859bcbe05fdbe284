//! Constant Contact's production endpoints and scopes, and the rules for overriding them.
//!
//! Hard-coded rather than discovered: CC's discovery documents are reported missing, and its access
//! tokens are issued by the `identity.` host while every endpoint lives on `authz.`, so an issuer-strict
//! discovery client would reject the real service.

use alloc::string::String;

use crate::error::{codes, concat, Error};
use crate::form::{is_loopback_host, split_url};

/// The data scopes Constant Contact documents, and `offline_access` (needed for a refresh token).
pub const SCOPES: [&str; 5] = ["account_read", "account_update", "contact_data", "campaign_data", "offline_access"];
/// The scope that asks for a refresh token.
pub const OFFLINE_ACCESS: &str = "offline_access";

/// Endpoint names as they appear in JS (`ENDPOINTS.deviceAuthorize`) and in the `endpoints` option, in
/// the order of [`Endpoints::entries`]; the binding's result contract lists the same, so they cannot drift.
pub const NAMES: [&str; 9] =
    ["authorize", "token", "deviceAuthorize", "revoke", "jwks", "issuer", "redirectIssuer", "audience", "apiBase"];

/// Where each step goes, and what the tokens' claims must name. [`Default`] is Constant Contact's
/// production service; each override is checked ([`Endpoints::set`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Where the user's browser is sent (step 1 of the redirect flows).
    pub authorize: String,
    /// The token endpoint: code exchange, refresh, device-code polls.
    pub token: String,
    /// Where a device authorization starts (RFC 8628).
    pub device_authorize: String,
    /// Revocation (RFC 7009).
    pub revoke: String,
    /// The key set access tokens are verified with.
    pub jwks: String,
    /// The access token's `iss`. Not the `authz.` host: CC's tokens name the Okta server on `identity.`.
    pub issuer: String,
    /// The `iss` a redirect may carry (RFC 9207). Constant Contact sends none that we know of; when one
    /// comes it is checked against this, which is the token issuer unless set apart: two settings, so
    /// fixing one never breaks the other.
    pub redirect_issuer: String,
    /// The access token's `aud`.
    pub audience: String,
    /// The V3 API, the only place the access token is sent to.
    pub api_base: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            authorize: "https://authz.constantcontact.com/oauth2/default/v1/authorize".into(),
            token: "https://authz.constantcontact.com/oauth2/default/v1/token".into(),
            device_authorize: "https://authz.constantcontact.com/oauth2/default/v1/device/authorize".into(),
            revoke: "https://authz.constantcontact.com/oauth2/default/v1/revoke".into(),
            jwks: "https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8/v1/keys".into(),
            issuer: "https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8".into(),
            redirect_issuer: "https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8".into(),
            audience: "https://api.cc.email/v3".into(),
            api_base: "https://api.cc.email/v3".into(),
        }
    }
}

impl Endpoints {
    /// All entries as (JS name, value), in [`NAMES`] order.
    pub fn entries(&self) -> [(&'static str, &str); 9] {
        [
            ("authorize", &self.authorize),
            ("token", &self.token),
            ("deviceAuthorize", &self.device_authorize),
            ("revoke", &self.revoke),
            ("jwks", &self.jwks),
            ("issuer", &self.issuer),
            ("redirectIssuer", &self.redirect_issuer),
            ("audience", &self.audience),
            ("apiBase", &self.api_base),
        ]
    }

    fn slot(&mut self, name: &str) -> Option<(&'static str, &mut String)> {
        Some(match name {
            "authorize" => ("authorize", &mut self.authorize),
            "token" => ("token", &mut self.token),
            "deviceAuthorize" => ("deviceAuthorize", &mut self.device_authorize),
            "revoke" => ("revoke", &mut self.revoke),
            "jwks" => ("jwks", &mut self.jwks),
            "issuer" => ("issuer", &mut self.issuer),
            "redirectIssuer" => ("redirectIssuer", &mut self.redirect_issuer),
            "audience" => ("audience", &mut self.audience),
            "apiBase" => ("apiBase", &mut self.api_base),
            _ => return None,
        })
    }

    /// Constant Contact's endpoints with `overrides` by their JS names, each validated ([`Endpoints::set`]'s
    /// errors). The redirect issuer follows the token issuer unless it is set itself.
    pub fn with_overrides(overrides: &[(String, String)], allow_insecure_loopback: bool) -> Result<Self, Error> {
        let mut e = Endpoints::default();
        for (name, value) in overrides {
            e.set(name, value.clone(), allow_insecure_loopback)?;
        }
        if !overrides.iter().any(|(n, _)| n == "redirectIssuer") {
            e.redirect_issuer = e.issuer.clone();
        }
        Ok(e)
    }

    /// Replaces one endpoint by its JS name, validating the new value: an unknown name is [`unknown`]'s
    /// error; a URL must pass [`check_fetchable`]; `issuer`, `redirectIssuer` and `audience` (compared
    /// with claims, never fetched) must be non-empty, at most 2048 characters.
    pub fn set(&mut self, name: &str, value: String, allow_insecure_loopback: bool) -> Result<(), Error> {
        let Some((field, slot)) = self.slot(name) else {
            return Err(unknown(name));
        };
        // issuer, redirectIssuer and audience are identifiers compared with claims, never fetched.
        if matches!(field, "issuer" | "redirectIssuer" | "audience") {
            if value.is_empty() || value.len() > 2048 {
                return Err(Error::config(field, concat(&["`endpoints.", field, "` must be a non-empty string."])));
            }
        } else {
            check_fetchable(field, &value, allow_insecure_loopback)?;
        }
        *slot = value;
        Ok(())
    }
}

/// A host that means the same to `fetch` (a WHATWG URL parser) as to these checks: ASCII letters, digits,
/// dots and hyphens, no percent-escapes or non-ASCII (which WHATWG decodes and punycodes), and a numeric
/// last label only in a canonical dotted quad (WHATWG reads `0x7f.1` or `2130706433` as 127.0.0.1).
fn host_is_plain(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return ipv6_is_valid(inner);
    }
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') {
        return false;
    }
    let last = host.trim_end_matches('.').rsplit('.').next().unwrap_or("");
    let numeric =
        last.bytes().all(|b| b.is_ascii_digit()) || last.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"));
    if !numeric {
        return true;
    }
    let mut labels = 0;
    for part in host.split('.') {
        labels += 1;
        let canonical = !part.is_empty() && part.len() <= 3 && part.bytes().all(|b| b.is_ascii_digit());
        if !canonical || (part.len() > 1 && part.starts_with('0')) || part.parse::<u16>().map_or(true, |n| n > 255) {
            return false;
        }
    }
    labels == 4
}

/// An IPv6 address WHATWG parses (url_diff found `[1]`, `[:::]` and nine groups accepted): groups of one
/// to four hex digits, eight of them, or at most seven with one `::`. No embedded IPv4 (`::ffff:1.2.3.4`):
/// refused, as the form `fetch` would connect to is then not the one written.
fn ipv6_is_valid(s: &str) -> bool {
    let compressions = s.as_bytes().windows(2).filter(|w| *w == b"::").count();
    let mut groups = 0;
    for g in s.split(':').filter(|g| !g.is_empty()) {
        if g.len() > 4 || !g.bytes().all(|b| b.is_ascii_hexdigit()) {
            return false;
        }
        groups += 1;
    }
    // A lone colon at either end is not part of a `::`; inside, an empty group can only be one.
    let ends_ok = (!s.starts_with(':') || s.starts_with("::")) && (!s.ends_with(':') || s.ends_with("::"));
    ends_ok && if compressions == 1 { groups <= 7 } else { compressions == 0 && groups == 8 }
}

/// No port, an empty one (`host:`), or a decimal number up to 65535 (leading zeros allowed, as WHATWG
/// does). url_diff found `:+1`, `:65536` and `:1:2` accepted, which `fetch` refuses.
fn port_is_valid(port: &str) -> bool {
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(p) => p.bytes().all(|b| b.is_ascii_digit()) && (p.is_empty() || p.parse::<u16>().is_ok()),
    }
}

/// The error (`invalid_config`, field `endpoints` or the key itself when printable) for an `endpoints` key
/// that is not one of [`NAMES`], naming the likely one.
pub fn unknown(name: &str) -> Error {
    let mut e = match crate::suggest::suggestion(name, &NAMES) {
        Some(s) => Error::config("endpoints", concat(&["Unknown key in `endpoints`; use `", s, "`."])),
        None => Error::config(
            "endpoints",
            concat!(
                "Unknown key in `endpoints`. Valid keys: authorize, token, deviceAuthorize, revoke, jwks, ",
                "issuer, redirectIssuer, audience, apiBase."
            ),
        ),
    };
    if name.len() <= 40 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') && !name.is_empty() {
        e.field = Some(alloc::borrow::Cow::Owned(String::from(name)));
    }
    e
}

/// A URL this library will call or send a user to: absolute, https (http only for loopback hosts and only
/// when allowed), no credentials in it, no fragment, a host and port that `fetch` reads the same way.
/// Errors name `field`: `invalid_config` for a malformed URL, `insecure_endpoint` for plain http.
pub fn check_fetchable(field: &'static str, url: &str, allow_insecure_loopback: bool) -> Result<(), Error> {
    let bad = |m: &'static str| Error::config(field, concat(&["`endpoints.", field, "` ", m]));
    if url.len() > 2048 {
        return Err(bad("is too long (over 2048 characters)."));
    }
    let Some(parts) = split_url(url) else {
        return Err(bad("must be an absolute URL such as https://host/path."));
    };
    if parts.host.is_empty() {
        return Err(bad("must be an absolute URL such as https://host/path."));
    }
    if !host_is_plain(parts.host) {
        return Err(bad(concat!(
            "must name its host plainly: letters, digits, dots and hyphens (or an [IPv6] address), an IPv4 ",
            "address only as four decimal numbers."
        )));
    }
    if !port_is_valid(parts.port) {
        return Err(bad("has an invalid port: after the host, only `:` and a number up to 65535."));
    }
    if parts.has_userinfo {
        return Err(bad("must not contain credentials (user:password@)."));
    }
    if parts.fragment.is_some() {
        return Err(bad("must not contain a #fragment."));
    }
    if parts.scheme.eq_ignore_ascii_case("https") {
        return Ok(());
    }
    if parts.scheme.eq_ignore_ascii_case("http") && is_loopback_host(parts.host) {
        if allow_insecure_loopback {
            return Ok(());
        }
        return Err(Error::new(
            codes::INSECURE_ENDPOINT,
            concat(&[
                "`endpoints.",
                field,
                "` uses http://. Use https://, or set `allowInsecureLoopback: true` for a local test server ",
                "on 127.0.0.1 or localhost.",
            ]),
        )
        .field(field));
    }
    Err(Error::new(
        codes::INSECURE_ENDPOINT,
        concat(&[
            "`endpoints.",
            field,
            "` must use https://; plain http is allowed only for loopback hosts with `allowInsecureLoopback: true`.",
        ]),
    )
    .field(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_constant_contacts() {
        let e = Endpoints::default();
        assert_eq!(e.token, "https://authz.constantcontact.com/oauth2/default/v1/token");
        assert!(!e.issuer.contains("authz."), "CC's tokens are issued by the identity host");
        assert_eq!(e.entries().map(|(k, _)| k), NAMES);
        for (name, url) in e.entries() {
            if !matches!(name, "issuer" | "audience") {
                check_fetchable("x", url, false).unwrap();
            }
        }
    }

    #[test]
    fn overrides_are_validated() {
        let mut e = Endpoints::default();
        e.set("token", "http://127.0.0.1:4455/oauth2/default/v1/token".into(), true).unwrap();
        assert_eq!(e.token, "http://127.0.0.1:4455/oauth2/default/v1/token");
        let err = e.set("token", "http://127.0.0.1:1/t".into(), false).unwrap_err();
        assert_eq!((err.code.as_ref(), err.field_name()), (codes::INSECURE_ENDPOINT, Some("token")));
        let err = e.set("token", "http://example.com/t".into(), true).unwrap_err();
        assert_eq!(err.code, codes::INSECURE_ENDPOINT);
        let err = e.set("tokenUrl", "https://x/t".into(), true).unwrap_err();
        assert_eq!((err.code.as_ref(), err.field_name()), (codes::INVALID_CONFIG, Some("tokenUrl")));
        assert!(err.message.contains("use `token`"), "{}", err.message);
        for bad in ["", "not a url", "https://u:p@host/t", "https://host/t#f", "/relative", "https:///nohost"] {
            assert_eq!(e.set("jwks", bad.into(), true).unwrap_err().code, codes::INVALID_CONFIG, "{bad}");
        }
        // url_diff: ports and IPv6 literals that WHATWG (and so `fetch`) refuses.
        for bad in ["https://h:+1/", "https://h:65536/", "https://h:1:2/", "https://h:x/", "https://[::1]:-1/"] {
            assert!(e.set("jwks", bad.into(), true).is_err(), "{bad}");
        }
        for bad in ["[1]", "[:::]", "[::1::]", "[1:2:3:4:5:6:7:8:9]", "[1:2:3:4:5:6:7::8]", "[:1::]", "[1::2:]"] {
            assert!(e.set("jwks", format!("https://{bad}/t"), true).is_err(), "{bad}");
            assert!(!ipv6_is_valid(bad.trim_matches(['[', ']'])), "{bad}");
        }
        assert!(e.set("jwks", "https://[::1]x/t".into(), true).is_err());
        for good in ["https://h:/t", "https://h:0/t", "https://h:65535/t", "https://h:00443/t", "https://[::]/t"] {
            e.set("jwks", good.into(), true).unwrap();
        }
        for good in ["::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "fe80::1:ABCD"] {
            assert!(ipv6_is_valid(good), "{good}");
        }
        // identifiers may be any non-empty string, http included (the local server's issuer is http).
        e.set("issuer", "http://127.0.0.1:4455/oauth2/default".into(), false).unwrap();
        assert!(e.set("audience", String::new(), false).is_err());
    }
}
