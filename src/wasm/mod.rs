//! The wasm-bindgen surface. Each export reads its JS arguments, calls one core function, and builds the
//! JS result; errors become `CtctOAuthError`s. Names follow the JS API (camelCase).

pub mod js;

use alloc::string::String;

use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;

use crate::authorize::{self, AuthorizeOptions};
use crate::config::{self, Config, ConfigInput};
use crate::endpoints::{Endpoints, SCOPES};
use crate::error::{codes, Error};
use crate::expiry::{self, TokenSetTimes};
use crate::jwt::{self, Audience};
use crate::redirect::{self, Redirect, StateCheck};
use crate::secret::Secret;
use crate::{pkce, state};
use js::{set, set_num, set_str, str_array, to_js, token_arg, Opts};

type JsResult<T> = Result<T, JsValue>;

/// Called once by the package entry with the JS `CtctOAuthError` class.
#[wasm_bindgen(js_name = __registerErrorClass)]
pub fn register_error_class(ctor: Function) {
    js::register_error_class(ctor);
}

fn endpoints_object(e: &Endpoints) -> Object {
    let o = Object::new();
    for (k, v) in e.entries() {
        set_str(&o, k, Some(v));
    }
    o
}

/// Constant Contact's production endpoints (the package exports them frozen as `ENDPOINTS`).
#[wasm_bindgen(js_name = __endpoints)]
pub fn endpoints() -> Object {
    endpoints_object(&Endpoints::default())
}

/// Constant Contact's scopes (exported frozen as `SCOPES`).
#[wasm_bindgen(js_name = __scopes)]
pub fn scopes() -> Array {
    SCOPES.iter().map(|s| JsValue::from_str(s)).collect()
}

/// `createPkce({ codeVerifier? })` → `{ codeVerifier, codeChallenge, codeChallengeMethod: "S256" }`.
#[wasm_bindgen(js_name = createPkce)]
pub fn create_pkce(options: JsValue) -> JsResult<Object> {
    let opts = Opts::new(options, "options", &["codeVerifier"]).map_err(to_js)?;
    let p = match opts.string("codeVerifier").map_err(to_js)? {
        Some(v) => pkce::from_verifier(v),
        None => pkce::create(),
    }
    .map_err(to_js)?;
    let o = Object::new();
    set_str(&o, "codeVerifier", Some(p.code_verifier.expose()));
    set_str(&o, "codeChallenge", Some(&p.code_challenge));
    set_str(&o, "codeChallengeMethod", Some("S256"));
    Ok(o)
}

/// 43 base64url characters from 32 random bytes.
#[wasm_bindgen(js_name = generateState)]
pub fn generate_state() -> JsResult<String> {
    state::generate().map_err(to_js)
}

/// Decodes (does not verify) a Constant Contact access token.
#[wasm_bindgen(js_name = decodeAccessToken)]
pub fn decode_access_token(token: JsValue) -> JsResult<Object> {
    let t = token_arg(&token, codes::INVALID_JWT, "the access token").map_err(to_js)?;
    let d = jwt::decode(&t).map_err(to_js)?;
    Ok(claims_object(&d))
}

/// The JS view of decoded claims (shared by decodeAccessToken and verifyAccessToken).
fn claims_object(d: &jwt::Decoded) -> Object {
    let c = &d.claims;
    let o = Object::new();
    set_str(&o, "iss", c.iss.as_deref());
    let aud = match &c.aud {
        None => JsValue::UNDEFINED,
        Some(Audience::One(a)) => JsValue::from_str(a),
        Some(Audience::Many(list)) => str_array(list).into(),
    };
    set(&o, "aud", &aud);
    set_str(&o, "sub", c.sub.as_deref());
    set_num(&o, "exp", Some(c.exp));
    set_num(&o, "iat", c.iat);
    set_str(&o, "jti", c.jti.as_deref());
    set_str(&o, "clientId", c.client_id.as_deref());
    set_str(&o, "userId", c.user_id.as_deref());
    set_str(&o, "platformUserId", c.platform_user_id.as_deref());
    set(&o, "scopes", &str_array(&c.scopes));
    set_num(&o, "expiresAt", Some(c.exp));
    // The payload passed our strict reader, so the engine's parser accepts it too.
    set(&o, "raw", &js_sys::JSON::parse(&d.payload_json).unwrap_or(JsValue::UNDEFINED));
    o
}

