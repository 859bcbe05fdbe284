//! What each fuzz target checks, through the protocol core's public API (`ctct_oauth_core`): the
//! cargo-fuzz targets in fuzz_targets/ and the corpus replay in tests/corpus.rs call these. Beyond
//! "never panics": an error message never contains the input it refused, when that input is long enough
//! to be a token, code or secret; and where the core hand-writes what a well-kept crate does (JSON,
//! base64, URL splitting), it agrees with that crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ctct_oauth_core::config::{validate, ConfigInput};
use ctct_oauth_core::device::Start;
use ctct_oauth_core::error::Error;
use ctct_oauth_core::redirect::StateCheck;
use ctct_oauth_core::secret::Secret;
use ctct_oauth_core::{api_response, authorize, b64, device, endpoints, form, http, json, jwt, pkce};
use ctct_oauth_core::{redirect, revocation, token, verify};

fn text(data: &[u8]) -> Option<&str> {
    core::str::from_utf8(data).ok()
}

/// Looks like a token, code or secret: 16 or more characters of the token alphabet. (Shorter or wordier
/// inputs can legitimately occur in our fixed guidance text: the fuzzer found both "https://" and a copy
/// of one of our own messages.)
fn credential_like(s: &str) -> bool {
    s.len() >= 16
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'='))
}

/// The message and the hint are ours; `description` may quote the server and is excluded.
fn no_echo<T>(r: &Result<T, Error>, input: &str) {
    if let Err(e) = r {
        if credential_like(input) {
            assert!(!e.message.contains(input), "message echoes the input: {}", e.message);
            assert!(e.hint.is_none_or(|h| !h.contains(input)));
        }
    }
}

fn expect() -> verify::Expect<'static> {
    verify::Expect {
        issuer: "i",
        audience: "a",
        client_id: "c",
        now: 1_795_454_050,
        tolerance: 60,
        required_scopes: &[],
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
        // What the module writes for JS (the claims, the payload embedded as is) parses as JSON.
        assert!(serde_json::from_str::<serde_json::Value>(&claims_json(&d.claims, &d.payload_json)).is_ok());
    }
    let _ = verify::prepare(s, expect());
}

/// The claims as the binding writes them for JS: every string claim escaped by the core's writer, and
/// the payload, which passed the core's strict reader, embedded as is.
fn claims_json(c: &jwt::Claims, payload: &str) -> String {
    let mut out = String::new();
    let mut w = json::ObjectWriter::new(&mut out);
    for (k, v) in [("iss", &c.iss), ("sub", &c.sub), ("jti", &c.jti), ("clientId", &c.client_id)] {
        w.opt_str(k, v.as_deref());
    }
    w.opt_str("userId", c.user_id.as_deref()).opt_str("platformUserId", c.platform_user_id.as_deref());
    match &c.aud {
        Some(jwt::Audience::One(a)) => w.str("aud", a),
        Some(jwt::Audience::Many(list)) => w.strs("aud", list),
        None => &mut w,
    };
    w.num("exp", c.exp).opt_num("iat", c.iat).strs("scopes", &c.scopes).raw("raw", payload).end();
    out
}

pub fn redirect(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let r = redirect::parse(
        s,
        StateCheck::Expect("Z1ubw5PFZxDu4X7VSgE9aGx03EMn0e5Lx0F1Tb5Jx2Q"),
        Some("https://issuer.example"),
    );
    no_echo(&r, s);
    let _ = redirect::parse(s, StateCheck::Skip, None);
}

pub fn responses(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let ctx = token::Context {
        now: 1_795_454_050,
        requested_offline: true,
        previous_refresh_token: Some("previous"),
        client_id: "c",
    };
    let start = Start { now: 0, scopes: &[], allow_insecure_loopback: true };
    for status in [200u16, 400, 401, 429, 500, 503] {
        let _ = token::parse(status, Some(1), s, ctx);
        let _ = device::parse_start(status, None, s, start);
        let _ = device::parse_poll(status, None, s, ctx, 5);
        let _ = revocation::parse(status, None, s);
        let _ = http::error_response(status, None, s);
        let _ = api_response::error(status, None, s);
    }
    if let Ok(keys) = verify::read_key_set(s) {
        assert!(json::parse(&keys).is_ok(), "the key set's JSON for JS parses");
    }
}

