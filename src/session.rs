//! The rules of a session that stays authorized, decided here and handed to the JS layer as numbers it
//! compares: when a record is due for refresh, when its refresh token nears and reaches Constant
//! Contact's 180-day idle limit, how long a refresh may take and hold its lock, and the name of the lane
//! that paces one application's token requests.

use alloc::string::String;

use crate::config::Config;
use crate::contract;
use crate::error::{concat, decimal, Error};
use crate::expiry::{self, TokenSetTimes};
use crate::json::{ObjectWriter, Value};
use crate::options::{type_error, Opts};

/// Constant Contact ends a refresh token unused this long (both rotating and long-lived ones).
pub const IDLE_LIMIT_SECS: u64 = 180 * 86_400;
/// The session warns from this idle age on.
pub const IDLE_WARN_SECS: u64 = 150 * 86_400;
pub const DEFAULT_MARGIN_SECS: u64 = 300;
/// A token request gives up after this long (the JS layer aborts it).
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// The lease a refreshing process holds (on its account, and on the lane while its request is out): a
/// little over the request's own timeout and the lane's gap, so a live holder never loses a lease
/// mid-request, and a dead one delays the others by at most this.
pub const LOCK_SLACK_MS: u64 = 5_000;
/// Constant Contact allows one token request per second per application, counted when requests arrive.
/// A request starts this long after the previous one *finished*: its arrival was no later than that.
/// One millisecond over the limit: a limiter counting whole milliseconds can see 999 in a gap of 1,000.
pub const LANE_GAP_MS: u64 = 1_001;
/// A fleet refreshes an account this much earlier than its session would, at the least.
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

/// A session's settings, checked once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub margin_secs: u64,
    pub timer: bool,
    pub timeout_ms: u64,
    pub lock_ttl_ms: u64,
    /// The Web Lock (browsers) / store lock of this session's refreshes.
    pub lock_name: String,
    /// The lane of this application's token requests, shared by every session of the same client id.
    pub lane: String,
    /// The store can coordinate processes (it has lock/renew/unlock).
    pub coordinated: bool,
    /// Milliseconds between the end of one token request of this application and the start of the next.
    pub lane_gap_ms: u64,
}

/// `options` as the JS layer describes them: the store as `{ get: "function", ... }` (the `typeof` of
/// each method), everything else as given.
pub fn settings(cfg: &Config, options: &str) -> Result<Settings, Error> {
    let o = Opts::parse(options, &contract::SESSION)?;
    let method = |name: &str| -> bool {
        matches!(o.get("store").and_then(|s| s.get(name)), Some(Value::Str(t)) if t == "function")
    };
    let coordinated = match o.get("store") {
        None => false,
        Some(Value::Obj(_)) => {
            if !(method("get") && method("set") && method("delete")) {
                return Err(type_error("store", "an object with get, set and delete methods (see memoryStore())"));
            }
            let locks = [method("lock"), method("renew"), method("unlock")];
            if locks.iter().any(|m| *m) && !locks.iter().all(|m| *m) {
                return Err(type_error("store", "a store with all of lock, renew and unlock, or none of them"));
            }
            locks.iter().all(|m| *m)
        }
        Some(_) => return Err(type_error("store", "a token store such as memoryStore()")),
    };
    let timer = match o.string("strategy")?.as_deref() {
        None | Some("check-before-call") => false,
        Some("timer") => true,
        Some(_) => return Err(type_error("strategy", "\"check-before-call\" or \"timer\"")),
    };
    o.function("clock", "a function returning seconds since 1970 (or a Date)")?;
    let lane = concat(&["ctct-oauth ", &cfg.endpoints.token, " ", &cfg.client_id]);
    // Constant Contact's limit is 1/s; another server (or a partner key) may allow more.
    let lane_gap_ms = match o.get("tokenRequestsPerSecond") {
        None => LANE_GAP_MS,
        // Rounded up, plus the millisecond of LANE_GAP_MS: a gap short of the limit's gets requests refused.
        Some(Value::Num(n)) if *n > 0.0 && *n <= 1000.0 => ceil_ms(1000.0 / n) + 1,
        Some(_) => {
            return Err(type_error(
                "tokenRequestsPerSecond",
                "a number of requests per second (1 for Constant Contact)",
            ))
        }
    };
    let timeout_ms = o.millis("timeoutMs")?.unwrap_or(DEFAULT_TIMEOUT_MS);
    let lock_ttl_ms = o.millis("lockTtlMs")?.unwrap_or(timeout_ms.saturating_add(lane_gap_ms + LOCK_SLACK_MS));
    if lock_ttl_ms <= timeout_ms.saturating_add(lane_gap_ms) {
        return Err(Error::config(
            "lockTtlMs",
            concat!(
                "`lockTtlMs` must be longer than `timeoutMs` plus the token lane's gap (a second): a refresh ",
                "that outlives its lease could be repeated by another process with the same refresh token."
            ),
        ));
    }
    Ok(Settings {
        margin_secs: o.seconds("refreshMarginSeconds")?.unwrap_or(DEFAULT_MARGIN_SECS),
        timer,
        timeout_ms,
        lock_ttl_ms,
        lock_name: o.string("lockName")?.unwrap_or_else(|| lane.clone()),
        lane,
        coordinated,
        lane_gap_ms,
    })
}

pub fn settings_json(s: &Settings) -> String {
    let mut out = String::new();
    ObjectWriter::new(&mut out)
        .num("marginSeconds", s.margin_secs)
        .bool("timer", s.timer)
        .num("timeoutMs", s.timeout_ms)
        .num("lockTtlMs", s.lock_ttl_ms)
        .num("laneGapMs", s.lane_gap_ms)
        .str("lockName", &s.lock_name)
        .str("lane", &s.lane)
        .bool("coordinated", s.coordinated)
        .end();
    out
}

