//! The device flow (RFC 8628): starting it, and reading each poll. The waiting itself is the caller's
//! (a loop with a timer, or one step per Durable Object alarm), so this module only decides: whether the
//! device code is still alive, what the next interval is and when the next poll may go.

use alloc::string::String;
use alloc::vec::Vec;

use crate::config::Config;
use crate::error::{codes, Error};
use crate::http::{self, Request};
use crate::json::Value;
use crate::redirect::join_scopes;
use crate::secret::Secret;
use crate::token::{self, TokenSet};

/// RFC 8628 §3.5: after `slow_down`, wait this much longer from then on (seconds).
pub const SLOW_DOWN_STEP: u64 = 5;
/// The polling interval when the server sends none (seconds).
pub const DEFAULT_INTERVAL: u64 = 5;

/// The request that starts a device authorization for `scopes` (see [`crate::config::Config::scopes_for`]).
pub fn request(cfg: &Config, scopes: &[String]) -> Request {
    let scope = join_scopes(scopes);
    Request::form_post(cfg, &cfg.endpoints.device_authorize, &[("scope", &scope)])
}

/// A started device authorization: what to show the user, and what to poll with.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceAuthorization {
    /// Polled with ([`crate::token::Grant::DeviceCode`]); never shown.
    pub device_code: Secret,
    /// The code the user types at `verification_uri`.
    pub user_code: String,
    /// Where the user signs in (checked: https, or http on loopback where allowed).
    pub verification_uri: String,
    /// The same with the code filled in, when the server sent one that passes the same check.
    pub verification_uri_complete: Option<String>,
    /// Seconds the device code lives.
    pub expires_in: u64,
    /// When the device code expires, this machine's clock (seconds).
    pub expires_at: u64,
    /// Seconds between polls, at least 1.
    pub interval: u64,
    /// The scopes asked for, so the final token answer is read against them.
    pub scopes: Vec<String>,
}

fn required_str<'v>(v: &'v Value<'_>, name: &'static str, status: u16, body: &str) -> Result<&'v str, Error> {
    v.get(name).and_then(Value::as_str).filter(|s| !s.is_empty() && s.len() <= 2048).ok_or_else(|| {
        http::invalid_response(
            status,
            Some(name),
            "The device authorization response lacks a required field; see `field`.",
            body,
        )
    })
}

/// What the start call knew: the time and the scopes it asked for.
#[derive(Debug, Clone, Copy)]
pub struct Start<'a> {
    /// This machine's clock when the answer arrived (seconds).
    pub now: u64,
    /// The scopes the request asked for.
    pub scopes: &'a [String],
    /// The user is sent to `verification_uri`: the library's one URL rule applies (https; http only on
    /// a loopback host, and only where the configuration allows it).
    pub allow_insecure_loopback: bool,
}

/// Reads the answer to [`request`]. Errors: the server's own (see [`crate::http::error_response`]) for
/// any status but 200; `invalid_response` (with `field`) for a body without a device code, user code,
/// usable `verification_uri` or positive `expires_in`.
pub fn parse_start(
    status: u16,
    retry_after: Option<u64>,
    body: &str,
    at: Start<'_>,
) -> Result<DeviceAuthorization, Error> {
    if status != 200 {
        return Err(http::error_response(status, retry_after, body));
    }
    let v = http::json_object(status, body)?;
    let sign_in_url =
        |u: &str| crate::endpoints::check_fetchable("verification_uri", u, at.allow_insecure_loopback).is_ok();
    let seconds = |name: &'static str| match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Num(n)) if (0.0..=86_400.0).contains(n) => Ok(Some(*n as u64)),
        Some(Value::Str(s)) => s.trim().parse::<u64>().ok().filter(|n| *n <= 86_400).map(Some).ok_or_else(|| {
            http::invalid_response(status, Some(name), "A device authorization field is not a number of seconds.", body)
        }),
        Some(_) => Err(http::invalid_response(
            status,
            Some(name),
            "A device authorization field is not a number of seconds.",
            body,
        )),
    };
    let expires_in = seconds("expires_in")?.filter(|s| *s > 0).ok_or_else(|| {
        http::invalid_response(
            status,
            Some("expires_in"),
            "The device authorization response has no usable expires_in (a positive number of seconds).",
            body,
        )
    })?;
    let interval = seconds("interval")?.unwrap_or(DEFAULT_INTERVAL).max(1);
    let verification_uri = required_str(&v, "verification_uri", status, body)?;
    if !sign_in_url(verification_uri) {
        return Err(http::invalid_response(
            status,
            Some("verification_uri"),
            concat!(
                "The device authorization response's verification_uri is not an https URL (http only on a ",
                "loopback test server, with `allowInsecureLoopback: true`)."
            ),
            body,
        ));
    }
    Ok(DeviceAuthorization {
        device_code: Secret::new(String::from(required_str(&v, "device_code", status, body)?)),
        user_code: String::from(required_str(&v, "user_code", status, body)?),
        verification_uri: String::from(verification_uri),
        verification_uri_complete: v
            .get("verification_uri_complete")
            .and_then(Value::as_str)
            .filter(|u| sign_in_url(u))
            .map(String::from),
        expires_in,
        expires_at: at.now.saturating_add(expires_in),
        interval,
        scopes: at.scopes.to_vec(),
    })
}

