//! The wasm-bindgen surface: strings in, one JSON text out, one boundary crossing per call. The public
//! API (classes, option objects, async calls) is the JS in pkg/lib/api.js, which wraps these.
//!
//! Why this shape: reading options with one `Reflect.get` and building results with one `Reflect.set`
//! per field made the export shims 38 % of the module. JS's `JSON.stringify`/`JSON.parse` do that work
//! natively, and the JWT payload, already JSON, is embedded in results as is.
//!
//! Why the async part is JS: awaiting a promise from Rust through wasm-bindgen-futures measured +13.7 KB
//! raw wasm and +4.3 KB of glue. Every protocol decision stays here: these functions build each request's
//! exact bytes and read each response.

pub mod js;

use alloc::string::String;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::authorize::{self, AuthorizeOptions};
use crate::config::{self, Config, ConfigInput};
use crate::device::{self, Poll};
use crate::endpoints::{Endpoints, NAMES, OFFLINE_ACCESS, SCOPES};
use crate::error::{codes, Error};
use crate::expiry::{self, TokenSetTimes};
use crate::http::{self, Transport};
use crate::json::{self, ObjectWriter, Value};
use crate::jwt::{self, Audience};
use crate::redirect::{self, Redirect, StateCheck};
use crate::secret::Secret;
use crate::token::{self, Grant, TokenSet};
use crate::{pkce, revocation, state, verify};
use js::{to_js, Opts};

type JsResult<T> = Result<T, JsValue>;

/// Runs `f` and turns its error into a thrown `CtctOAuthError`.
fn run<T>(f: impl FnOnce() -> Result<T, Error>) -> JsResult<T> {
    f().map_err(to_js)
}

/// Called once by the package entry with the JS `CtctOAuthError` class.
#[wasm_bindgen(js_name = __registerErrorClass)]
pub fn register_error_class(ctor: Function) {
    js::register_error_class(ctor);
}

fn endpoints_json(out: &mut String, e: &Endpoints) {
    let mut w = ObjectWriter::new(out);
    for (k, v) in e.entries() {
        w.str(k, v);
    }
    w.end();
}

/// `{"endpoints": {...}, "scopes": [...]}`: Constant Contact's production values (frozen as ENDPOINTS, SCOPES).
#[wasm_bindgen(js_name = __constants)]
pub fn constants() -> String {
    let mut eps = String::new();
    endpoints_json(&mut eps, &Endpoints::default());
    let mut out = String::new();
    ObjectWriter::new(&mut out).raw("endpoints", &eps).strs("scopes", &SCOPES).end();
    out
}

/// Errors the JS layer raises itself, built here so every message lives in one place.
#[wasm_bindgen(js_name = __error)]
pub fn error_for(kind: &str, in_browser: bool) -> JsValue {
    to_js(match kind {
        "timeout" => http::transport_error(Transport::Timeout, false),
        "aborted" => http::transport_error(Transport::Aborted, false),
        "expired_token" => device::expired(),
        "key_not_found" => verify::key_not_found(),
        "signature_invalid" => Error::new(codes::JWT_SIGNATURE_INVALID, "The token's signature does not verify with the key set's key: it was altered or signed by someone else. Do not trust it."),
        "no_fetch" => Error::new(codes::NETWORK_ERROR, "There is no global fetch in this runtime; pass `fetch` in the configuration."),
        "not_json" => Error::config("options", "Options must be plain objects of JSON-compatible values (no BigInt, no cycles)."),
        "too_large" => Error::config("options", "These options or this token set are too large (over 64 KB); a real one is a few KB."),
        _ => http::transport_error(Transport::Network, in_browser),
    })
}

/// `createPkce(options)`: `{codeVerifier, codeChallenge, codeChallengeMethod}`.
#[wasm_bindgen(js_name = __createPkce)]
pub fn create_pkce(options: &str) -> JsResult<String> {
    run(|| {
        let o = Opts::parse(options, "options", &["codeVerifier"])?;
        let p = match o.string("codeVerifier")? {
            Some(v) => pkce::from_verifier(v)?,
            None => pkce::create()?,
        };
        let mut out = String::new();
        ObjectWriter::new(&mut out).str("codeVerifier", p.code_verifier.expose()).str("codeChallenge", &p.code_challenge).str("codeChallengeMethod", "S256").end();
        Ok(out)
    })
}

