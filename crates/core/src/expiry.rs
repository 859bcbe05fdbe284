//! The one skew model, used everywhere a token's freshness is decided.
//!
//! * A token set's expiry is on this machine's clock: when it arrived, its access token's `exp` was
//!   corrected by the offset between the server's clock (the token's `iat`) and this one, so a machine
//!   whose clock is hours off neither refreshes on every call nor sends expired tokens. That corrected
//!   time is the set's `expiresAt`; a set without one falls back to the JWT's `exp`, then to
//!   `receivedAt + expiresIn` (both recorded at receipt, never recomputed later).
//! * [`is_expired`] is deliberately early: a token counts as expired from `expires_at - early_by`, so a
//!   token about to die is not sent and small skew is absorbed. Default: 60 s (`leewaySeconds`).
//! * Verification is the opposite direction and says so: it tolerates `tolerance` seconds *after* `exp`.
//!
//! All times are whole seconds since 1970 (like `exp`).

use alloc::string::String;

use crate::error::{concat, decimal, Error};
use crate::jwt;

/// How early a token counts as expired unless the caller says otherwise (`leewaySeconds`), seconds.
pub const DEFAULT_EARLY_BY_SECS: u64 = 60;
/// A clock offset smaller than this is latency and ordinary drift, absorbed by the early margin.
pub const SKEW_THRESHOLD_SECS: u64 = 60;

/// Whether a token expiring at `expires_at` counts as expired at `now`: from `early_by` seconds before
/// its expiry on (all on the same clock, seconds).
pub fn is_expired(expires_at: u64, now: u64, early_by: u64) -> bool {
    now.saturating_add(early_by) >= expires_at
}

/// Seconds the server's clock is ahead of this one, from a token's `iat` and the local time it arrived;
/// 0 when the difference is within [`SKEW_THRESHOLD_SECS`].
pub fn skew(iat: u64, local_now: u64) -> i64 {
    let d = i64::try_from(iat).unwrap_or(i64::MAX).saturating_sub(i64::try_from(local_now).unwrap_or(i64::MAX));
    if d.unsigned_abs() < SKEW_THRESHOLD_SECS {
        0
    } else {
        d
    }
}

/// A time on the server's clock (seconds) on this machine's: moved back by `skew`, the seconds the server's
/// clock is ahead of this one ([`skew`]); saturating at 0 and `u64::MAX`.
pub fn local_time(server_time: u64, skew: i64) -> u64 {
    if skew >= 0 {
        server_time.saturating_sub(skew.unsigned_abs())
    } else {
        server_time.saturating_add(skew.unsigned_abs())
    }
}

/// The warning for a token set received while this machine's clock was off.
pub fn skew_warning(skew: i64) -> String {
    let off = skew.unsigned_abs();
    let amount = if off >= 7200 {
        concat(&["about ", &decimal(off / 3600), " hours"])
    } else {
        concat(&["about ", &decimal(off.div_ceil(60)), " minutes"])
    };
    let side = if skew > 0 { " behind " } else { " ahead of " };
    concat(&[
        "clock_skew: this machine's clock is ",
        &amount,
        side,
        "the authorization server's (the access token's iat against the time it arrived). expiresAt is ",
        "corrected to this clock and clockSkew records the offset; set the clock right (NTP) all the same.",
    ])
}

/// The fields of a token set that bear on expiry.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokenSetTimes<'a> {
    /// `accessToken`: its `exp` when it is a JWT.
    pub access_token: Option<&'a str>,
    /// `expiresAt`, already on this machine's clock.
    pub expires_at: Option<u64>,
    /// `receivedAt`: when the set arrived, this machine's clock.
    pub received_at: Option<u64>,
    /// `expiresIn`: seconds the access token lives from `received_at`.
    pub expires_in: Option<u64>,
}

/// When a token set's access token expires (seconds): its `expiresAt`, else the JWT's `exp`, else
/// `receivedAt + expiresIn`. Errors: the JWT's own when the access token is not one and nothing else
/// tells; else `invalid_config` (field `tokens`).
pub fn token_set_expires_at(t: TokenSetTimes<'_>) -> Result<u64, Error> {
    if let Some(at) = t.expires_at {
        return Ok(at);
    }
    let from_jwt = t.access_token.map(jwt::expires_at);
    if let Some(Ok(exp)) = from_jwt {
        return Ok(exp);
    }
    if let (Some(r), Some(i)) = (t.received_at, t.expires_in) {
        return Ok(r.saturating_add(i));
    }
    Err(match from_jwt {
        Some(Err(e)) => e,
        _ => Error::config(
            "tokens",
            concat!(
                "The token set has no readable expiry: give it a JWT `accessToken`, an `expiresAt`, or ",
                "`receivedAt` with `expiresIn`."
            ),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::codes;
    use crate::jwt::tests::make;

    #[test]
    fn early_by_makes_tokens_expire_early_never_late() {
        let exp = 1_000_000;
        assert!(!is_expired(exp, exp - 61, 60));
        assert!(is_expired(exp, exp - 60, 60));
        assert!(is_expired(exp, exp, 0));
        assert!(!is_expired(exp, exp - 1, 0));
        assert!(is_expired(exp, u64::MAX, u64::MAX), "no overflow");
    }

    #[test]
    fn skew_is_measured_beyond_the_threshold_and_applied_both_ways() {
        assert_eq!(skew(1000, 1000), 0);
        assert_eq!(skew(1000, 1059), 0, "latency is not skew");
        assert_eq!(skew(1000 + 7200, 1000), 7200, "this clock is 2 h behind");
        assert_eq!(skew(1000, 1000 + 90_000), -90_000, "this clock is 25 h ahead");
        assert_eq!(local_time(100_000, 7200), 92_800);
        assert_eq!(local_time(100_000, -90_000), 190_000);
        assert_eq!(local_time(5, 10), 0, "no underflow");
        assert!(skew_warning(7200).contains("about 2 hours behind"));
        assert!(skew_warning(-90_000).contains("about 25 hours ahead of"));
        assert!(skew_warning(-61).contains("about 2 minutes ahead of"));
    }

    #[test]
    fn token_sets_prefer_the_corrected_expiry_then_exp_then_fields() {
        let t = make(r#"{"exp":5000}"#);
        let base =
            TokenSetTimes { access_token: Some(&t), expires_at: Some(9), received_at: Some(1), expires_in: Some(2) };
        assert_eq!(token_set_expires_at(base).unwrap(), 9, "expiresAt is already on this clock");
        assert_eq!(token_set_expires_at(TokenSetTimes { expires_at: None, ..base }).unwrap(), 5000);
        let opaque = TokenSetTimes { access_token: Some("opaque"), expires_at: None, ..base };
        assert_eq!(token_set_expires_at(opaque).unwrap(), 3);
        let e = token_set_expires_at(TokenSetTimes { access_token: Some("abc"), ..Default::default() }).unwrap_err();
        assert_eq!(e.code, codes::INVALID_JWT);
        assert_eq!(token_set_expires_at(TokenSetTimes::default()).unwrap_err().code, codes::INVALID_CONFIG);
    }
}
