//! The wasm-bindgen surface, and nothing else: each export converts its arguments, calls the operation in
//! [`crate::ops`] (or [`crate::client`], [`crate::server`]) and returns its JSON text, or throws its error
//! as a `CtctOAuthError`. Strings in, one JSON text out, one boundary crossing per call; the public API
//! (classes, option objects, async calls) is the JS in `pkg/lib/`.
//!
//! Why the async part is JS: awaiting a promise from Rust through wasm-bindgen-futures costs about
//! 14 KB of wasm and 4 KB of glue (CONTRIBUTING.md, Dependencies); every protocol decision stays in Rust as a
//! request/response pair.

mod js_error;

use alloc::string::String;

use js_sys::Function;
#[cfg(feature = "server")]
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;

use ctct_oauth_core::error::Error;
use js_error::to_js;

#[cfg(feature = "client")]
use crate::client;
use crate::ops;
#[cfg(feature = "server")]
use crate::server;

type JsResult<T> = Result<T, JsValue>;

fn run<T>(r: Result<T, Error>) -> JsResult<T> {
    r.map_err(to_js)
}

/// `now` from the JS clock (which a caller may inject): whole seconds since 1970.
fn secs(now: f64) -> Result<u64, Error> {
    if now.is_finite() && (0.0..1e11).contains(&now) {
        Ok(now as u64)
    } else {
        Err(Error::config(
            "clock",
            "The clock must return seconds since 1970 (or a Date); this one returned something else (milliseconds?).",
        ))
    }
}

/// Called once by the package entry with the JS `CtctOAuthError` class.
#[wasm_bindgen(js_name = __registerErrorClass)]
pub fn register_error_class(ctor: Function) {
    js_error::register_error_class(ctor);
}

#[cfg(feature = "client")]
#[wasm_bindgen(js_name = __checkOptions)]
pub fn check_options(options_type: &str, options: &str) -> JsResult<String> {
    run(client::check_options(options_type, options))
}

#[cfg(feature = "client")]
#[wasm_bindgen(js_name = __createPkce)]
pub fn create_pkce(options: &str) -> JsResult<String> {
    run(client::create_pkce(options))
}

#[cfg(feature = "client")]
#[wasm_bindgen(js_name = __generateState)]
pub fn generate_state() -> JsResult<String> {
    run(client::generate_state())
}

#[wasm_bindgen(js_name = __decode)]
pub fn decode(token: Option<String>, token_set_given: bool) -> JsResult<String> {
    run(ops::decode(token.as_deref(), token_set_given))
}

#[wasm_bindgen(js_name = __expiresAt)]
pub fn expires_at(token: Option<String>, token_set_given: bool) -> JsResult<f64> {
    run(ops::expires_at(token.as_deref(), token_set_given).map(|s| s as f64))
}

#[wasm_bindgen(js_name = __isExpired)]
pub fn is_expired(token: Option<String>, set_json: Option<String>, options: &str, now: f64) -> JsResult<bool> {
    run(secs(now).and_then(|now| ops::is_expired(token.as_deref(), set_json.as_deref(), options, now)))
}

/// A whole number from JS (a version, a clock offset): finite, integral, within 2^53.
#[cfg(feature = "client")]
fn whole(n: f64, field: &'static str) -> Result<i64, Error> {
    if n.is_finite() && n.abs() <= ctct_oauth_core::record::MAX_VERSION as f64 && n == (n as i64) as f64 {
        Ok(n as i64)
    } else {
        Err(Error::config(field, "Expected a whole number (a bug in ctct-oauth if you did not pass one)."))
    }
}

#[cfg(feature = "client")]
fn version(n: f64) -> Result<u64, Error> {
    u64::try_from(whole(n, "version")?).map_err(|_| Error::config("version", "Expected a version."))
}

#[cfg(feature = "client")]
#[wasm_bindgen(js_name = __readRecord)]
pub fn read_record(stored: &str, now: f64, skew: f64, margin: f64) -> JsResult<String> {
    run(secs(now).and_then(|now| client::read_record(stored, now, whole(skew, "skew")?, margin.max(0.0) as u64)))
}