#[wasm_bindgen(js_name = __generateState)]
pub fn generate_state() -> JsResult<String> {
    run(state::generate)
}

/// A token argument that was not a string (`None`): `token_set_given` adds the hint to pass its accessToken.
fn token_text(token: Option<String>, token_set_given: bool) -> Result<String, Error> {
    token.ok_or_else(|| {
        let e = Error::jwt("Expected the access token as a string.");
        if token_set_given {
            e.hint("This looks like a token set: pass its `accessToken`.")
        } else {
            e
        }
    })
}

fn claims_json(out: &mut String, d: &jwt::Decoded, warnings: Option<&[&str]>) {
    let c = &d.claims;
    let mut w = ObjectWriter::new(out);
    w.opt_str("iss", c.iss.as_deref());
    match &c.aud {
        None => {}
        Some(Audience::One(a)) => {
            w.str("aud", a);
        }
        Some(Audience::Many(list)) => {
            w.strs("aud", list);
        }
    }
    w.opt_str("sub", c.sub.as_deref())
        .num("exp", c.exp)
        .opt_num("iat", c.iat)
        .opt_str("jti", c.jti.as_deref())
        .opt_str("clientId", c.client_id.as_deref())
        .opt_str("userId", c.user_id.as_deref())
        .opt_str("platformUserId", c.platform_user_id.as_deref())
        .strs("scopes", &c.scopes)
        .num("expiresAt", c.exp)
        // The payload passed the strict reader, so it is valid JSON to embed as is.
        .raw("raw", &d.payload_json);
    if let Some(list) = warnings {
        w.strs("warnings", list);
    }
    w.end();
}

/// `decodeAccessToken(token)`: the claims as JSON (decoded, not verified).
#[wasm_bindgen(js_name = __decode)]
pub fn decode(token: Option<String>, token_set_given: bool) -> JsResult<String> {
    run(|| {
        let d = jwt::decode(&token_text(token, token_set_given)?)?;
        let mut out = String::with_capacity(d.payload_json.len() + 400);
        claims_json(&mut out, &d, None);
        Ok(out)
    })
}

/// `tokenExpiresAt(token)`: `exp`, reading only the payload segment.
#[wasm_bindgen(js_name = __expiresAt)]
pub fn expires_at(token: Option<String>, token_set_given: bool) -> JsResult<f64> {
    run(|| Ok(jwt::expires_at(&token_text(token, token_set_given)?)? as f64))
}

/// `isExpired(token or token set, options)`: a token as `token`, or a token set as JSON in `set_json`.
#[wasm_bindgen(js_name = __isExpired)]
pub fn is_expired(token: Option<String>, set_json: Option<String>, options: &str) -> JsResult<bool> {
    run(|| {
        let o = Opts::parse(options, "options", &["leewaySeconds", "now"])?;
        let leeway = o.seconds("leewaySeconds")?.unwrap_or(expiry::DEFAULT_LEEWAY_SECS);
        let now = o.now()?;
        let expires_at = match (token, set_json) {
            (Some(t), _) => jwt::expires_at(&t)?,
            (None, Some(set)) => {
                let s = Opts::parse(&set, "tokens", &["accessToken", "refreshToken", "tokenType", "expiresIn", "expiresAt", "receivedAt", "scopes", "warnings", "idToken"])?;
                let at = s.string("accessToken")?;
                expiry::token_set_expires_at(TokenSetTimes {
                    access_token: at.as_deref(),
                    expires_at: s.seconds("expiresAt")?,
                    received_at: s.seconds("receivedAt")?,
                    expires_in: s.seconds("expiresIn")?,
                })?
            }
            (None, None) => return Err(Error::jwt("Expected an access token (string) or a token set (object).")),
        };
        Ok(expiry::is_expired(expires_at, now, leeway))
    })
}

/// Throws the error for a failed Constant Contact API response (`api_error` / `rate_limited`).
#[wasm_bindgen(js_name = __apiError)]
pub fn api_error(status: u16, retry_after_header: Option<String>, body: &str) -> JsValue {
    to_js(crate::api::error(status, retry_after(retry_after_header), body))
}