/// The access token's `exp`, in seconds since 1970.
#[wasm_bindgen(js_name = tokenExpiresAt)]
pub fn token_expires_at(token: JsValue) -> JsResult<f64> {
    let t = token_arg(&token, codes::INVALID_JWT, "the access token").map_err(to_js)?;
    jwt::expires_at(&t).map(|s| s as f64).map_err(to_js)
}

fn times_of(tokens: &JsValue) -> Result<(Option<String>, TokenSetTimes<'static>), Error> {
    let o = Opts::new(tokens.clone(), "tokens", &["accessToken", "refreshToken", "tokenType", "expiresIn", "expiresAt", "receivedAt", "scopes", "warnings", "idToken"])?;
    let at = o.string("accessToken")?;
    Ok((at, TokenSetTimes { access_token: None, expires_at: o.seconds("expiresAt")?, received_at: o.seconds("receivedAt")?, expires_in: o.seconds("expiresIn")? }))
}

/// `isExpired(jwtOrTokenSet, { leewaySeconds = 60, now })`: true from `exp - leeway` on.
#[wasm_bindgen(js_name = isExpired)]
pub fn is_expired(token_or_set: JsValue, options: JsValue) -> JsResult<bool> {
    let opts = Opts::new(options, "options", &["leewaySeconds", "now"]).map_err(to_js)?;
    let leeway = opts.seconds("leewaySeconds").map_err(to_js)?.unwrap_or(expiry::DEFAULT_LEEWAY_SECS);
    let now = opts.now().map_err(to_js)?;
    let expires_at = match token_or_set.as_string() {
        Some(t) => jwt::expires_at(&t),
        None if token_or_set.is_object() => {
            let (at, times) = times_of(&token_or_set).map_err(to_js)?;
            expiry::token_set_expires_at(TokenSetTimes { access_token: at.as_deref(), ..times })
        }
        None => Err(Error::jwt("Expected an access token (string) or a token set (object).")),
    }
    .map_err(to_js)?;
    Ok(expiry::is_expired(expires_at, now, leeway))
}

/// The client: configuration checked once, then the flows.
#[wasm_bindgen]
pub struct ConstantContactOAuth {
    cfg: Config,
    /// Custom `fetch`, used by the token-endpoint calls.
    #[allow(dead_code)]
    fetch: Option<Function>,
}

#[wasm_bindgen]
impl ConstantContactOAuth {
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> JsResult<ConstantContactOAuth> {
        Self::build(config).map_err(to_js)
    }

    fn build(config: JsValue) -> Result<ConstantContactOAuth, Error> {
        if config.is_undefined() || config.is_null() {
            return Err(Error::config("config", "Pass a configuration object: new ConstantContactOAuth({ clientId, redirectUri })."));
        }
        let o = Opts::new(config, "config", &["clientId", "clientSecret", "redirectUri", "scopes", "offline", "endpoints", "fetch", "allowInsecureLoopback"])?;
        let eps = Opts::new(o.get("endpoints"), "endpoints", &crate::endpoints::NAMES)?;
        let mut endpoints = alloc::vec::Vec::new();
        for name in crate::endpoints::NAMES {
            if let Some(v) = eps.string(name)? {
                endpoints.push((String::from(name), v));
            }
        }
        let fetch = o.get("fetch");
        let fetch = if fetch.is_undefined() || fetch.is_null() {
            None
        } else {
            Some(fetch.dyn_into::<Function>().map_err(|_| config::type_error("fetch", "a function like the global fetch"))?)
        };
        let cfg = config::validate(ConfigInput {
            client_id: o.string("clientId")?,
            client_secret: o.string("clientSecret")?.map(Secret::new),
            redirect_uri: o.string("redirectUri")?,
            scopes: o.strings("scopes")?,
            offline: o.boolean("offline")?,
            endpoints,
            allow_insecure_loopback: o.boolean("allowInsecureLoopback")?.unwrap_or(false),
            is_browser: js::is_browser(),
        })?;
        Ok(ConstantContactOAuth { cfg, fetch })
    }