#[cfg(feature = "client")]
#[wasm_bindgen(js_name = __recordStatus)]
pub fn record_status(stored: &str, now: f64, skew: f64, pending: bool) -> JsResult<String> {
    run(secs(now).and_then(|now| client::record_status(stored, now, whole(skew, "skew")?, pending)))
}

#[cfg(feature = "client")]
#[wasm_bindgen(js_name = __refreshedRecord)]
pub fn refreshed_record(base_version: f64, chain: f64, tokens: &str, now: f64) -> JsResult<String> {
    run(secs(now).and_then(|now| client::refreshed_record(version(base_version)?, version(chain)?, tokens, now)))
}

#[cfg(feature = "client")]
#[wasm_bindgen(js_name = __signedInRecord)]
pub fn signed_in_record(seen: f64, tokens: &str, now: f64) -> JsResult<String> {
    run(secs(now).and_then(|now| client::signed_in_record(version(seen)?, tokens, now)))
}

#[cfg(feature = "client")]
#[wasm_bindgen(js_name = __signedOutRecord)]
pub fn signed_out_record(
    stored: Option<String>,
    held_chain: f64,
    held_version: f64,
    now: f64,
    skew: f64,
) -> JsResult<String> {
    run(secs(now).and_then(|now| {
        let (chain, held) = (version(held_chain)?, version(held_version)?);
        client::signed_out_record(stored.as_deref(), chain, held, now, whole(skew, "skew")?)
    }))
}

#[cfg(feature = "client")]
#[wasm_bindgen(js_name = __failedRecord)]
pub fn failed_record(stored: &str, now: f64, skew: f64) -> JsResult<String> {
    run(secs(now).and_then(|now| client::failed_record(stored, now, whole(skew, "skew")?)))
}

// Kept in the client module: a fleet checks its options when constructed (synchronously), in any entry.
#[cfg(feature = "client")]
#[wasm_bindgen(js_name = __checkFleet)]
pub fn check_fleet(options: &str) -> JsResult<()> {
    run(client::check_fleet(options))
}

#[cfg(feature = "server")]
#[wasm_bindgen(js_name = __planRefreshes)]
pub fn plan_refreshes(accounts: &str, now: f64, turn_ms: f64, margin: f64) -> JsResult<String> {
    run(secs(now)
        .and_then(|now| server::plan_refreshes(accounts, now, turn_ms.max(0.0) as u64, margin.max(0.0) as u64)))
}

/// The error for a failed Constant Contact API response (`api_error` / `rate_limited`), returned.
#[cfg(feature = "client")]
#[wasm_bindgen(js_name = __apiError)]
pub fn api_error(status: u16, retry_after: Option<String>, body: &str) -> JsValue {
    to_js(client::api_error(status, retry_after.as_deref(), body))
}

/// The client: the configuration, checked once.
#[cfg(feature = "client")]
#[wasm_bindgen(js_name = __Client)]
pub struct Client(client::Client);

