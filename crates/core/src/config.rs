//! Client configuration: what `new ConstantContactOAuth(config)` accepts, checked once, up front, so
//! every later call can trust it.

use alloc::string::String;
use alloc::vec::Vec;

use crate::endpoints::{Endpoints, OFFLINE_ACCESS, SCOPES};
use crate::error::{codes, concat, Error};
use crate::form::split_url;
use crate::secret::Secret;

/// Raw input, as read from the JS object (or built by a Rust caller).
#[derive(Debug, Default, Clone)]
pub struct ConfigInput {
    /// The application's API key (a UUID in the developer portal). Required.
    pub client_id: Option<String>,
    /// The application's secret: a confidential client (never in a browser). None: a public client (PKCE).
    pub client_secret: Option<Secret>,
    /// The redirect URI registered for the application; the redirect flows need it, the device flow not.
    pub redirect_uri: Option<String>,
    /// Scopes to request; None: every data scope Constant Contact documents.
    pub scopes: Option<Vec<String>>,
    /// Add `offline_access` (a refresh token); None: yes.
    pub offline: Option<bool>,
    /// Endpoint overrides by JS name (`token`, `deviceAuthorize`, ...).
    pub endpoints: Vec<(String, String)>,
    /// Allow plain http endpoints on a loopback host (a local test server).
    pub allow_insecure_loopback: bool,
    /// Accept scope names this library does not know (a scope Constant Contact added later).
    pub allow_unknown_scopes: bool,
    /// True when running in a browser page or browser worker (set by the wasm layer).
    pub is_browser: bool,
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The API key, checked: printable ASCII without spaces.
    pub client_id: String,
    /// The secret of a confidential client, checked; None for a public one.
    pub client_secret: Option<Secret>,
    /// The redirect URI, checked: absolute, without a fragment.
    pub redirect_uri: Option<String>,
    /// Scopes to request, `offline_access` included unless `offline: false`.
    pub scopes: Vec<String>,
    /// The scopes as the caller gave them (None: the default set) and the `offline` choice, so a
    /// per-call override can rebuild the list.
    pub requested_scopes: Option<Vec<String>>,
    /// `offline_access` is asked for by default.
    pub offline: bool,
    /// The endpoints, Constant Contact's unless overridden (each override checked).
    pub endpoints: Endpoints,
    /// Plain http is allowed on loopback hosts (endpoints, and the device flow's sign-in URL).
    pub allow_insecure_loopback: bool,
    /// Scope names this library does not know are accepted.
    pub allow_unknown_scopes: bool,
}

impl Config {
    /// A public client: no secret, so every code exchange needs PKCE.
    pub fn is_public(&self) -> bool {
        self.client_secret.is_none()
    }

    /// The redirect URI, or the error a redirect flow without one deserves (`invalid_config`, field
    /// `redirectUri`).
    pub fn require_redirect_uri(&self) -> Result<&str, Error> {
        self.redirect_uri.as_deref().ok_or_else(|| {
            Error::config("redirectUri", "`redirectUri` is required for the authorization-code and PKCE flows.").hint(
                concat!(
                    "Pass the redirect URI registered for your application in the Constant Contact developer port",
                    "al. Device-flow clients need none."
                ),
            )
        })
    }
}

/// Printable ASCII without spaces: client ids, state values, scope tokens.
fn is_token_text(s: &str) -> bool {
    s.bytes().all(|b| (0x21..0x7f).contains(&b))
}

fn looks_like_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A scope token per RFC 6749 §3.3 (at most 128 characters here): also the rule for a `prompt` word.
pub fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}

/// Validates a scope list, removes duplicates (keeping order) and adds `offline_access` when `offline`;
/// None is every data scope. A name Constant Contact does not document is refused unless `allow_unknown`
/// (a scope added later). Errors: `invalid_config`, field `scopes` (a malformed, unknown or empty list).
pub fn build_scopes(requested: Option<&[String]>, offline: bool, allow_unknown: bool) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    match requested {
        Some(list) => {
            for s in list {
                if !is_scope_token(s) {
                    return Err(Error::config(
                        "scopes",
                        "Each scope must be one non-empty word without spaces, such as \"contact_data\".",
                    )
                    .hint("Pass scopes as an array: [\"contact_data\", \"campaign_data\"]."));
                }
                if !allow_unknown && !SCOPES.contains(&s.as_str()) {
                    const KNOWN: &str = concat!(
                        " is not a scope Constant Contact documents. Its scopes are account_read, ",
                        "account_update, contact_data, campaign_data and offline_access (see SCOPES)."
                    );
                    // Named when it is short enough to be a scope name; anything longer may be a pasted secret.
                    let named =
                        if s.len() <= 32 { concat(&["\"", s, "\"", KNOWN]) } else { concat(&["A scope", KNOWN]) };
                    return Err(Error::config("scopes", named)
                        .hint("For a scope this library does not know yet, set `allowUnknownScopes: true`."));
                }
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
            if out.is_empty() {
                return Err(Error::config(
                    "scopes",
                    "`scopes` is empty; request at least one scope, such as \"contact_data\".",
                ));
            }
        }
        None => out.extend(SCOPES.iter().filter(|s| **s != OFFLINE_ACCESS).map(|s| String::from(*s))),
    }
    if offline && !out.iter().any(|s| s == OFFLINE_ACCESS) {
        out.push(OFFLINE_ACCESS.into());
    }
    Ok(out)
}

