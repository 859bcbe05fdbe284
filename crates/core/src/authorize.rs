//! Step 1 of the redirect flows: the URL the user's browser is sent to.

use alloc::string::String;
use alloc::vec::Vec;

use crate::config::{is_scope_token, Config};
use crate::error::Error;
use crate::pkce::{self, Pkce};
use crate::state;

/// Per-call options of `authorizationUrl()`.
#[derive(Debug, Default, Clone)]
pub struct AuthorizeOptions {
    /// PKCE on or off; default: on for public clients (required there), off for confidential ones.
    pub pkce: Option<bool>,
    /// Use this state instead of generating one.
    pub state: Option<String>,
    /// Use this code verifier instead of generating one (resuming a flow).
    pub code_verifier: Option<String>,
    /// Override the configured scopes for this request.
    pub scopes: Option<Vec<String>>,
    /// Override the configured `offline` choice for this request.
    pub offline: Option<bool>,
    /// `prompt` parameter, e.g. `login` to force re-authentication (the "wrong account" fix).
    pub prompt: Option<String>,
}

/// Where to send the user, and what to keep until the redirect comes back.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The authorize endpoint with every parameter in its query (never the code verifier).
    pub url: String,
    /// Store this and pass it to `parseRedirect` ([`crate::redirect::parse`]).
    pub state: String,
    /// Store this (server-side or in sessionStorage) and pass it to `exchangeCode`
    /// ([`crate::token::Grant::AuthorizationCode`]).
    pub pkce: Option<Pkce>,
    /// The scopes the URL asks for, `offline_access` included unless `offline` is false.
    pub scopes: Vec<String>,
}

