//! Constant Contact's production endpoints and scopes, and the rules for overriding them.
//!
//! Hard-coded rather than discovered: CC's discovery documents are reported missing, and its access
//! tokens are issued by the `identity.` host while every endpoint lives on `authz.`, so an issuer-strict
//! discovery client would reject the real service.

use alloc::string::String;

use crate::error::{cat, codes, Error};
use crate::form::{is_loopback_host, split_url};

/// The data scopes Constant Contact documents, and `offline_access` (needed for a refresh token).
pub const SCOPES: [&str; 5] = ["account_read", "account_update", "contact_data", "campaign_data", "offline_access"];
pub const OFFLINE_ACCESS: &str = "offline_access";

/// Endpoint names as they appear in JS (`ENDPOINTS.deviceAuthorize`) and in the `endpoints` option.
pub const NAMES: [&str; 8] = ["authorize", "token", "deviceAuthorize", "revoke", "jwks", "issuer", "audience", "apiBase"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
    pub device_authorize: String,
    pub revoke: String,
    pub jwks: String,
    /// The access token's `iss`. Not the `authz.` host: CC's tokens name the Okta server on `identity.`.
    pub issuer: String,
    /// The access token's `aud`.
    pub audience: String,
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
            audience: "https://api.cc.email/v3".into(),
            api_base: "https://api.cc.email/v3".into(),
        }
    }
}

impl Endpoints {
    /// All entries as (JS name, value), in [`NAMES`] order.
    pub fn entries(&self) -> [(&'static str, &str); 8] {
        [
            ("authorize", &self.authorize),
            ("token", &self.token),
            ("deviceAuthorize", &self.device_authorize),
            ("revoke", &self.revoke),
            ("jwks", &self.jwks),
            ("issuer", &self.issuer),
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
            "audience" => ("audience", &mut self.audience),
            "apiBase" => ("apiBase", &mut self.api_base),
            _ => return None,
        })
    }

    /// Replaces one endpoint by its JS name, validating the new value.
    pub fn set(&mut self, name: &str, value: String, allow_insecure_loopback: bool) -> Result<(), Error> {
        let Some((field, slot)) = self.slot(name) else {
            return Err(Error::config("endpoints", "Unknown key in `endpoints`.")
                .hint("Valid keys: authorize, token, deviceAuthorize, revoke, jwks, issuer, audience, apiBase."));
        };
        // issuer and audience are identifiers compared with token claims, never fetched.
        if matches!(field, "issuer" | "audience") {
            if value.is_empty() || value.len() > 2048 {
                return Err(Error::config(field, cat(&["`endpoints.", field, "` must be a non-empty string."])));
            }
        } else {
            check_fetchable(field, &value, allow_insecure_loopback)?;
        }
        *slot = value;
        Ok(())
    }
}

/// A URL this library will call or send a user to: absolute, https (http only for loopback hosts and only
/// when allowed), no credentials in it, no fragment.
pub fn check_fetchable(field: &'static str, url: &str, allow_insecure_loopback: bool) -> Result<(), Error> {
    let bad = |m: &'static str| Error::config(field, cat(&["`endpoints.", field, "` ", m]));
    if url.len() > 2048 {
        return Err(bad("is too long (over 2048 characters)."));
    }
    let Some(parts) = split_url(url) else {
        return Err(bad("must be an absolute URL such as https://host/path."));
    };
    if parts.host.is_empty() {
        return Err(bad("must be an absolute URL such as https://host/path."));
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
            cat(&["`endpoints.", field, "` uses http://. Use https://, or set `allowInsecureLoopback: true` for a local test server on 127.0.0.1 or localhost."]),
        )
        .field(field));
    }
    Err(Error::new(
        codes::INSECURE_ENDPOINT,
        cat(&["`endpoints.", field, "` must use https://; plain http is allowed only for loopback hosts with `allowInsecureLoopback: true`."]),
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
        assert_eq!((err.code.as_ref(), err.field), (codes::INSECURE_ENDPOINT, Some("token")));
        let err = e.set("token", "http://example.com/t".into(), true).unwrap_err();
        assert_eq!(err.code, codes::INSECURE_ENDPOINT);
        let err = e.set("tokenUrl", "https://x/t".into(), true).unwrap_err();
        assert_eq!((err.code.as_ref(), err.field), (codes::INVALID_CONFIG, Some("endpoints")));
        for bad in ["", "not a url", "https://u:p@host/t", "https://host/t#f", "/relative", "https:///nohost"] {
            assert_eq!(e.set("jwks", bad.into(), true).unwrap_err().code, codes::INVALID_CONFIG, "{bad}");
        }
        // identifiers may be any non-empty string, http included (the local server's issuer is http).
        e.set("issuer", "http://127.0.0.1:4455/oauth2/default".into(), false).unwrap();
        assert!(e.set("audience", String::new(), false).is_err());
    }
}