/// Checks a redirect URI: absolute, no fragment (CC refuses them), no whitespace, at most 2048
/// characters. Errors: `invalid_config`, field `redirectUri`.
pub fn check_redirect_uri(uri: &str) -> Result<(), Error> {
    let parts = split_url(uri).filter(|_| uri.len() <= 2048).ok_or_else(|| {
        Error::config(
            "redirectUri",
            "`redirectUri` must be an absolute URI exactly as registered, such as https://example.com/callback.",
        )
    })?;
    if parts.fragment.is_some() {
        return Err(Error::config(
            "redirectUri",
            "`redirectUri` must not contain a #fragment; Constant Contact does not allow them.",
        ));
    }
    Ok(())
}

/// Checks a configuration once, so every later call can trust it. Errors, each with its `field`:
/// `invalid_config` (a missing or malformed client id, secret, redirect URI, scope or endpoint, an id and
/// secret that look swapped), `secret_in_browser` (a secret with `is_browser`), `insecure_endpoint`
/// (plain http off loopback, or without `allow_insecure_loopback`). Messages never quote the secret.
pub fn validate(input: ConfigInput) -> Result<Config, Error> {
    let client_id = match input.client_id {
        Some(id) if !id.is_empty() && id.len() <= 256 && is_token_text(&id) => id,
        Some(_) => {
            return Err(Error::config("clientId", "`clientId` must be your application's API key, without spaces.")
                .hint("The API key is the UUID shown for your application in the Constant Contact developer portal."))
        }
        None => {
            return Err(Error::config("clientId", "`clientId` is required: pass your application's API key.")
                .hint("The API key is the UUID shown for your application in the Constant Contact developer portal."))
        }
    };
    if let Some(secret) = &input.client_secret {
        let s = secret.expose();
        if s.is_empty() || s.len() > 512 || !is_token_text(s) {
            return Err(Error::config(
                "clientSecret",
                "`clientSecret` must be the secret generated for your application, without spaces.",
            ));
        }
        if input.is_browser {
            return Err(Error::new(
                codes::SECRET_IN_BROWSER,
                concat!(
                    "A client secret was passed in a browser. Anyone can read it there: remove `clientSecret` and",
                    " use PKCE (a public client), or do the code exchange on a server or in a Worker."
                ),
            )
            .field("clientSecret"));
        }
        // Constant Contact shows the API key (client id) as a UUID; a UUID-shaped secret next to a
        // non-UUID id is almost certainly the pair swapped.
        if looks_like_uuid(s) && !looks_like_uuid(&client_id) {
            return Err(Error::config(
                "clientSecret",
                "`clientId` and `clientSecret` look swapped: the API key (a UUID) is the client id.",
            ));
        }
    }
    if let Some(uri) = &input.redirect_uri {
        check_redirect_uri(uri)?;
    }
    let offline = input.offline.unwrap_or(true);
    let scopes = build_scopes(input.scopes.as_deref(), offline, input.allow_unknown_scopes)?;
    let endpoints = Endpoints::with_overrides(&input.endpoints, input.allow_insecure_loopback)?;
    Ok(Config {
        client_id,
        client_secret: input.client_secret,
        redirect_uri: input.redirect_uri,
        scopes,
        requested_scopes: input.scopes,
        offline,
        endpoints,
        allow_insecure_loopback: input.allow_insecure_loopback,
        allow_unknown_scopes: input.allow_unknown_scopes,
    })
}