/// Fields separated by NUL bytes: client id, secret, redirect URI, scopes (space-separated), an
/// endpoint override, prompt, state, code verifier.
pub fn authorize(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let mut f = s.split('\0');
    let mut next = || f.next().filter(|v| !v.is_empty()).map(String::from);
    let (id, secret, redirect_uri, scopes, endpoint, prompt, state, verifier) =
        (next(), next(), next(), next(), next(), next(), next(), next());
    let cfg = validate(ConfigInput {
        client_id: id,
        client_secret: secret.clone().map(Secret::new),
        redirect_uri,
        scopes: scopes.map(|s| s.split(' ').map(String::from).collect()),
        endpoints: endpoint.map(|e| (String::from("token"), e)).into_iter().collect(),
        allow_insecure_loopback: true,
        allow_unknown_scopes: true,
        ..Default::default()
    });
    if let (Err(e), Some(secret)) = (&cfg, &secret) {
        if credential_like(secret) {
            assert!(!e.message.contains(secret.as_str()), "a config error echoes the secret");
        }
    }
    let Ok(cfg) = cfg else { return };
    let r = authorize::authorization_url(
        &cfg,
        authorize::AuthorizeOptions { prompt, state, code_verifier: verifier, ..Default::default() },
    );
    if let Ok(r) = r {
        // The URL parses back; the verifier is never sent, only its S256 challenge. (Not "the verifier's
        // text never appears": the fuzzer showed a caller's scope can legitimately contain the same text.)
        let parts = form::split_url(&r.url).expect("an authorize URL is a URL");
        let params = form::parse_pairs(parts.query.unwrap_or("")).expect("its query decodes");
        assert!(!params.iter().any(|(k, _)| k == "code_verifier"));
        if let Some(p) = &r.pkce {
            let challenge = params.iter().find(|(k, _)| k == "code_challenge").map(|(_, v)| v.as_str());
            assert_eq!(challenge, Some(pkce::challenge_s256(p.code_verifier.expose()).as_str()));
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

fn depth(v: &serde_json::Value) -> u32 {
    match v {
        serde_json::Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        serde_json::Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Our value equals serde_json's (objects without duplicate keys). Numbers: integers written as such
/// (serde_json's u64/i64) exactly up to 2^53, where the protocol's whole seconds are; any other number to
/// 12 significant digits: the reader scales its digits by a power of ten it computes, within a few ulps
/// rather than correctly rounded (a correct dec2flt costs 15 KB of gzipped wasm).
fn same(ours: &json::Value<'_>, theirs: &serde_json::Value) -> bool {
    use serde_json::Value as S;
    match (ours, theirs) {
        (json::Value::Null, S::Null) => true,
        (json::Value::Bool(a), S::Bool(b)) => a == b,
        (json::Value::Num(a), S::Number(n)) => {
            let b = n.as_f64().unwrap_or(f64::NAN);
            if (n.is_i64() || n.is_u64()) && b.abs() <= 9_007_199_254_740_992.0 {
                *a == b
            } else {
                a == &b || ((a - b) / b).abs() < 1e-12
            }
        }
        (json::Value::Str(a), S::String(b)) => a == b,
        (json::Value::Arr(a), S::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        (json::Value::Obj(a), S::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k.as_ref()).is_some_and(|w| same(v, w)))
        }
        _ => false,
    }
}

fn has_duplicate_keys(v: &json::Value<'_>) -> bool {
    match v {
        json::Value::Arr(items) => items.iter().any(has_duplicate_keys),
        json::Value::Obj(members) => {
            members.iter().enumerate().any(|(i, (k, _))| members.iter().skip(i + 1).any(|(j, _)| j == k))
                || members.iter().any(|(_, v)| has_duplicate_keys(v))
        }
        _ => false,
    }
}

/// Any number in `v` at the top of f64's range, where serde_json rounds correctly to a finite value and
/// our few-ulp scaling may round past f64::MAX.
fn near_f64_max(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => n.as_f64().is_some_and(|f| f.abs() > 1e308),
        serde_json::Value::Array(a) => a.iter().any(near_f64_max),
        serde_json::Value::Object(o) => o.values().any(near_f64_max),
        _ => false,
    }
}

/// The JSON reader against serde_json: what we accept, serde_json accepts with the same value; what we
/// refuse that serde_json accepts is only nesting deeper than our limit, or a number above 1e308 we
/// round to infinity (stricter is safe there: no protocol value comes near). Our writer's strings read
/// back.
pub fn json_diff(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let theirs = serde_json::from_str::<serde_json::Value>(s);
    match (json::parse(s), &theirs) {
        (Ok(v), Ok(t)) => {
            if !has_duplicate_keys(&v) {
                assert!(same(&v, t), "the readers disagree on {s:?}: {v:?} vs {t:?}");
            }
        }
        (Ok(v), Err(e)) => panic!("we accept what serde_json refuses ({e}): {s:?} -> {v:?}"),
        (Err(e), Ok(t)) => assert!(
            depth(t) > json::MAX_DEPTH || (e == json::ParseError("number out of range") && near_f64_max(t)),
            "we refuse ({e:?}) valid JSON serde_json reads: {s:?}"
        ),
        (Err(_), Err(_)) => {}
    }
    let mut out = String::new();
    json::write_str(&mut out, s);
    assert_eq!(serde_json::from_str::<String>(&out).ok().as_deref(), Some(s), "our string literal for {s:?}");
}

/// The URL splitter behind the endpoint checks against the `url` crate (WHATWG, the parser `fetch`
/// uses): a URL the checks accept names, to `fetch`, the same scheme and host, with no credentials and
/// no fragment; and plain http only ever goes to a loopback host.
pub fn url_diff(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let _ = form::split_url(s);
    if endpoints::check_fetchable("token", s, true).is_err() {
        return;
    }
    let parts = form::split_url(s).expect("a checked URL splits");
    let u = match url::Url::parse(s) {
        Ok(u) => u,
        // A punycode label (xn--) WHATWG refuses (xn--, xn--a: not valid punycode, or not a valid IDN
        // once decoded). We accept it: fetch then throws before any request, so no other host is ever
        // reached; telling valid from invalid needs punycode and the UTS 46 tables, far too big to ship.
        Err(url::ParseError::IdnaError)
            if parts.host.split('.').any(|l| l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--"))) =>
        {
            return
        }
        Err(e) => panic!("we accept what WHATWG refuses ({e}): {s:?}"),
    };
    assert_eq!(u.scheme(), parts.scheme.to_ascii_lowercase(), "scheme of {s:?}");
    let ours = parts.host.to_ascii_lowercase();
    match u.host() {
        // WHATWG writes an IPv6 address in its canonical form ([0:0::1] is [::1]); the same address is the
        // same host. Nothing here reads an IPv6 host's text but the loopback test, which knows only the
        // canonical [::1]: a non-canonical loopback is refused plain http, stricter.
        Some(url::Host::Ipv6(a)) => {
            let inner = ours.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
            assert_eq!(inner.and_then(|h| h.parse::<std::net::Ipv6Addr>().ok()), Some(a), "host of {s:?}");
        }
        _ => assert_eq!(u.host_str(), Some(ours.as_str()), "host of {s:?}"),
    }
    assert!(u.username().is_empty() && u.password().is_none(), "credentials in {s:?}");
    assert!(u.fragment().is_none(), "fragment in {s:?}");
    if u.scheme() == "http" {
        let loopback = match u.host() {
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => a.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        assert!(loopback, "plain http to a non-loopback host: {s:?}");
    }
}

/// base64url against the base64 crate: the same bytes, and the same strictness.
pub fn b64_diff(data: &[u8]) {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    assert_eq!(b64::encode_url(data), engine.encode(data));
    let Some(s) = text(data) else { return };
    assert_eq!(b64::decode_url(s), engine.decode(s).ok(), "decoding {s:?}");
}

/// Every harness by name, for the corpus replay.
pub type Check = fn(&[u8]);

pub const TARGETS: [(&str, Check); 8] = [
    ("jwt", jwt),
    ("redirect", redirect),
    ("responses", responses),
    ("authorize", authorize),
    ("json_form", json_form),
    ("json_diff", json_diff),
    ("url_diff", url_diff),
    ("b64_diff", b64_diff),
];