    /// `{ url, state, codeVerifier?, codeChallenge?, scopes }`. Store `state` (and `codeVerifier`).
    #[wasm_bindgen(js_name = authorizationUrl)]
    pub fn authorization_url(&self, options: JsValue) -> JsResult<Object> {
        self.authorization_url_inner(options).map_err(to_js)
    }

    fn authorization_url_inner(&self, options: JsValue) -> Result<Object, Error> {
        let o = Opts::new(options, "options", &["pkce", "state", "codeVerifier", "scopes", "offline", "prompt"])?;
        let r = authorize::authorization_url(&self.cfg, AuthorizeOptions {
            pkce: o.boolean("pkce")?,
            state: o.string("state")?,
            code_verifier: o.string("codeVerifier")?,
            scopes: o.strings("scopes")?,
            offline: o.boolean("offline")?,
            prompt: o.string("prompt")?,
        })?;
        let out = Object::new();
        set_str(&out, "url", Some(&r.url));
        set_str(&out, "state", Some(&r.state));
        set_str(&out, "codeVerifier", r.pkce.as_ref().map(|p| p.code_verifier.expose()));
        set_str(&out, "codeChallenge", r.pkce.as_ref().map(|p| p.code_challenge.as_str()));
        set(&out, "scopes", &str_array(&r.scopes));
        Ok(out)
    }

    /// Reads the redirect: `{ type: "code", code, state, iss, scopes }` or, for a legacy implicit
    /// redirect, `{ type: "implicit", state, tokens }`. `state` is required unless `skipStateCheck`.
    #[wasm_bindgen(js_name = parseRedirect)]
    pub fn parse_redirect(&self, url: JsValue, options: JsValue) -> JsResult<Object> {
        self.parse_redirect_inner(url, options).map_err(to_js)
    }

    fn parse_redirect_inner(&self, url: JsValue, options: JsValue) -> Result<Object, Error> {
        let o = Opts::new(options, "options", &["state", "skipStateCheck"])?;
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
        // A URL object or `location` works as well as a string.
        let text = url.as_string().or_else(|| {
            url.is_object().then(|| js_sys::Reflect::get(&url, &JsValue::from_str("href")).ok().and_then(|h| h.as_string())).flatten()
        });
        let Some(text) = text else {
            return Err(Error::redirect("Pass the redirect URL as a string (for example `location.href`)."));
        };
        let out = Object::new();
        match redirect::parse(&text, check, Some(&self.cfg.endpoints.issuer))? {
            Redirect::Code { code, state, scope, iss } => {
                set_str(&out, "type", Some("code"));
                set_str(&out, "code", Some(&code));
                set_str(&out, "state", state.as_deref());
                set_str(&out, "iss", iss.as_deref());
                set(&out, "scopes", &scope.map_or(JsValue::UNDEFINED, |s| str_array(&redirect::split_scope(&s)).into()));
            }
            Redirect::Implicit { access_token, token_type, expires_in, scope, state } => {
                let received_at = js::now_secs();
                let expires_at = expiry::token_set_expires_at(TokenSetTimes {
                    access_token: Some(&access_token),
                    expires_at: None,
                    received_at: Some(received_at),
                    expires_in,
                })
                .ok();
                let t = Object::new();
                set_str(&t, "accessToken", Some(&access_token));
                set_str(&t, "tokenType", token_type.as_deref());
                set_num(&t, "expiresIn", expires_in);
                set_num(&t, "expiresAt", expires_at);
                set_num(&t, "receivedAt", Some(received_at));
                set(&t, "scopes", &str_array(&scope.map(|s| redirect::split_scope(&s)).unwrap_or_default()));
                set(&t, "warnings", &Array::new());
                set_str(&out, "type", Some("implicit"));
                set_str(&out, "state", state.as_deref());
                set(&out, "tokens", &t);
            }
        }
        Ok(out)
    }