/// The authorization URL of `cfg` with `opts`: a generated (or checked) state, PKCE (S256) for a public
/// client, the scopes of the configuration or of this call. Errors (`invalid_config`, with `field`) when
/// the configuration has no redirect URI, a public client turns PKCE off, a verifier comes with PKCE off,
/// or a state, scope, verifier or prompt is malformed; `unsupported_runtime` without a secure random source.
pub fn authorization_url(cfg: &Config, opts: AuthorizeOptions) -> Result<AuthorizationRequest, Error> {
    let redirect_uri = cfg.require_redirect_uri()?;
    let use_pkce = opts.pkce.unwrap_or(cfg.is_public());
    if !use_pkce && cfg.is_public() {
        return Err(Error::config(
            "pkce",
            "A public client (no clientSecret) must use PKCE; Constant Contact refuses its code exchange otherwise.",
        )
        .hint("Remove `pkce: false`, or configure a confidential client on a server."));
    }
    let scopes = cfg.scopes_for(opts.scopes, opts.offline)?;
    let state = match opts.state {
        Some(s) => {
            state::check(&s)?;
            s
        }
        None => state::generate()?,
    };
    let pkce = match (use_pkce, opts.code_verifier) {
        (true, Some(v)) => Some(pkce::from_verifier(v)?),
        (true, None) => Some(pkce::create()?),
        (false, Some(_)) => {
            return Err(Error::config("codeVerifier", "`codeVerifier` was given with `pkce: false`; drop one of them."))
        }
        (false, None) => None,
    };
    if let Some(p) = &opts.prompt {
        if !p.split(' ').all(is_scope_token) {
            return Err(Error::config("prompt", "`prompt` must be a word such as \"login\"."));
        }
    }

    let scope = crate::redirect::join_scopes(&scopes);
    let mut url = String::with_capacity(cfg.endpoints.authorize.len() + 400);
    url.push_str(&cfg.endpoints.authorize);
    url.push(if url.contains('?') { '&' } else { '?' });
    let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(8);
    pairs.extend([
        ("client_id", cfg.client_id.as_str()),
        ("redirect_uri", redirect_uri),
        ("response_type", "code"),
        ("scope", scope.as_str()),
        ("state", state.as_str()),
    ]);
    if let Some(p) = &pkce {
        pairs.push(("code_challenge", &p.code_challenge));
        pairs.push(("code_challenge_method", "S256"));
    }
    if let Some(p) = &opts.prompt {
        pairs.push(("prompt", p));
    }
    crate::form::append_pairs(&mut url, &pairs);
    Ok(AuthorizationRequest { url, state, pkce, scopes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{validate, ConfigInput};
    use crate::form::{parse_pairs, split_url};
    use crate::secret::Secret;

    fn cfg(secret: bool) -> Config {
        validate(ConfigInput {
            client_id: Some("my-client".into()),
            client_secret: secret.then(|| Secret::new("shh".into())),
            redirect_uri: Some("https://app.example/cb?x=1".into()),
            scopes: Some(vec!["contact_data".into(), "campaign_data".into()]),
            ..Default::default()
        })
        .unwrap()
    }

    fn params(url: &str) -> Vec<(String, String)> {
        parse_pairs(split_url(url).unwrap().query.unwrap()).unwrap()
    }

    #[test]
    fn public_client_gets_pkce_and_offline_access() {
        let r = authorization_url(&cfg(false), AuthorizeOptions::default()).unwrap();
        assert!(r.url.starts_with(concat!(
            "https://authz.constantcontact.com/oauth2/default/v1/authorize?client_id=my-client&redirect_uri=https",
            "%3A%2F%2Fapp.example%2Fcb%3Fx%3D1&response_type=code&scope=contact_data%20campaign_data%20offline_ac",
            "cess&state="
        )));
        assert!(!r.url.contains("%2B") && !r.url.contains('+'));
        let p = r.pkce.as_ref().unwrap();
        let q = params(&r.url);
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("code_challenge"), Some(p.code_challenge.as_str()));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("state"), Some(r.state.as_str()));
        assert_eq!(get("scope"), Some("contact_data campaign_data offline_access"));
        assert!(!r.url.contains(p.code_verifier.expose()), "the verifier never goes in the URL");
        assert_eq!(get("prompt"), None);
    }

    #[test]
    fn confidential_client_defaults_to_no_pkce_and_can_opt_in() {
        let r = authorization_url(&cfg(true), AuthorizeOptions::default()).unwrap();
        assert!(r.pkce.is_none() && !r.url.contains("code_challenge"));
        let r = authorization_url(&cfg(true), AuthorizeOptions { pkce: Some(true), ..Default::default() }).unwrap();
        assert!(r.pkce.is_some());
    }

    #[test]
    fn options() {
        let r = authorization_url(
            &cfg(false),
            AuthorizeOptions {
                state: Some("my-state".into()),
                prompt: Some("login".into()),
                offline: Some(false),
                code_verifier: Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(r.url.contains("&state=my-state&"));
        assert!(r.url.ends_with(
            "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&prompt=login"
        ));
        assert!(r.url.contains("scope=contact_data%20campaign_data&"), "{}", r.url);
        let e =
            authorization_url(&cfg(false), AuthorizeOptions { pkce: Some(false), ..Default::default() }).unwrap_err();
        assert_eq!(e.field_name(), Some("pkce"));
        let e =
            authorization_url(&cfg(false), AuthorizeOptions { state: Some("has space".into()), ..Default::default() })
                .unwrap_err();
        assert_eq!(e.field_name(), Some("state"));
        let e =
            authorization_url(&cfg(false), AuthorizeOptions { prompt: Some("log\"in".into()), ..Default::default() })
                .unwrap_err();
        assert_eq!(e.field_name(), Some("prompt"));
    }

    #[test]
    fn endpoint_with_query_and_missing_redirect_uri() {
        let mut c = cfg(false);
        c.endpoints.authorize = "https://x.example/auth?tenant=1".into();
        assert!(authorization_url(&c, AuthorizeOptions::default())
            .unwrap()
            .url
            .starts_with("https://x.example/auth?tenant=1&client_id="));
        c.redirect_uri = None;
        assert_eq!(authorization_url(&c, AuthorizeOptions::default()).unwrap_err().field_name(), Some("redirectUri"));
    }
}
