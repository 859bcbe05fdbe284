//! The rules of a session that stays authorized, decided here and handed to the JS layer as numbers it
//! compares: when a record is due for refresh, when its refresh token nears and reaches Constant
//! Contact's 180-day idle limit, how long a refresh may take and hold its lock, the name of the lane
//! that paces one application's token requests, and which accounts of a fleet to refresh first.

use alloc::string::String;
use alloc::vec::Vec;

use crate::config::Config;
use crate::error::{concat, decimal, type_error, Error};
use crate::expiry::{self, TokenSetTimes};
use crate::json::Value;

/// Constant Contact ends a refresh token unused this long (both rotating and long-lived ones), seconds.
pub const IDLE_LIMIT_SECS: u64 = 180 * 86_400;
/// The session warns from this idle age on, seconds.
pub const IDLE_WARN_SECS: u64 = 150 * 86_400;
/// How long before its expiry an access token is refreshed, unless the session says otherwise: seconds.
pub const DEFAULT_MARGIN_SECS: u64 = 300;
/// A token request gives up after this long (the JS layer aborts it), milliseconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// The lease a refreshing process holds (on its account, and on the lane while its request is out): a
/// little over the request's own timeout and the lane's gap, so a live holder never loses a lease
/// mid-request, and a dead one delays the others by at most this. Milliseconds.
pub const LOCK_SLACK_MS: u64 = 5_000;
/// Constant Contact allows one token request per second per application, counted when requests arrive.
/// A request starts this long after the previous one *finished*: its arrival was no later than that.
/// One millisecond over the limit: a limiter counting whole milliseconds can see 999 in a gap of 1,000.
pub const LANE_GAP_MS: u64 = 1_001;
/// A fleet refreshes an account this much earlier than its session would, at the least: seconds.
pub const FLEET_MIN_LEAD_SECS: u64 = 60;

/// Whole milliseconds, rounded up (no `f64::ceil` without std).
fn ceil_ms(ms: f64) -> u64 {
    let whole = ms as u64;
    if (whole as f64) < ms {
        whole + 1
    } else {
        whole
    }
}

/// The lane of an application's token requests: one name for every session of the same client id at the
/// same token endpoint, so they take turns (and the default name of a session's refresh lock).
pub fn lane(cfg: &Config) -> String {
    concat(&["ctct-oauth ", &cfg.endpoints.token, " ", &cfg.client_id])
}

/// Milliseconds from the end of one token request to the start of the next, for a server that allows
/// `requests_per_second` (Constant Contact: 1, which is [`LANE_GAP_MS`]): rounded up, plus one
/// millisecond, as a gap short of the limit's gets requests refused. `None` outside 0 (excluded) to 1000.
pub fn lane_gap_ms(requests_per_second: f64) -> Option<u64> {
    (requests_per_second > 0.0 && requests_per_second <= 1000.0).then(|| ceil_ms(1000.0 / requests_per_second) + 1)
}

/// The lease of a refresh, milliseconds: `given`, else the request's timeout plus the lane's gap plus
/// [`LOCK_SLACK_MS`]. Errors (`invalid_config`, field `lockTtlMs`) when it is not longer than the timeout
/// plus the gap: a refresh that outlived its lease could be repeated by another process with the same
/// refresh token.
pub fn lock_ttl_ms(timeout_ms: u64, lane_gap_ms: u64, given: Option<u64>) -> Result<u64, Error> {
    let lock_ttl_ms = given.unwrap_or(timeout_ms.saturating_add(lane_gap_ms + LOCK_SLACK_MS));
    if lock_ttl_ms <= timeout_ms.saturating_add(lane_gap_ms) {
        return Err(Error::config(
            "lockTtlMs",
            concat!(
                "`lockTtlMs` must be longer than `timeoutMs` plus the token lane's gap (a second): a refresh ",
                "that outlives its lease could be repeated by another process with the same refresh token."
            ),
        ));
    }
    Ok(lock_ttl_ms)
}

/// The numbers a session keeps beside a record so its hot path compares, never parses. All are times on
/// this machine's clock, seconds since 1970.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// When the access token expires.
    pub expires_at: u64,
    /// From here on the access token is refreshed before use (`expires_at - margin`).
    pub due_at: u64,
    /// From here on the session warns that its refresh token nears the idle limit ([`IDLE_WARN_SECS`]).
    pub idle_warn_at: u64,
    /// When Constant Contact ends the refresh token for being unused ([`IDLE_LIMIT_SECS`]).
    pub idle_ends_at: u64,
}