#[cfg(feature = "client")]
#[wasm_bindgen(js_class = __Client)]
impl Client {
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, in_browser: bool) -> JsResult<Client> {
        run(client::Client::new(config, in_browser).map(Client))
    }

    /// A client from environment variables (see `client::Client::from_env`).
    #[wasm_bindgen(js_name = fromEnv)]
    pub fn from_env(env: &str, options: &str, in_browser: bool) -> JsResult<Client> {
        run(client::Client::from_env(env, options, in_browser).map(Client))
    }

    pub fn describe(&self) -> String {
        self.0.describe()
    }

    #[wasm_bindgen(js_name = authorizationUrl)]
    pub fn authorization_url(&self, options: &str) -> JsResult<String> {
        run(self.0.authorization_url(options))
    }

    #[wasm_bindgen(js_name = parseRedirect)]
    pub fn parse_redirect(&self, url: Option<String>, options: &str, now: f64, implicit: bool) -> JsResult<String> {
        run(secs(now).and_then(|now| self.0.parse_redirect(url.as_deref(), options, now, implicit)))
    }

    #[wasm_bindgen(js_name = exchangeRequest)]
    pub fn exchange_request(&self, code: Option<String>, options: &str) -> JsResult<String> {
        run(self.0.exchange_request(code.as_deref(), options))
    }

    #[wasm_bindgen(js_name = refreshRequest)]
    pub fn refresh_request(&self, refresh_token: Option<String>, options: &str) -> JsResult<String> {
        run(self.0.refresh_request(refresh_token.as_deref(), options))
    }

    #[wasm_bindgen(js_name = tokenResponse)]
    pub fn token_response(
        &self,
        status: u16,
        retry: Option<String>,
        body: &str,
        now: f64,
        ctx: &str,
    ) -> JsResult<String> {
        run(secs(now).and_then(|now| self.0.token_response(status, retry.as_deref(), body, now, ctx)))
    }

    #[cfg(feature = "server")]
    #[wasm_bindgen(js_name = deviceStartRequest)]
    pub fn device_start_request(&self, options: &str) -> JsResult<String> {
        run(self.0.device_start_request(options))
    }

    #[cfg(feature = "server")]
    #[wasm_bindgen(js_name = deviceStartResponse)]
    pub fn device_start_response(
        &self,
        status: u16,
        retry: Option<String>,
        body: &str,
        now: f64,
        ctx: &str,
    ) -> JsResult<String> {
        run(secs(now).and_then(|now| self.0.device_start_response(status, retry.as_deref(), body, now, ctx)))
    }

    #[cfg(feature = "server")]
    #[wasm_bindgen(js_name = devicePollRequest)]
    pub fn device_poll_request(&self, device: &str, options: &str, now: f64) -> JsResult<String> {
        run(secs(now).and_then(|now| self.0.device_poll_request(device, options, now)))
    }

    #[cfg(feature = "server")]
    #[wasm_bindgen(js_name = devicePollResponse)]
    pub fn device_poll_response(
        &self,
        status: u16,
        retry: Option<String>,
        body: &str,
        now: f64,
        ctx: &str,
    ) -> JsResult<String> {
        run(secs(now).and_then(|now| self.0.device_poll_response(status, retry.as_deref(), body, now, ctx)))
    }

    #[wasm_bindgen(js_name = revokeRequest)]
    pub fn revoke_request(&self, token: Option<String>, options: &str) -> JsResult<String> {
        run(self.0.revoke_request(token.as_deref(), options))
    }

    #[wasm_bindgen(js_name = revokeResponse)]
    pub fn revoke_response(&self, status: u16, retry: Option<String>, body: &str) -> JsResult<()> {
        run(self.0.revoke_response(status, retry.as_deref(), body))
    }

    #[cfg(feature = "server")]
    #[wasm_bindgen(js_name = keySetResponse)]
    pub fn key_set_response(&self, status: u16, retry: Option<String>, body: &str) -> JsResult<String> {
        run(self.0.key_set_response(status, retry.as_deref(), body))
    }

    #[cfg(feature = "server")]
    /// `[keyId, signedLength, signature, claimsJson | undefined, claimsError | undefined]`: what WebCrypto
    /// needs, and the verdict on the claims, to report once the signature verified.
    #[wasm_bindgen(js_name = verifyPrepare)]
    pub fn verify_prepare(&self, token: Option<String>, options: &str, now: f64) -> JsResult<Array> {
        let p = run(secs(now).and_then(|now| self.0.verify_prepare(token.as_deref(), options, now)))?;
        let (claims, error) = match &p.verdict {
            Ok(warnings) => (JsValue::from_str(&client::Client::verified_claims(&p, warnings)), JsValue::UNDEFINED),
            Err(e) => (JsValue::UNDEFINED, to_js(e.clone())),
        };
        let out = Array::of3(
            &JsValue::from_str(&p.key_id),
            &JsValue::from_f64(p.signed_len as f64),
            &Uint8Array::from(&p.signature[..]),
        );
        out.push(&claims);
        out.push(&error);
        Ok(out)
    }

    #[wasm_bindgen(js_name = sessionSettings)]
    pub fn session_settings(&self, options: &str) -> JsResult<String> {
        run(self.0.session_settings(options))
    }
}