/// Errors of the session layer, built here so every message lives in one place.
#[wasm_bindgen(js_name = __sessionError)]
pub fn session_error(kind: &str) -> JsValue {
    let reauth = |reason: &'static str, message: &'static str| {
        let mut e = Error::new(codes::REAUTHORIZATION_REQUIRED, message);
        e.reason = Some(reason);
        e
    };
    to_js(match kind {
        "no_refresh_token" => token::no_refresh_token(),
        "rotated" => reauth("rotated", "The refresh token was already used (Constant Contact rotates them) and no newer pair was found in the store: another process refreshed without sharing the result. The user must authorize again."),
        "expired" => reauth("expired", "The refresh token expired (Constant Contact ends refresh tokens unused for 180 days). The user must authorize again."),
        "revoked" => reauth("revoked", "The session was signed out (its refresh token revoked). The user must authorize again."),
        "empty" => reauth("no_refresh_token", "The session holds no tokens: call setTokens() with the result of exchangeCode() first."),
        "store_write" => Error::new(codes::STORE_ERROR, "The new token pair could not be written to the store. It is kept in memory and the write is retried on the next call; fix the store before this process ends, or the pair is lost."),
        "store_read" => Error::new(codes::STORE_ERROR, "The token store could not be read. Check the store (permissions, quota, network to KV)."),
        "not_api_url" => Error::config("pathOrUrl", "session.fetch sends the access token only to the Constant Contact API: pass a path such as \"/account/summary\" or a URL under `endpoints.apiBase`."),
        _ => Error::config("options", "Invalid session options: store must have get/set/delete, strategy is \"check-before-call\" or \"timer\", refreshMarginSeconds a number of seconds."),
    })
}

/// `{ "<index>" }` of the key for `kid` in a key set, or undefined.
#[wasm_bindgen(js_name = __selectKey)]
pub fn select_key(jwks: &str, kid: Option<String>) -> JsResult<Option<u32>> {
    run(|| Ok(verify::select_key(jwks, kid.as_deref())?.map(|i| i as u32)))
}

/// The client: the configuration, checked once.
#[wasm_bindgen(js_name = __Client)]
pub struct Client {
    cfg: Config,
}

/// Options every network call takes (used by the JS layer; allowed here so typos are caught).
const NET: [&str; 2] = ["timeoutMs", "signal"];