/// The facts of a stored token set (a token set is data: fields this library does not know are kept, not
/// refused). `refresh_used_at`: when its refresh token was issued or last used; `margin`: how long before
/// its expiry the access token is due (seconds). Errors (`invalid_config`) name the field that is not a
/// token set's, or have the expiry's own error ([`expiry::token_set_expires_at`]).
pub fn facts(tokens: &str, refresh_used_at: u64, margin: u64) -> Result<Facts, Error> {
    let v = crate::json::parse_object(tokens).map_err(|_| {
        Error::config("tokens", "A token set must be an object: the result of exchangeCode() or refresh().")
    })?;
    let num = |k: &'static str| match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Num(n)) if (0.0..=1e12).contains(n) => Ok(Some(*n as u64)),
        Some(_) => Err(type_error(k, "a number of seconds")),
    };
    let access_token = match v.get("accessToken") {
        Some(Value::Str(s)) if !s.is_empty() => s,
        _ => {
            return Err(Error::config(
                "accessToken",
                "A token set needs its `accessToken` (a string): pass the result of exchangeCode() or refresh().",
            ))
        }
    };
    let expires_at = expiry::token_set_expires_at(TokenSetTimes {
        access_token: Some(access_token),
        expires_at: num("expiresAt")?,
        received_at: num("receivedAt")?,
        expires_in: num("expiresIn")?,
    })?;
    Ok(Facts {
        expires_at,
        due_at: expires_at.saturating_sub(margin),
        idle_warn_at: refresh_used_at.saturating_add(IDLE_WARN_SECS),
        idle_ends_at: refresh_used_at.saturating_add(IDLE_LIMIT_SECS),
    })
}

/// What `session.status()` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// When the access token expires, this machine's clock (seconds).
    pub expires_at: u64,
    /// Whole days since the refresh token was issued or last used.
    pub refresh_token_idle_days: u64,
    /// The session holds a pair the store has not taken yet.
    pub pending_write: bool,
    /// `refresh_token_idle: ...` near the 180-day limit, `pending_write: ...` while a pair is unwritten.
    pub warnings: Vec<String>,
}

/// A session's status at `now` from its facts: the expiry, the refresh token's idle age (from
/// `refresh_used_at`), whether the pair is still being written to the store (`pending`), and warnings:
/// near the 180-day limit (only with a refresh token), and while a pair is unwritten.
pub fn status(f: &Facts, refresh_used_at: u64, has_refresh_token: bool, now: u64, pending: bool) -> Status {
    let idle_days = now.saturating_sub(refresh_used_at) / 86_400;
    let mut warnings = Vec::new();
    if has_refresh_token && now >= f.idle_warn_at {
        warnings.push(concat(&[
            "refresh_token_idle: the refresh token was last used ",
            &decimal(idle_days),
            " days ago; Constant Contact ends it after 180 idle days. Refresh now to keep the session.",
        ]));
    }
    if pending {
        warnings.push(String::from(concat!(
            "pending_write: this session holds a token pair the store has not taken yet; it keeps writing it. ",
            "Keep this process running until the store is back (session.flush() waits for it)."
        )));
    }
    Status { expires_at: f.expires_at, refresh_token_idle_days: idle_days, pending_write: pending, warnings }
}