    /// A redacted view of the configuration (also what `console.log` and `JSON.stringify` show).
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> Object {
        let o = Object::new();
        set_str(&o, "clientId", Some(&self.cfg.client_id));
        set_str(&o, "clientSecret", self.cfg.client_secret.as_ref().map(|_| "[redacted]"));
        set_str(&o, "redirectUri", self.cfg.redirect_uri.as_deref());
        set(&o, "scopes", &str_array(&self.cfg.scopes));
        set(&o, "endpoints", &endpoints_object(&self.cfg.endpoints));
        o
    }
}

// ---- Token endpoint, device flow, revocation, verification: request/response pairs ----
//
// The async part (fetch, timeout, abort, waiting between polls) is in pkg/lib/client.js: awaiting a
// promise from Rust through wasm-bindgen-futures measured +13.7 KB raw wasm and +4.3 KB of glue, a third
// of the size budget. Every protocol decision stays here: these methods build each request's exact bytes
// and read each response.

use crate::device::{self, Poll};
use crate::http::{self, Transport};
use crate::token::{self, Grant, TokenSet};
use crate::{revocation, verify};

fn request_object(r: &http::Request) -> Object {
    let o = Object::new();
    set_str(&o, "url", Some(&r.url));
    let headers = Object::new();
    for (k, v) in &r.headers {
        set_str(&headers, k, Some(v));
    }
    set(&o, "headers", &headers);
    set_str(&o, "body", Some(&r.body));
    o
}

fn token_set_object(t: &TokenSet) -> Object {
    let o = Object::new();
    set_str(&o, "accessToken", Some(t.access_token.expose()));
    set_str(&o, "refreshToken", t.refresh_token.as_ref().map(Secret::expose));
    set_str(&o, "tokenType", Some(&t.token_type));
    set_num(&o, "expiresIn", t.expires_in);
    set_num(&o, "expiresAt", t.expires_at);
    set_num(&o, "receivedAt", Some(t.received_at));
    set(&o, "scopes", &str_array(&t.scopes));
    if let Some(id) = &t.id_token {
        set_str(&o, "idToken", Some(id));
    }
    set(&o, "warnings", &t.warnings.iter().map(|w| JsValue::from_str(w)).collect::<Array>());
    o
}

/// `Retry-After` as seconds (the HTTP-date form is ignored).
fn retry_after(header: Option<String>) -> Option<u64> {
    header.and_then(|h| h.trim().parse::<u64>().ok())
}

/// A string argument; absent or not a string is `None`.
fn opt_string(v: &JsValue) -> Option<String> {
    v.as_string()
}

/// Options every network call takes (read by the JS layer, allowed here so typos are caught).
const NET_OPTIONS: [&str; 2] = ["timeoutMs", "signal"];

