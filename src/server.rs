//! The server module's operations (feature `server`): the device flow, verifying an access token against
//! the key set (the RSA check itself is WebCrypto's, in JS), and the fleet's refresh planner. Browsers load
//! this module on first use; Node, Deno and Workers load only this one.

use alloc::string::String;
use alloc::vec::Vec;

use ctct_oauth_core::device::{self, Start};
use ctct_oauth_core::error::{type_error, Error};
use ctct_oauth_core::http::retry_after;
use ctct_oauth_core::json::{self, Value};
use ctct_oauth_core::token::{self, Grant};
use ctct_oauth_core::{expiry, session, verify};

use crate::client::{offline_in, Asked, Client};
use crate::contract;
use crate::ops::token_text;
use crate::options::Opts;
use crate::results;

/// A fleet's pass: `accounts` (a JSON array of `[expiresAt, issuedAt]` per account, this machine's clock)
/// -> a JSON array of the indexes to refresh now, in order (see [`session::plan`]).
pub(crate) fn plan_refreshes(accounts: &str, now: u64, turn_ms: u64, margin: u64) -> Result<String, Error> {
    let Ok(Value::Arr(items)) = json::parse(accounts) else {
        return Err(Error::config("accounts", "Expected each account's [expiresAt, issuedAt] in an array."));
    };
    let seconds = |v: Option<&Value<'_>>| match v {
        Some(Value::Num(n)) if (0.0..=1e12).contains(n) => *n as u64,
        _ => 0, // unknown: due now, and no half-life to wait for
    };
    let times: Vec<(u64, u64)> = items
        .iter()
        .map(|v| match v {
            Value::Arr(pair) => (seconds(pair.first()), seconds(pair.get(1))),
            _ => (0, 0),
        })
        .collect();
    let mut out = String::from("[");
    for (k, i) in session::plan(&times, now, turn_ms, margin).into_iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(&ctct_oauth_core::error::decimal(i as u64));
    }
    out.push(']');
    Ok(out)
}

impl Client {
    pub(crate) fn device_start_request(&self, options: &str) -> Result<String, Error> {
        let o = Opts::parse(options, &contract::DEVICE_START)?;
        o.object("signal", "an AbortSignal")?;
        let scopes = self.cfg.scopes_for(o.strings("scopes")?, o.boolean("offline")?)?;
        let r = device::request(&self.cfg, &scopes);
        Ok(results::request(&r, &Asked { scopes, ..Asked::default() }.text()))
    }

    pub(crate) fn device_start_response(
        &self,
        status: u16,
        retry_after_header: Option<&str>,
        body: &str,
        now: u64,
        context: &str,
    ) -> Result<String, Error> {
        let asked = Asked::read(context)?;
        let start = Start { now, scopes: &asked.scopes, allow_insecure_loopback: self.cfg.allow_insecure_loopback };
        Ok(results::device(&device::parse_start(status, retry_after(retry_after_header), body, start)?))
    }

