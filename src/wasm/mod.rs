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
    Ok(o)
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