impl Config {
    /// The scopes of one request: the configured ones, or the per-call override rebuilt by the same rule
    /// ([`build_scopes`], whose errors it has).
    pub fn scopes_for(&self, scopes: Option<Vec<String>>, offline: Option<bool>) -> Result<Vec<String>, Error> {
        match (scopes, offline) {
            (None, None) => Ok(self.scopes.clone()),
            (requested, offline) => build_scopes(
                requested.as_deref().or(self.requested_scopes.as_deref()),
                offline.unwrap_or(self.offline),
                self.allow_unknown_scopes,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ConfigInput {
        ConfigInput { client_id: Some("0b3e6c62-6f1f-4b5e-9a55-8a5a2e2f7c11".into()), ..Default::default() }
    }

    #[test]
    fn minimal_public_client_needs_no_redirect_uri() {
        let c = validate(input()).unwrap();
        assert!(c.is_public());
        assert_eq!(c.scopes, ["account_read", "account_update", "contact_data", "campaign_data", "offline_access"]);
        assert_eq!(c.require_redirect_uri().unwrap_err().field_name(), Some("redirectUri"));
    }

    #[test]
    fn client_id_is_required_and_plain() {
        for id in [None, Some(""), Some("has space"), Some("tab\t")] {
            let e = validate(ConfigInput { client_id: id.map(String::from), ..input() }).unwrap_err();
            assert_eq!((e.code.as_ref(), e.field_name()), (codes::INVALID_CONFIG, Some("clientId")));
        }
    }

    #[test]
    fn secret_is_refused_in_a_browser_and_never_echoed() {
        let secret = "s3cr3t-Value_xyz";
        let e = validate(ConfigInput { client_secret: Some(Secret::new(secret.into())), is_browser: true, ..input() })
            .unwrap_err();
        assert_eq!(e.code, codes::SECRET_IN_BROWSER);
        assert!(!format!("{e:?} {e}").contains(secret));
        let ok = validate(ConfigInput { client_secret: Some(Secret::new(secret.into())), ..input() }).unwrap();
        assert!(!format!("{ok:?}").contains(secret), "Debug of a config must redact the secret");
    }

    #[test]
    fn swapped_id_and_secret_are_caught() {
        let e = validate(ConfigInput {
            client_id: Some("AbCdEf123456".into()),
            client_secret: Some(Secret::new("0b3e6c62-6f1f-4b5e-9a55-8a5a2e2f7c11".into())),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.field_name(), Some("clientSecret"));
        assert!(e.message.contains("swapped"));
    }

    #[test]
    fn scopes_are_checked_deduplicated_and_get_offline_access() {
        let s = |v: &[&str]| v.iter().map(|s| String::from(*s)).collect::<Vec<_>>();
        let b = |v: &[&str], offline| build_scopes(Some(&s(v)), offline, false);
        assert_eq!(b(&["contact_data", "contact_data"], true).unwrap(), ["contact_data", "offline_access"]);
        assert_eq!(b(&["contact_data"], false).unwrap(), ["contact_data"]);
        assert_eq!(b(&["offline_access", "account_read"], true).unwrap(), ["offline_access", "account_read"]);
        for bad in [&["two words"][..], &[""], &["quo\"te"], &[], &["contacts"]] {
            assert_eq!(b(bad, true).unwrap_err().field_name(), Some("scopes"), "{bad:?}");
        }
        let e = b(&["contacts"], true).unwrap_err();
        assert!(e.message.contains("account_read, account_update, contact_data, campaign_data"), "{}", e.message);
        assert_eq!(build_scopes(Some(&s(&["billing_data"])), false, true).unwrap(), ["billing_data"]);
    }

    #[test]
    fn redirect_uris() {
        for ok in ["https://example.com/cb", "http://127.0.0.1:8080/callback", "com.example.app:/oauth"] {
            check_redirect_uri(ok).unwrap();
        }
        for bad in ["/cb", "https://example.com/cb#x", "https://exa mple.com", ""] {
            assert_eq!(check_redirect_uri(bad).unwrap_err().field_name(), Some("redirectUri"), "{bad}");
        }
    }

    #[test]
    fn endpoint_overrides_apply() {
        let c = validate(ConfigInput {
            endpoints: vec![("token".into(), "http://localhost:9/token".into())],
            allow_insecure_loopback: true,
            ..input()
        })
        .unwrap();
        assert_eq!(c.endpoints.token, "http://localhost:9/token");
        let e =
            validate(ConfigInput { endpoints: vec![("token".into(), "http://localhost:9/token".into())], ..input() })
                .unwrap_err();
        assert_eq!(e.code, codes::INSECURE_ENDPOINT);
    }
}