/// Which accounts of a fleet to refresh now, in order: an account is due when its access token expires
/// within its lead, and its lead grows with the number of accounts that expire before it, each taking one
/// turn of the application's token lane (`turn_ms`: what one refresh costs, in the clock's milliseconds,
/// measured by the fleet; at least the lane's gap). So a cluster refreshing thousands of accounts that
/// expire within the same hour finishes every one before its session would have to (`margin`), at
/// Constant Contact's one token request a second. Each account is `(expires_at, issued_at)`, the clock's
/// times in seconds (`issued_at` 0 when unknown): a pair is never refreshed before half its life has
/// passed, since a refresh then buys little and an over-long queue estimate would otherwise refresh a
/// whole fleet of fresh pairs again. Returns indexes into `accounts`.
pub fn plan(accounts: &[(u64, u64)], now: u64, turn_ms: u64, margin: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..accounts.len()).collect();
    order.sort_by_key(|i| accounts.get(*i).map_or(u64::MAX, |a| a.0));
    let mut due = Vec::new();
    for (rank, i) in order.into_iter().enumerate() {
        let Some(&(expires_at, issued_at)) = accounts.get(i) else { continue };
        // Half as much again: the turns of other processes, and a refresh that is slower than the last.
        let queue_secs = (rank as u64 + 1).saturating_mul(turn_ms).saturating_mul(3) / 2000;
        let lead = margin.saturating_add(FLEET_MIN_LEAD_SECS).saturating_add(queue_secs);
        let half_life = issued_at.saturating_add(expires_at.saturating_sub(issued_at) / 2);
        if expires_at <= now.saturating_add(lead) && now >= half_life {
            due.push(i);
        }
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{validate, ConfigInput};

    fn cfg() -> Config {
        validate(ConfigInput { client_id: Some("cid".into()), ..Default::default() }).unwrap()
    }

    #[test]
    fn the_lane_and_its_pace() {
        assert_eq!(lane(&cfg()), "ctct-oauth https://authz.constantcontact.com/oauth2/default/v1/token cid");
        // 60/s is one request per 16.67 ms: 16 (or even 17, against whole-millisecond clocks) lets two arrive
        // inside one limiter slot.
        let gaps = [1.0, 60.0, 3.0, 1000.0, 0.5].map(|r| lane_gap_ms(r).unwrap());
        assert_eq!(gaps, [LANE_GAP_MS, 18, 335, 2, 2_001]);
        assert_eq!([lane_gap_ms(0.0), lane_gap_ms(1000.5), lane_gap_ms(f64::NAN)], [None, None, None]);
    }

    #[test]
    fn a_lease_outlasts_its_request() {
        assert_eq!(lock_ttl_ms(DEFAULT_TIMEOUT_MS, LANE_GAP_MS, None).unwrap(), 36_001);
        assert_eq!(lock_ttl_ms(1000, LANE_GAP_MS, Some(2002)).unwrap(), 2002);
        assert_eq!(lock_ttl_ms(1000, LANE_GAP_MS, Some(2001)).unwrap_err().field_name(), Some("lockTtlMs"));
    }

    #[test]
    fn a_fleet_is_refreshed_before_any_session_would_wait() {
        // 2,000 accounts expiring within one hour, one token request a second: simulate the lane.
        let (start, n, margin) = (10_000u64, 2_000u64, 300u64);
        let mut expires: Vec<(u64, u64)> = (0..n).map(|k| (start + 3_600 + k * 3_600 / n, start)).collect();
        let mut refreshed_at = alloc::vec![None; n as usize];
        let mut now = start;
        while now < start + 2 * 3_600 {
            if let Some(&i) = plan(&expires, now, 1_000, margin).first() {
                assert!(now + margin < expires[i].0, "account {i} refreshed at {now}, due {}", expires[i].0 - margin);
                refreshed_at[i].get_or_insert(now);
                expires[i] = (now + 86_400, now);
            }
            now += 1;
        }
        assert!(refreshed_at.iter().all(Option::is_some), "every account was refreshed");
        assert!(plan(&[(start + 100_000, 0)], start, 1_000, margin).is_empty(), "nothing due a day ahead");
        // A queue estimate so long that every account looks due refreshes none before its half-life.
        let fresh = [(start + 86_400, start), (start + 80_000, start - 6_400)];
        assert!(plan(&fresh, start, 100_000_000, margin).is_empty(), "fresh pairs are left alone");
        assert_eq!(plan(&fresh, start + 43_200, 100_000_000, margin), [1, 0], "at half-life, in expiry order");
        // An unknown issue time (a record without refreshUsedAt): due by its expiry alone.
        assert_eq!(plan(&[(start + 100, 0)], start, 1_000, margin), [0], "no half-life to wait for");
    }

    #[test]
    fn facts_of_a_token_set_with_extra_fields() {
        let f = facts(r#"{"accessToken":"opaque","expiresAt":1000,"accountId":"42"}"#, 0, 300).unwrap();
        assert_eq!((f.expires_at, f.due_at, f.idle_ends_at), (1000, 700, IDLE_LIMIT_SECS));
        assert_eq!(facts(r#"{"refreshToken":"x"}"#, 0, 0).unwrap_err().field_name(), Some("accessToken"));
        let s = status(&facts(r#"{"accessToken":"o","expiresAt":1}"#, 0, 0).unwrap(), 0, true, IDLE_WARN_SECS, false);
        assert_eq!((s.refresh_token_idle_days, s.warnings.len()), (150, 1));
        assert!(s.warnings[0].starts_with("refresh_token_idle: the refresh token was last used 150 days ago"));
    }
}
