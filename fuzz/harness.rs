//! What each fuzz target checks, shared by the cargo-fuzz targets and the corpus replay test
//! (tests/corpus.rs). Beyond "never panics": an error message never contains the input it refused, when
//! that input is long enough to be a token, code or secret.
#![allow(dead_code)]

use ctct_oauth::config::{validate, ConfigInput};
use ctct_oauth::error::Error;
use ctct_oauth::redirect::StateCheck;
use ctct_oauth::secret::Secret;
use ctct_oauth::{api, authorize, device, form, http, json, jwt, redirect, revocation, token, verify};

fn text(data: &[u8]) -> Option<&str> {
    core::str::from_utf8(data).ok()
}

/// Looks like a token, code or secret: 16 or more characters of the token alphabet. (Shorter or wordier
/// inputs can legitimately occur in our fixed guidance text: the fuzzer found both "https://" and a copy
/// of one of our own messages.)
fn credential_like(s: &str) -> bool {
    s.len() >= 16 && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'='))
}

/// The message and the hint are ours; `description` may quote the server and is excluded.
fn no_echo<T>(r: &Result<T, Error>, input: &str) {
    if let Err(e) = r {
        if credential_like(input) {
            assert!(!e.message.contains(input), "message echoes the input: {}", e.message);
            assert!(e.hint.map_or(true, |h| !h.contains(input)));
        }
    }
}

pub fn jwt(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let d = jwt::decode(s);
    no_echo(&d, s);
    let e = jwt::expires_at(s);
    // The exp-only path and the full decode agree on every valid token.
    if let Ok(d) = &d {
        assert_eq!(e.as_ref().ok(), Some(&d.claims.exp));
    }
    let _ = verify::prepare(s);
}

pub fn redirect(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let r = redirect::parse(s, StateCheck::Expect("Z1ubw5PFZxDu4X7VSgE9aGx03EMn0e5Lx0F1Tb5Jx2Q"), Some("https://issuer.example"));
    no_echo(&r, s);
    let _ = redirect::parse(s, StateCheck::Skip, None);
}

pub fn responses(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let ctx = token::Context { now: 1_795_454_050, requested_offline: true, previous_refresh_token: Some("previous") };
    for status in [200u16, 400, 401, 429, 500, 503] {
        let _ = token::parse(status, Some(1), s, ctx);
        let _ = device::parse_start(status, None, s, 0);
        let _ = device::parse_poll(status, None, s, ctx);
        let _ = revocation::parse(status, None, s);
        let _ = http::error_response(status, None, s);
        let _ = api::error(status, None, s);
    }
    let _ = verify::select_key(s, Some("cc-local-1"));
    let _ = verify::select_key(s, None);
}

/// Fields separated by NUL bytes: client id, secret, redirect URI, scopes (space-separated), an
/// endpoint override, prompt, state, code verifier.
pub fn authorize(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let mut f = s.split('\0');
    let mut next = || f.next().filter(|v| !v.is_empty()).map(String::from);
    let (id, secret, redirect_uri, scopes, endpoint, prompt, state, verifier) = (next(), next(), next(), next(), next(), next(), next(), next());
    let cfg = validate(ConfigInput {
        client_id: id,
        client_secret: secret.clone().map(Secret::new),
        redirect_uri,
        scopes: scopes.map(|s| s.split(' ').map(String::from).collect()),
        endpoints: endpoint.map(|e| ("token".to_string(), e)).into_iter().collect(),
        allow_insecure_loopback: true,
        ..Default::default()
    });
    if let (Err(e), Some(secret)) = (&cfg, &secret) {
        if credential_like(secret) {
            assert!(!e.message.contains(secret.as_str()), "a config error echoes the secret");
        }
    }
    let Ok(cfg) = cfg else { return };
    let r = authorize::authorization_url(&cfg, authorize::AuthorizeOptions { prompt, state, code_verifier: verifier, ..Default::default() });
    if let Ok(r) = r {
        // The URL parses back; the verifier is never sent, only its S256 challenge. (Not "the verifier's
        // text never appears": the fuzzer showed a caller's scope can legitimately contain the same text.)
        let parts = form::split_url(&r.url).expect("an authorize URL is a URL");
        let params = form::parse_pairs(parts.query.unwrap_or("")).expect("its query decodes");
        assert!(!params.iter().any(|(k, _)| k == "code_verifier"));
        if let Some(p) = &r.pkce {
            let challenge = params.iter().find(|(k, _)| k == "code_challenge").map(|(_, v)| v.as_str());
            assert_eq!(challenge, Some(ctct_oauth::pkce::challenge_s256(p.code_verifier.expose()).as_str()));
        }
    }
    for grant in [token::Grant::RefreshToken { refresh_token: s }, token::Grant::DeviceCode { device_code: s }] {
        let _ = token::request(&cfg, grant);
    }
}

pub fn json_form(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(v) = json::parse_object(s) {
        // What the reader accepts, the writer can quote back as valid JSON.
        let mut out = String::new();
        let mut w = json::ObjectWriter::new(&mut out);
        if let json::Value::Obj(members) = &v {
            for (k, _) in members {
                w.str(k, k);
            }
        }
        w.end();
        assert!(json::parse(&out).is_ok(), "writer output does not parse: {out}");
    }
    let _ = json::parse(s);
    let _ = form::decode(s);
    let _ = form::parse_pairs(s);
    let _ = form::split_url(s);
    let _ = form::is_loopback_host(s);
}