/// The numbers a session keeps beside a record so its hot path compares, never parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub expires_at: u64,
    /// From here on the access token is refreshed before use (`expires_at - margin`).
    pub due_at: u64,
    pub idle_warn_at: u64,
    pub idle_ends_at: u64,
}

/// The facts of a stored token set (a token set is data: fields this library does not know are kept, not
/// refused). `refresh_used_at`: when its refresh token was issued or last used (seconds).
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

/// `session.status()`: the expiry, the refresh token's idle age, whether the pair is still being written to
/// the store, and warnings: near the 180-day limit, and while a pair is unwritten.
pub fn status(f: &Facts, refresh_used_at: u64, has_refresh_token: bool, now: u64, pending: bool) -> String {
    let idle_days = now.saturating_sub(refresh_used_at) / 86_400;
    let mut warnings = alloc::vec::Vec::new();
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
    let mut out = String::new();
    ObjectWriter::new(&mut out)
        .num("expiresAt", f.expires_at)
        .num("refreshTokenIdleDays", idle_days)
        .bool("pendingWrite", pending)
        .strs("warnings", &warnings)
        .end();
    out
}

/// Which accounts of a fleet to refresh now, in order: an account is due when its access token expires
/// within its lead, and its lead grows with the number of accounts that expire before it, each taking one
/// turn of the application's token lane (`turn_ms`: what one refresh costs, in the clock's milliseconds,
/// measured by the fleet; at least the lane's gap). So a cluster refreshing thousands of accounts that
/// expire within the same hour finishes every one before its session would have to (`margin`), at
/// Constant Contact's one token request a second. Each account is `(expires_at, issued_at)`, the clock's
/// times (`issued_at` 0 when unknown): a pair is never refreshed before half its life has passed, since a
/// refresh then buys little and an over-long queue estimate would otherwise refresh a whole fleet of
/// fresh pairs again.
pub fn plan(accounts: &[(u64, u64)], now: u64, turn_ms: u64, margin: u64) -> alloc::vec::Vec<usize> {
    let mut order: alloc::vec::Vec<usize> = (0..accounts.len()).collect();
    order.sort_by_key(|i| accounts.get(*i).map_or(u64::MAX, |a| a.0));
    let mut due = alloc::vec::Vec::new();
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
    fn settings_are_checked_once() {
        let s = settings(&cfg(), "null").unwrap();
        assert_eq!((s.margin_secs, s.timer, s.timeout_ms, s.lock_ttl_ms), (300, false, 30_000, 36_001));
        assert_eq!(s.lane, "ctct-oauth https://authz.constantcontact.com/oauth2/default/v1/token cid");
        let store = r#"{"store":{"get":"function","set":"function","delete":"function"}}"#;
        assert!(!settings(&cfg(), store).unwrap().coordinated);
        let locking = r#"{"store":{"get":"function","set":"function","delete":"function","lock":"function",
            "renew":"function","unlock":"function"}}"#;
        assert!(settings(&cfg(), locking).unwrap().coordinated);
        for (bad, field) in [
            (r#"{"store":{"get":"function"}}"#, "store"),
            (r#"{"strategy":"sometimes"}"#, "strategy"),
            (r#"{"timeoutMs":0}"#, "timeoutMs"),
            (r#"{"timeoutMs":1000,"lockTtlMs":2000}"#, "lockTtlMs"),
            (r#"{"refreshMarginSeconds":-1}"#, "refreshMarginSeconds"),
            (r#"{"refreshMargin":1}"#, "refreshMargin"),
        ] {
            assert_eq!(settings(&cfg(), bad).unwrap_err().field_name(), Some(field), "{bad}");
        }
    }

    #[test]
    fn the_lane_gap_never_undercuts_the_rate() {
        let gap =
            |rate: &str| settings(&cfg(), &format!(r#"{{"tokenRequestsPerSecond":{rate}}}"#)).unwrap().lane_gap_ms;
        // 60/s is one request per 16.67 ms: 16 (or even 17, against whole-millisecond clocks) lets two arrive
        // inside one limiter slot.
        assert_eq!([gap("1"), gap("60"), gap("3"), gap("1000"), gap("0.5")], [1_001, 18, 335, 2, 2_001]);
        assert_eq!(settings(&cfg(), "null").unwrap().lane_gap_ms, LANE_GAP_MS);
    }

    #[test]
    fn a_fleet_is_refreshed_before_any_session_would_wait() {
        // 2,000 accounts expiring within one hour, one token request a second: simulate the lane.
        let (start, n, margin) = (10_000u64, 2_000u64, 300u64);
        let mut expires: alloc::vec::Vec<(u64, u64)> = (0..n).map(|k| (start + 3_600 + k * 3_600 / n, start)).collect();
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
    }

    #[test]
    fn facts_of_a_token_set_with_extra_fields() {
        let f = facts(r#"{"accessToken":"opaque","expiresAt":1000,"accountId":"42"}"#, 0, 300).unwrap();
        assert_eq!((f.expires_at, f.due_at, f.idle_ends_at), (1000, 700, IDLE_LIMIT_SECS));
        assert_eq!(facts(r#"{"refreshToken":"x"}"#, 0, 0).unwrap_err().field_name(), Some("accessToken"));
        let s = status(&facts(r#"{"accessToken":"o","expiresAt":1}"#, 0, 0).unwrap(), 0, true, IDLE_WARN_SECS, false);
        assert!(s.contains("refresh_token_idle: the refresh token was last used 150 days ago"), "{s}");
    }
}