/// Whether a device code expiring at `expires_at` may still be polled at `now`; `expired_token` once it
/// has outlived `expires_in` (no poll is sent: it could only answer `expired_token`).
pub fn check_alive(expires_at: u64, now: u64) -> Result<(), Error> {
    if now >= expires_at {
        Err(expired())
    } else {
        Ok(())
    }
}

/// What one poll found.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Not approved yet: poll again after `interval`.
    Pending,
    /// Polling too fast (`slow_down`, or a 429): the interval grows by `SLOW_DOWN_STEP`, or to the
    /// server's `Retry-After`.
    SlowDown,
    /// Approved: the token set.
    Complete(TokenSet),
}

/// One poll's answer and what to do next.
#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    /// What the answer said.
    pub outcome: Outcome,
    /// The interval to use from now on.
    pub interval: u64,
    /// From when the next poll is surely not too early (this machine's clock, whole seconds: `now` is
    /// truncated, so one second is added): what a Durable Object alarm is set to.
    pub next_poll_at: u64,
}

/// The error for a device code past its expiry (`expired_token`).
pub fn expired() -> Error {
    Error::new(
        codes::EXPIRED_TOKEN,
        "The device code expired before the user approved it. Start the device authorization again.",
    )
}

/// Reads one poll of the token endpoint (a [`crate::token::Grant::DeviceCode`] request), against `ctx`.
/// `interval`: the one in use when it was sent (seconds). Errors: the token response's on a 200 (see
/// [`crate::token::parse_success`]); the server's own for `access_denied`, `expired_token` and any
/// other error but `authorization_pending`, `slow_down` and a 429, which are outcomes.
pub fn parse_poll(
    status: u16,
    retry_after: Option<u64>,
    body: &str,
    ctx: token::Context<'_>,
    interval: u64,
) -> Result<Poll, Error> {
    let poll = |outcome, interval: u64| Poll { outcome, interval, next_poll_at: ctx.now.saturating_add(interval + 1) };
    if status == 200 {
        return token::parse_success(status, body, ctx).map(|t| poll(Outcome::Complete(t), interval));
    }
    let e = http::error_response(status, retry_after, body);
    match e.code.as_ref() {
        "authorization_pending" => Ok(poll(Outcome::Pending, interval)),
        "slow_down" => Ok(poll(Outcome::SlowDown, interval.saturating_add(SLOW_DOWN_STEP))),
        // A 429 at the token endpoint is the same message as slow_down, said another way.
        c if c == codes::RATE_LIMITED => {
            let wait = interval.saturating_add(SLOW_DOWN_STEP).max(retry_after.unwrap_or(0));
            Ok(poll(Outcome::SlowDown, wait))
        }
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{validate, ConfigInput};

    fn at(now: u64) -> Start<'static> {
        Start { now, scopes: &[], allow_insecure_loopback: false }
    }

    #[test]
    fn start_request_and_response() {
        let cfg = validate(ConfigInput {
            client_id: Some("cc-device".into()),
            scopes: Some(vec!["contact_data".into()]),
            ..Default::default()
        })
        .unwrap();
        let r = request(&cfg, &cfg.scopes);
        assert_eq!(r.url, "https://authz.constantcontact.com/oauth2/default/v1/device/authorize");
        assert_eq!(r.body, "scope=contact_data%20offline_access&client_id=cc-device");
        let ok = r#"{"device_code":"dc","user_code":"RXBG-WWRB","verification_uri":"https://x/activate",
            "verification_uri_complete":"https://x/activate?user_code=RXBG-WWRB","expires_in":600,"interval":5}"#;
        let scopes = ["contact_data".to_string()];
        let d = parse_start(200, None, ok, Start { scopes: &scopes, ..at(100) }).unwrap();
        assert_eq!((d.expires_at, d.interval, d.user_code.as_str()), (700, 5, "RXBG-WWRB"));
        assert_eq!(d.scopes, scopes);
        let d = parse_start(
            200,
            None,
            r#"{"device_code":"dc","user_code":"u","verification_uri":"https://x/a","expires_in":"600"}"#,
            at(0),
        )
        .unwrap();
        assert_eq!((d.interval, d.verification_uri_complete), (DEFAULT_INTERVAL, None));
        for bad in [
            r#"{"user_code":"u","verification_uri":"https://x/a","expires_in":600}"#,
            r#"{"device_code":"d","user_code":"u","verification_uri":"not a url","expires_in":600}"#,
            r#"{"device_code":"d","user_code":"u","verification_uri":"https://x/a"}"#,
            "<html>",
            r#"{"device_code":"d","user_code":"u","verification_uri":"http://x.example/a","expires_in":600}"#,
            r#"{"device_code":"d","user_code":"u","verification_uri":"https://u@x.example/a","expires_in":600}"#,
            r#"{"device_code":"d","user_code":"u","verification_uri":"https:/a","expires_in":600}"#,
            r#"{"device_code":"d","user_code":"u","verification_uri":"https://x/a","expires_in":0}"#,
            // http on loopback needs allowInsecureLoopback
            r#"{"device_code":"d","user_code":"u","verification_uri":"http://127.0.0.1:9/a","expires_in":600}"#,
        ] {
            assert_eq!(parse_start(200, None, bad, at(0)).unwrap_err().code, codes::INVALID_RESPONSE, "{bad}");
        }
        assert_eq!(
            parse_start(400, None, r#"{"error":"unauthorized_client"}"#, at(0)).unwrap_err().code,
            "unauthorized_client"
        );
        let local = r#"{"device_code":"d","user_code":"u","verification_uri":"http://127.0.0.1:9/a","expires_in":600}"#;
        assert!(parse_start(200, None, local, Start { allow_insecure_loopback: true, ..at(0) }).is_ok());
    }

    #[test]
    fn poll_outcomes_and_the_next_interval() {
        let ctx = token::Context { now: 100, requested_offline: true, previous_refresh_token: None, client_id: "c" };
        let p = parse_poll(400, None, r#"{"error":"authorization_pending"}"#, ctx, 5).unwrap();
        assert_eq!((p.outcome, p.interval, p.next_poll_at), (Outcome::Pending, 5, 106));
        let p = parse_poll(400, None, r#"{"error":"slow_down"}"#, ctx, 5).unwrap();
        assert_eq!((p.outcome, p.interval, p.next_poll_at), (Outcome::SlowDown, 10, 111));
        let p = parse_poll(429, Some(30), "", ctx, 5).unwrap();
        assert_eq!((p.outcome, p.interval), (Outcome::SlowDown, 30));
        assert_eq!(parse_poll(400, None, r#"{"error":"expired_token"}"#, ctx, 5).unwrap_err().code, "expired_token");
        assert_eq!(parse_poll(400, None, r#"{"error":"access_denied"}"#, ctx, 5).unwrap_err().code, "access_denied");
        let done = parse_poll(200, None, r#"{"access_token":"a","token_type":"Bearer","refresh_token":"r"}"#, ctx, 5);
        assert!(matches!(done.unwrap().outcome, Outcome::Complete(_)));
        assert!(check_alive(10, 10).is_err() && check_alive(10, 9).is_ok());
        assert_eq!(expired().code, "expired_token");
    }
}