fn with_net<const N: usize>(extra: [&'static str; N]) -> alloc::vec::Vec<&'static str> {
    let mut v = alloc::vec::Vec::from(NET);
    v.extend_from_slice(&extra);
    v
}

fn request_json(r: &http::Request) -> String {
    let mut headers = String::new();
    let mut h = ObjectWriter::new(&mut headers);
    for (k, v) in &r.headers {
        h.str(k, v);
    }
    h.end();
    let mut out = String::new();
    ObjectWriter::new(&mut out).str("url", &r.url).raw("headers", &headers).str("body", &r.body).end();
    out
}

fn token_set_json(out: &mut String, t: &TokenSet) {
    let mut w = ObjectWriter::new(out);
    w.str("accessToken", t.access_token.expose())
        .opt_str("refreshToken", t.refresh_token.as_ref().map(Secret::expose))
        .str("tokenType", &t.token_type)
        .opt_num("expiresIn", t.expires_in)
        .opt_num("expiresAt", t.expires_at)
        .num("receivedAt", t.received_at)
        .strs("scopes", &t.scopes)
        .opt_str("idToken", t.id_token.as_deref())
        .strs("warnings", &t.warnings)
        .end();
}

/// `Retry-After` as seconds (the HTTP-date form is ignored).
fn retry_after(header: Option<String>) -> Option<u64> {
    header.and_then(|h| h.trim().parse::<u64>().ok())
}

#[wasm_bindgen(js_class = __Client)]
impl Client {
    /// `config`: the configuration as JSON (the JS wrapper replaces a `fetch` function by `true`).
    /// `in_browser`: `window` and `document`, or `importScripts`, exist (decided by the JS wrapper).
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, in_browser: bool) -> JsResult<Client> {
        run(|| {
            if json::parse(config).is_ok_and(|v| v == Value::Null) {
                return Err(Error::config("config", "Pass a configuration object: new ConstantContactOAuth({ clientId, redirectUri })."));
            }
            let o = Opts::parse(config, "config", &["clientId", "clientSecret", "redirectUri", "scopes", "offline", "endpoints", "fetch", "allowInsecureLoopback"])?;
            if o.get("fetch").is_some_and(|f| *f != Value::Bool(true)) {
                return Err(config::type_error("fetch", "a function like the global fetch"));
            }
            let mut endpoints = alloc::vec::Vec::new();
            match o.get("endpoints") {
                None => {}
                Some(Value::Obj(members)) => {
                    for (name, value) in members {
                        if !NAMES.contains(&name.as_ref()) {
                            return Err(Error::config("endpoints", "Unknown key in `endpoints`.")
                                .hint("Valid keys: authorize, token, deviceAuthorize, revoke, jwks, issuer, audience, apiBase."));
                        }
                        let url = value.as_str().ok_or_else(|| config::type_error("endpoints", "an object of URL strings"))?;
                        endpoints.push((String::from(name.as_ref()), String::from(url)));
                    }
                }
                Some(_) => return Err(config::type_error("endpoints", "an object")),
            }
            let cfg = config::validate(ConfigInput {
                client_id: o.string("clientId")?,
                client_secret: o.string("clientSecret")?.map(Secret::new),
                redirect_uri: o.string("redirectUri")?,
                scopes: o.strings("scopes")?,
                offline: o.boolean("offline")?,
                endpoints,
                allow_insecure_loopback: o.boolean("allowInsecureLoopback")?.unwrap_or(false),
                is_browser: in_browser,
            })?;
            Ok(Client { cfg })
        })
    }

    /// `{url, state, codeVerifier?, codeChallenge?, scopes}`.
    #[wasm_bindgen(js_name = authorizationUrl)]
    pub fn authorization_url(&self, options: &str) -> JsResult<String> {
        run(|| {
            let o = Opts::parse(options, "options", &["pkce", "state", "codeVerifier", "scopes", "offline", "prompt"])?;
            let r = authorize::authorization_url(&self.cfg, AuthorizeOptions {
                pkce: o.boolean("pkce")?,
                state: o.string("state")?,
                code_verifier: o.string("codeVerifier")?,
                scopes: o.strings("scopes")?,
                offline: o.boolean("offline")?,
                prompt: o.string("prompt")?,
            })?;
            let mut out = String::new();
            ObjectWriter::new(&mut out)
                .str("url", &r.url)
                .str("state", &r.state)
                .opt_str("codeVerifier", r.pkce.as_ref().map(|p| p.code_verifier.expose()))
                .opt_str("codeChallenge", r.pkce.as_ref().map(|p| p.code_challenge.as_str()))
                .strs("scopes", &r.scopes)
                .end();
            Ok(out)
        })
    }

    /// `{type: "code", code, state, iss, scopes}` or `{type: "implicit", state, tokens}`.
    #[wasm_bindgen(js_name = parseRedirect)]
    pub fn parse_redirect(&self, url: Option<String>, options: &str) -> JsResult<String> {
        run(|| {
            let o = Opts::parse(options, "options", &["state", "skipStateCheck"])?;
            let expected = o.string("state")?;
            let check = match (&expected, o.boolean("skipStateCheck")?.unwrap_or(false)) {
                (Some(s), false) => StateCheck::Expect(s),
                (None, true) => StateCheck::Skip,
                (Some(_), true) => return Err(Error::config("skipStateCheck", "Pass either `state` or `skipStateCheck: true`, not both.")),
                (None, false) => {
                    return Err(Error::config("state", "Pass the `state` you stored when building the authorization URL: parseRedirect(url, { state }).")
                        .hint("Checking state is what stops a forged redirect; skip it only with `skipStateCheck: true` if you verify it yourself."))
                }
            };
            let Some(text) = url else {
                return Err(Error::redirect("Pass the redirect URL as a string (for example `location.href`)."));
            };
            let mut out = String::new();
            match redirect::parse(&text, check, Some(&self.cfg.endpoints.issuer))? {
                Redirect::Code { code, state, scope, iss } => {
                    let mut w = ObjectWriter::new(&mut out);
                    w.str("type", "code").str("code", &code).opt_str("state", state.as_deref()).opt_str("iss", iss.as_deref());
                    if let Some(s) = scope {
                        w.strs("scopes", &redirect::split_scope(&s));
                    }
                    w.end();
                }
                Redirect::Implicit { access_token, token_type, expires_in, scope, state } => {
                    let received_at = js::now_secs();
                    let expires_at = expiry::token_set_expires_at(TokenSetTimes { access_token: Some(&access_token), expires_at: None, received_at: Some(received_at), expires_in }).ok();
                    let tokens = TokenSet {
                        access_token: Secret::new(access_token),
                        refresh_token: None,
                        token_type: token_type.unwrap_or_else(|| String::from("Bearer")),
                        expires_in,
                        expires_at,
                        received_at,
                        scopes: scope.map(|s| redirect::split_scope(&s)).unwrap_or_default(),
                        id_token: None,
                        warnings: alloc::vec::Vec::new(),
                    };
                    let mut t = String::new();
                    token_set_json(&mut t, &tokens);
                    ObjectWriter::new(&mut out).str("type", "implicit").opt_str("state", state.as_deref()).raw("tokens", &t).end();
                }
            }
            Ok(out)
        })
    }

    /// The configuration with the secret redacted (what `toJSON` and `console.log` show).
    pub fn describe(&self) -> String {
        let mut eps = String::new();
        endpoints_json(&mut eps, &self.cfg.endpoints);
        let mut out = String::new();
        ObjectWriter::new(&mut out)
            .str("clientId", &self.cfg.client_id)
            .opt_str("clientSecret", self.cfg.client_secret.as_ref().map(|_| "[redacted]"))
            .opt_str("redirectUri", self.cfg.redirect_uri.as_deref())
            .strs("scopes", &self.cfg.scopes)
            .raw("endpoints", &eps)
            .end();
        out
    }

    /// The request for a call, `{url, headers, body}`. `kind`: authorization_code | refresh_token |
    /// device_code | device_authorization | revocation. `value`: the code or token the call is about.
    pub fn request(&self, kind: &str, value: Option<String>, options: &str) -> JsResult<String> {
        run(|| {
            let cfg = &self.cfg;
            let need = |what: &'static str| value.as_deref().ok_or_else(|| Error::config(what, "Expected a string here."));
            let r = match kind {
                "authorization_code" => {
                    let o = Opts::parse(options, "options", &with_net(["codeVerifier"]))?;
                    let verifier = o.string("codeVerifier")?;
                    token::request(cfg, Grant::AuthorizationCode { code: need("code")?, code_verifier: verifier.as_deref() })?
                }
                "refresh_token" => {
                    Opts::parse(options, "options", &NET)?;
                    let rt = value.as_deref().ok_or_else(token::no_refresh_token)?;
                    token::request(cfg, Grant::RefreshToken { refresh_token: rt })?
                }
                "device_code" => {
                    Opts::parse(options, "options", &with_net(["onPending"]))?;
                    token::request(cfg, Grant::DeviceCode { device_code: need("deviceCode")? })?
                }
                "device_authorization" => {
                    let o = Opts::parse(options, "options", &with_net(["scopes", "offline"]))?;
                    let scopes = match (o.strings("scopes")?, o.boolean("offline")?) {
                        (None, None) => cfg.scopes.clone(),
                        (s, offline) => config::build_scopes(s.as_deref().or(cfg.requested_scopes.as_deref()), offline.unwrap_or(cfg.offline))?,
                    };
                    device::request(cfg, &scopes)
                }
                "revocation" => {
                    let o = Opts::parse(options, "options", &with_net(["tokenTypeHint"]))?;
                    let hint = o.string("tokenTypeHint")?;
                    revocation::request(cfg, need("token")?, hint.as_deref())?
                }
                _ => return Err(Error::config("kind", "Unknown request kind.")),
            };
            Ok(request_json(&r))
        })
    }

    /// A token-endpoint response as a TokenSet. `previous`: the refresh token used, kept when a refresh
    /// answer carries none (and no missing-refresh-token warning for refreshes).
    #[wasm_bindgen(js_name = tokenResponse)]
    pub fn token_response(&self, status: u16, retry_after_header: Option<String>, body: &str, previous: Option<String>) -> JsResult<String> {
        run(|| {
            let ctx = token::Context {
                now: js::now_secs(),
                requested_offline: previous.is_none() && self.cfg.scopes.iter().any(|s| s == OFFLINE_ACCESS),
                previous_refresh_token: previous.as_deref(),
            };
            let t = token::parse(status, retry_after(retry_after_header), body, ctx)?;
            let mut out = String::new();
            token_set_json(&mut out, &t);
            Ok(out)
        })
    }

    #[wasm_bindgen(js_name = deviceStartResponse)]
    pub fn device_start_response(&self, status: u16, retry_after_header: Option<String>, body: &str) -> JsResult<String> {
        run(|| {
            let d = device::parse_start(status, retry_after(retry_after_header), body, js::now_secs())?;
            let mut out = String::new();
            ObjectWriter::new(&mut out)
                .str("deviceCode", d.device_code.expose())
                .str("userCode", &d.user_code)
                .str("verificationUri", &d.verification_uri)
                .opt_str("verificationUriComplete", d.verification_uri_complete.as_deref())
                .num("expiresIn", d.expires_in)
                .num("expiresAt", d.expires_at)
                .num("interval", d.interval)
                .end();
            Ok(out)
        })
    }

    /// One poll's outcome: `{status: "pending" | "slow_down" | "complete", tokens?}`.
    #[wasm_bindgen(js_name = devicePollResponse)]
    pub fn device_poll_response(&self, status: u16, retry_after_header: Option<String>, body: &str) -> JsResult<String> {
        run(|| {
            let ctx = token::Context { now: js::now_secs(), requested_offline: self.cfg.scopes.iter().any(|s| s == OFFLINE_ACCESS), previous_refresh_token: None };
            let mut out = String::new();
            match device::parse_poll(status, retry_after(retry_after_header), body, ctx)? {
                Poll::Pending => ObjectWriter::new(&mut out).str("status", "pending").end(),
                Poll::SlowDown => ObjectWriter::new(&mut out).str("status", "slow_down").end(),
                Poll::Complete(t) => {
                    let mut tokens = String::new();
                    token_set_json(&mut tokens, &t);
                    ObjectWriter::new(&mut out).str("status", "complete").raw("tokens", &tokens).end();
                }
            }
            Ok(out)
        })
    }

    #[wasm_bindgen(js_name = revocationResponse)]
    pub fn revocation_response(&self, status: u16, retry_after_header: Option<String>, body: &str) -> JsResult<()> {
        run(|| revocation::parse(status, retry_after(retry_after_header), body))
    }

    /// A key set response: throws unless it is a 200 with a JSON object body.
    #[wasm_bindgen(js_name = jwksResponse)]
    pub fn jwks_response(&self, status: u16, retry_after_header: Option<String>, body: &str) -> JsResult<()> {
        run(|| {
            if status != 200 {
                return Err(http::error_response(status, retry_after(retry_after_header), body));
            }
            http::json_object(status, body).map(|_| ())
        })
    }

    /// The header checks of verification (RS256 only); returns the token's `kid` (or undefined). The JS
    /// layer then hands `header.payload` and the signature to WebCrypto.
    #[wasm_bindgen(js_name = verifyPrepare)]
    pub fn verify_prepare(&self, token: Option<String>) -> JsResult<Option<String>> {
        run(|| Ok(verify::prepare(&token_text(token, false)?)?.kid))
    }

    /// The claims of a token whose signature verified, checked against this client's configuration.
    #[wasm_bindgen(js_name = verifyClaims)]
    pub fn verify_claims(&self, token: Option<String>, options: &str) -> JsResult<String> {
        run(|| {
            let o = Opts::parse(options, "options", &with_net(["leewaySeconds", "now", "requiredScopes"]))?;
            let d = jwt::decode(&token_text(token, false)?)?;
            let required = o.strings("requiredScopes")?.unwrap_or_default();
            let warnings = verify::check_claims(&d.claims, verify::Expect {
                issuer: &self.cfg.endpoints.issuer,
                audience: &self.cfg.endpoints.audience,
                client_id: &self.cfg.client_id,
                now: o.now()?,
                leeway: o.seconds("leewaySeconds")?.unwrap_or(expiry::DEFAULT_LEEWAY_SECS),
                required_scopes: &required,
            })?;
            let mut out = String::new();
            claims_json(&mut out, &d, Some(&warnings));
            Ok(out)
        })
    }
}
