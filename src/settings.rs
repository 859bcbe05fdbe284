//! A session's options (`auth.session(options)`), read into the numbers and names its JS layer uses. The
//! rules (the lane, its pace, the lease) are the core's ([`ctct_oauth_core::session`]); this reads the
//! options against the contract, in the order their errors are reported.

use alloc::string::String;

use ctct_oauth_core::config::Config;
use ctct_oauth_core::error::{type_error, Error};
use ctct_oauth_core::json::Value;
use ctct_oauth_core::session::{self, DEFAULT_MARGIN_SECS, DEFAULT_TIMEOUT_MS, LANE_GAP_MS};

use crate::contract;
use crate::options::Opts;

/// A session's settings, checked once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) margin_secs: u64,
    pub(crate) timer: bool,
    pub(crate) timeout_ms: u64,
    pub(crate) lock_ttl_ms: u64,
    /// The Web Lock (browsers) / store lock of this session's refreshes.
    pub(crate) lock_name: String,
    /// The lane of this application's token requests, shared by every session of the same client id.
    pub(crate) lane: String,
    /// The store can coordinate processes (it has lock/renew/unlock).
    pub(crate) coordinated: bool,
    /// Milliseconds between the end of one token request of this application and the start of the next.
    pub(crate) lane_gap_ms: u64,
}

/// `options` as the JS layer describes them: the store as `{ get: "function", ... }` (the `typeof` of
/// each method), everything else as given.
pub(crate) fn settings(cfg: &Config, options: &str) -> Result<Settings, Error> {
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
    let lane = session::lane(cfg);
    // Constant Contact's limit is 1/s; another server (or a partner key) may allow more.
    let lane_gap_ms = match o.get("tokenRequestsPerSecond") {
        None => Some(LANE_GAP_MS),
        Some(Value::Num(n)) => session::lane_gap_ms(*n),
        Some(_) => None,
    }
    .ok_or_else(|| type_error("tokenRequestsPerSecond", "a number of requests per second (1 for Constant Contact)"))?;
    let timeout_ms = o.millis("timeoutMs")?.unwrap_or(DEFAULT_TIMEOUT_MS);
    let lock_ttl_ms = session::lock_ttl_ms(timeout_ms, lane_gap_ms, o.millis("lockTtlMs")?)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use ctct_oauth_core::config::{validate, ConfigInput};

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
            (r#"{"tokenRequestsPerSecond":0}"#, "tokenRequestsPerSecond"),
            (r#"{"tokenRequestsPerSecond":"1"}"#, "tokenRequestsPerSecond"),
        ] {
            assert_eq!(settings(&cfg(), bad).unwrap_err().field_name(), Some(field), "{bad}");
        }
    }

    #[test]
    fn the_lane_gap_never_undercuts_the_rate() {
        let gap =
            |rate: &str| settings(&cfg(), &format!(r#"{{"tokenRequestsPerSecond":{rate}}}"#)).unwrap().lane_gap_ms;
        assert_eq!([gap("1"), gap("60"), gap("3"), gap("1000"), gap("0.5")], [1_001, 18, 335, 2, 2_001]);
        assert_eq!(settings(&cfg(), "null").unwrap().lane_gap_ms, LANE_GAP_MS);
    }
}