fn allowed(extra: &[&'static str]) -> alloc::vec::Vec<&'static str> {
    let mut v = alloc::vec::Vec::from(NET_OPTIONS);
    v.extend_from_slice(extra);
    v
}

/// Errors the JS layer raises itself, built here so every message lives in Rust.
#[wasm_bindgen(js_name = __error)]
pub fn error_for(kind: &str) -> JsValue {
    to_js(match kind {
        "timeout" => http::transport_error(Transport::Timeout, false),
        "aborted" => http::transport_error(Transport::Aborted, false),
        "expired_token" => device::expired(),
        "key_not_found" => verify::key_not_found(),
        "signature_invalid" => Error::new(codes::JWT_SIGNATURE_INVALID, "The token's signature does not verify with the key set's key: it was altered or signed by someone else. Do not trust it."),
        "no_fetch" => Error::new(crate::http::codes::NETWORK_ERROR, "There is no global fetch in this runtime; pass `fetch` in the configuration."),
        _ => http::transport_error(Transport::Network, js::is_browser()),
    })
}

#[wasm_bindgen]
impl ConstantContactOAuth {
    /// The custom fetch given in the configuration, if any.
    #[wasm_bindgen(js_name = __fetch)]
    pub fn custom_fetch(&self) -> Option<Function> {
        self.fetch.clone()
    }

    /// The request for a call. `kind`: authorization_code | refresh_token | device_code |
    /// device_authorization (revocation has its own, for the type hint). `value`: the code / token the call is about.
    #[wasm_bindgen(js_name = __request)]
    pub fn request(&self, kind: &str, value: JsValue, options: JsValue) -> JsResult<Object> {
        self.request_inner(kind, value, options).map(|r| request_object(&r)).map_err(to_js)
    }

    fn request_inner(&self, kind: &str, value: JsValue, options: JsValue) -> Result<http::Request, Error> {
        let cfg = &self.cfg;
        let string_value = |what: &'static str| token_arg(&value, codes::INVALID_CONFIG, what);
        match kind {
            "authorization_code" => {
                let o = Opts::new(options, "options", &allowed(&["codeVerifier"]))?;
                let code = string_value("the authorization code")?;
                let verifier = o.string("codeVerifier")?;
                token::request(cfg, Grant::AuthorizationCode { code: &code, code_verifier: verifier.as_deref() })
            }
            "refresh_token" => {
                Opts::new(options, "options", &NET_OPTIONS)?;
                let Some(rt) = opt_string(&value) else {
                    return Err(token::no_refresh_token());
                };
                token::request(cfg, Grant::RefreshToken { refresh_token: &rt })
            }
            "device_code" => {
                Opts::new(options, "options", &allowed(&["onPending"]))?;
                let dc = string_value("the device authorization's deviceCode")?;
                token::request(cfg, Grant::DeviceCode { device_code: &dc })
            }
            "device_authorization" => {
                let o = Opts::new(options, "options", &allowed(&["scopes", "offline"]))?;
                let scopes = match (o.strings("scopes")?, o.boolean("offline")?) {
                    (None, None) => cfg.scopes.clone(),
                    (s, offline) => config::build_scopes(s.as_deref().or(cfg.requested_scopes.as_deref()), offline.unwrap_or(cfg.offline))?,
                };
                Ok(device::request(cfg, &scopes))
            }
            _ => Err(Error::config("kind", "Unknown request kind.")),
        }
    }

    /// The revocation request with a type hint (`refresh_token` or `access_token`).
    #[wasm_bindgen(js_name = __revocationRequest)]
    pub fn revocation_request(&self, token: JsValue, hint: JsValue, options: JsValue) -> JsResult<Object> {
        (|| {
            Opts::new(options, "options", &NET_OPTIONS)?;
            let t = token_arg(&token, codes::INVALID_CONFIG, "the token to revoke")?;
            let h = opt_string(&hint);
            revocation::request(&self.cfg, &t, h.as_deref())
        })()
        .map(|r| request_object(&r))
        .map_err(to_js)
    }

    /// Reads a token-endpoint response into a TokenSet. `previous_refresh_token` is kept when a refresh
    /// answer carries none.
    #[wasm_bindgen(js_name = __tokenResponse)]
    pub fn token_response(&self, status: u16, retry_after_header: Option<String>, body: &str, previous_refresh_token: Option<String>) -> JsResult<Object> {
        let ctx = token::Context {
            now: js::now_secs(),
            requested_offline: previous_refresh_token.is_none() && self.cfg.scopes.iter().any(|s| s == crate::endpoints::OFFLINE_ACCESS),
            previous_refresh_token: previous_refresh_token.as_deref(),
        };
        token::parse(status, retry_after(retry_after_header), body, ctx).map(|t| token_set_object(&t)).map_err(to_js)
    }

    #[wasm_bindgen(js_name = __deviceStartResponse)]
    pub fn device_start_response(&self, status: u16, retry_after_header: Option<String>, body: &str) -> JsResult<Object> {
        let d = device::parse_start(status, retry_after(retry_after_header), body, js::now_secs()).map_err(to_js)?;
        let o = Object::new();
        set_str(&o, "deviceCode", Some(d.device_code.expose()));
        set_str(&o, "userCode", Some(&d.user_code));
        set_str(&o, "verificationUri", Some(&d.verification_uri));
        set_str(&o, "verificationUriComplete", d.verification_uri_complete.as_deref());
        set_num(&o, "expiresIn", Some(d.expires_in));
        set_num(&o, "expiresAt", Some(d.expires_at));
        set_num(&o, "interval", Some(d.interval));
        Ok(o)
    }

    /// One poll's outcome: `{ status: "pending" | "slow_down" | "complete", tokens? }`.
    #[wasm_bindgen(js_name = __devicePollResponse)]
    pub fn device_poll_response(&self, status: u16, retry_after_header: Option<String>, body: &str) -> JsResult<Object> {
        let ctx = token::Context {
            now: js::now_secs(),
            requested_offline: self.cfg.scopes.iter().any(|s| s == crate::endpoints::OFFLINE_ACCESS),
            previous_refresh_token: None,
        };
        let o = Object::new();
        match device::parse_poll(status, retry_after(retry_after_header), body, ctx).map_err(to_js)? {
            Poll::Pending => set_str(&o, "status", Some("pending")),
            Poll::SlowDown => set_str(&o, "status", Some("slow_down")),
            Poll::Complete(t) => {
                set_str(&o, "status", Some("complete"));
                set(&o, "tokens", &token_set_object(&t));
            }
        }
        Ok(o)
    }

    #[wasm_bindgen(js_name = __revocationResponse)]
    pub fn revocation_response(&self, status: u16, retry_after_header: Option<String>, body: &str) -> JsResult<()> {
        revocation::parse(status, retry_after(retry_after_header), body).map_err(to_js)
    }

    /// A key set response: throws unless it is a 200 with a JSON object body.
    #[wasm_bindgen(js_name = __jwksResponse)]
    pub fn jwks_response(&self, status: u16, retry_after_header: Option<String>, body: &str) -> JsResult<()> {
        if status != 200 {
            return Err(to_js(http::error_response(status, retry_after(retry_after_header), body)));
        }
        http::json_object(status, body).map(|_| ()).map_err(to_js)
    }

    /// `{ kid, input, signature }` for WebCrypto, after the header checks (RS256 only).
    #[wasm_bindgen(js_name = __verifyPrepare)]
    pub fn verify_prepare(&self, token: JsValue) -> JsResult<Object> {
        let t = token_arg(&token, codes::INVALID_JWT, "the access token").map_err(to_js)?;
        let p = verify::prepare(&t).map_err(to_js)?;
        let o = Object::new();
        set_str(&o, "kid", p.kid.as_deref());
        set(&o, "input", &js_sys::Uint8Array::from(p.signing_input.as_bytes()));
        set(&o, "signature", &js_sys::Uint8Array::from(p.signature.as_slice()));
        Ok(o)
    }

    /// Index in the key set's `keys` of the key for `kid`, or undefined.
    #[wasm_bindgen(js_name = __selectKey)]
    pub fn select_key(&self, jwks: &str, kid: Option<String>) -> JsResult<Option<u32>> {
        verify::select_key(jwks, kid.as_deref()).map(|i| i.map(|i| i as u32)).map_err(to_js)
    }

    /// The claims of a token whose signature verified, checked against this client's configuration.
    #[wasm_bindgen(js_name = __verifyClaims)]
    pub fn verify_claims(&self, token: JsValue, options: JsValue) -> JsResult<Object> {
        (|| {
            let o = Opts::new(options, "options", &allowed(&["leewaySeconds", "now", "requiredScopes"]))?;
            let t = token_arg(&token, codes::INVALID_JWT, "the access token")?;
            let d = jwt::decode(&t)?;
            let required = o.strings("requiredScopes")?.unwrap_or_default();
            let warnings = verify::check_claims(&d.claims, verify::Expect {
                issuer: &self.cfg.endpoints.issuer,
                audience: &self.cfg.endpoints.audience,
                client_id: &self.cfg.client_id,
                now: o.now()?,
                leeway: o.seconds("leewaySeconds")?.unwrap_or(expiry::DEFAULT_LEEWAY_SECS),
                required_scopes: &required,
            })?;
            let out = claims_object(&d);
            set(&out, "warnings", &warnings.iter().map(|w| JsValue::from_str(w)).collect::<Array>());
            Ok(out)
        })()
        .map_err(to_js)
    }

    /// An endpoint by its JS name (for the JS layer's GET of the key set).
    #[wasm_bindgen(js_name = __endpoint)]
    pub fn endpoint(&self, name: &str) -> Option<String> {
        self.cfg.endpoints.entries().iter().find(|(k, _)| *k == name).map(|(_, v)| String::from(*v))
    }
}