    /// One poll of a device authorization (`device`: the object startDeviceAuthorization returned, as
    /// JSON). Refused without a request once the device code has expired.
    pub(crate) fn device_poll_request(&self, device_json: &str, options: &str, now: u64) -> Result<String, Error> {
        let o = Opts::parse(options, &contract::DEVICE_POLL_ONCE)?;
        o.object("signal", "an AbortSignal")?;
        let d = json::parse_object(device_json).map_err(|_| {
            Error::config("device", "Pass the object startDeviceAuthorization() returned (or a copy of it).")
        })?;
        let field = |k: &'static str| d.get(k).and_then(Value::as_str);
        let seconds = |k: &'static str| match d.get(k) {
            Some(Value::Num(n)) if (0.0..=1e12).contains(n) => Ok(*n as u64),
            _ => Err(type_error(k, "a number of seconds (from startDeviceAuthorization())")),
        };
        let device_code = field("deviceCode").ok_or_else(|| type_error("deviceCode", "the device code (a string)"))?;
        let expires_at = seconds("expiresAt")?;
        let interval = seconds("interval")?.max(1);
        device::check_alive(expires_at, now)?;
        let scopes: Vec<String> = match d.get("scopes") {
            Some(Value::Arr(items)) => items.iter().filter_map(Value::as_str).map(String::from).collect(),
            _ => self.cfg.scopes.clone(),
        };
        let r = token::request(&self.cfg, Grant::DeviceCode { device_code })?;
        Ok(results::request(&r, &Asked { offline: offline_in(&scopes), interval, ..Asked::default() }.text()))
    }

    pub(crate) fn device_poll_response(
        &self,
        status: u16,
        retry_after_header: Option<&str>,
        body: &str,
        now: u64,
        context: &str,
    ) -> Result<String, Error> {
        let asked = Asked::read(context)?;
        let p = device::parse_poll(
            status,
            retry_after(retry_after_header),
            body,
            self.context(now, &asked),
            asked.interval,
        )?;
        Ok(results::poll_step(&p))
    }

    /// A key set response, read once: `{"<kid>": jwk}` of its usable keys (see [`verify::read_key_set`]).
    pub(crate) fn key_set_response(
        &self,
        status: u16,
        retry_after_header: Option<&str>,
        body: &str,
    ) -> Result<String, Error> {
        if status != 200 {
            return Err(ctct_oauth_core::http::error_response(status, retry_after(retry_after_header), body));
        }
        verify::read_key_set(body)
    }

    /// A token read for verification, its claims already judged against this configuration.
    pub(crate) fn verify_prepare(
        &self,
        token: Option<&str>,
        options: &str,
        now: u64,
    ) -> Result<verify::Prepared, Error> {
        let o = Opts::parse(options, &contract::VERIFY)?;
        o.object("signal", "an AbortSignal")?;
        let required = o.strings("requiredScopes")?.unwrap_or_default();
        let expect = verify::Expect {
            issuer: &self.cfg.endpoints.issuer,
            audience: &self.cfg.endpoints.audience,
            client_id: &self.cfg.client_id,
            now: o.now(now)?,
            tolerance: o.seconds("clockToleranceSeconds")?.unwrap_or(expiry::DEFAULT_EARLY_BY_SECS),
            required_scopes: &required,
        };
        verify::prepare(token_text(token, false)?, expect)
    }

    /// The verified claims' JSON, for a prepared token whose verdict was good.
    pub(crate) fn verified_claims(p: &verify::Prepared, warnings: &[&str]) -> String {
        let mut out = String::new();
        results::claims(&mut out, &p.decoded, Some(warnings));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::tests::{client, token_body};
    use crate::contract as c;
    use crate::results::tests::assert_shape;

    #[test]
    fn results_follow_the_contract() {
        let a = client("");
        let (body, ask) = (token_body(), r#"{"offline":true}"#);
        let start = concat!(
            r#"{"device_code":"d","user_code":"u","verification_uri":"https://x/a","verification_uri_complete":"htt"#,
            r#"ps://x/a?c","expires_in":600}"#
        );
        assert_shape(&a.device_start_response(200, None, start, 0, r#"{"scopes":["x"]}"#).unwrap(), c::DEVICE);
        assert_shape(&a.device_poll_response(200, None, &body, 0, ask).unwrap(), c::POLL_STEP);
        assert_shape(&a.device_poll_response(400, None, r#"{"error":"slow_down"}"#, 0, ask).unwrap(), c::POLL_STEP);
    }

    #[test]
    fn device_polls_carry_the_next_interval_and_stop_at_expiry() {
        let a = client("");
        let device = r#"{"deviceCode":"dc","expiresAt":100,"interval":5,"scopes":["offline_access"]}"#;
        let r = a.device_poll_request(device, "null", 50).unwrap();
        let ctx = String::from(json::parse(&r).unwrap().get("context").and_then(Value::as_str).unwrap());
        let step = a.device_poll_response(400, None, r#"{"error":"slow_down"}"#, 50, &ctx).unwrap();
        assert!(step.contains(r#""interval":10,"nextPollAt":61"#), "{step}");
        assert_eq!(a.device_poll_request(device, "null", 100).unwrap_err().code, "expired_token");
    }
}
