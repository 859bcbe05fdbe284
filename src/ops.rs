//! The operations of the module, as plain Rust: option JSON and values in, one JSON text out. The wasm
//! layer ([`crate::wasm`]) only converts types and throws; everything here also runs under `cargo test`.
//! Each module (Cargo features, scripts/build.sh) carries its own: these are every module's (reading an
//! access token), [`crate::client`] adds the redirect flows, tokens, records and sessions, and
//! [`crate::server`] the device flow, verification and the fleet's planner.
//!
//! Network calls are request/response pairs (oauth4webapi's shape): a `*_request` builds the exact
//! request and a `context` (facts about what was asked, opaque to JS), the JS layer sends it, and the
//! matching `*_response` reads the answer against that context. Time always comes in as `now` (seconds,
//! from the JS layer's clock, which a caller may inject): nothing here reads a clock.

use alloc::string::String;

use ctct_oauth_core::error::Error;
use ctct_oauth_core::{expiry, jwt, session};

use crate::contract;
use crate::options::Opts;
use crate::results;

/// A token argument that was not a string (`None`): `token_set_given` adds the hint to pass its accessToken.
pub(crate) fn token_text(token: Option<&str>, token_set_given: bool) -> Result<&str, Error> {
    token.ok_or_else(|| {
        let e = Error::jwt("Expected the access token as a string.");
        if token_set_given {
            e.hint("This looks like a token set: pass its `accessToken`.")
        } else {
            e
        }
    })
}

pub(crate) fn decode(token: Option<&str>, token_set_given: bool) -> Result<String, Error> {
    let d = jwt::decode(token_text(token, token_set_given)?)?;
    let mut out = String::with_capacity(d.payload_json.len() + 400);
    results::claims(&mut out, &d, None);
    Ok(out)
}

pub(crate) fn expires_at(token: Option<&str>, token_set_given: bool) -> Result<u64, Error> {
    jwt::expires_at(token_text(token, token_set_given)?)
}

/// `isExpired(token or token set, options)`: a token as `token`, or a token set as JSON in `set_json`.
pub(crate) fn is_expired(token: Option<&str>, set_json: Option<&str>, options: &str, now: u64) -> Result<bool, Error> {
    let o = Opts::parse(options, &contract::IS_EXPIRED)?;
    let early_by = o.seconds("leewaySeconds")?.unwrap_or(expiry::DEFAULT_EARLY_BY_SECS);
    let now = o.now(now)?;
    let expires_at = match (token, set_json) {
        (Some(t), _) => jwt::expires_at(t)?,
        (None, Some(set)) => session::facts(set, 0, 0)?.expires_at,
        (None, None) => return Err(Error::jwt("Expected an access token (string) or a token set (object).")),
    };
    Ok(expiry::is_expired(expires_at, now, early_by))
}
