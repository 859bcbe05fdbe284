//! The one skew model, used everywhere a token's freshness is decided.
//!
//! * A token's expiry is its JWT `exp`. A token set whose access token cannot be read falls back to its
//!   `expiresAt`, then to `receivedAt + expiresIn` (both recorded at receipt, never recomputed later).
//! * `is_expired` is deliberately early: a token counts as expired from `exp - leeway`, so a token that is
//!   about to die is not sent and clock skew between this machine and Constant Contact is absorbed.
//!   Default leeway: 60 s. All times are whole seconds since 1970 (like `exp`).

use crate::error::Error;
use crate::jwt;

pub const DEFAULT_LEEWAY_SECS: u64 = 60;

pub fn is_expired(expires_at: u64, now: u64, leeway: u64) -> bool {
    now.saturating_add(leeway) >= expires_at
}

/// The fields of a token set that bear on expiry.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokenSetTimes<'a> {
    pub access_token: Option<&'a str>,
    pub expires_at: Option<u64>,
    pub received_at: Option<u64>,
    pub expires_in: Option<u64>,
}

pub fn token_set_expires_at(t: TokenSetTimes<'_>) -> Result<u64, Error> {
    let from_jwt = t.access_token.map(jwt::expires_at);
    if let Some(Ok(exp)) = from_jwt {
        return Ok(exp);
    }
    if let Some(at) = t.expires_at {
        return Ok(at);
    }
    if let (Some(r), Some(i)) = (t.received_at, t.expires_in) {
        return Ok(r.saturating_add(i));
    }
    Err(match from_jwt {
        Some(Err(e)) => e,
        _ => Error::config("tokens", "The token set has no readable expiry: give it a JWT `accessToken`, an `expiresAt`, or `receivedAt` with `expiresIn`."),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::codes;
    use crate::jwt::tests::make;

    #[test]
    fn leeway_makes_tokens_expire_early_never_late() {
        let exp = 1_000_000;
        assert!(!is_expired(exp, exp - 61, 60));
        assert!(is_expired(exp, exp - 60, 60));
        assert!(is_expired(exp, exp, 0));
        assert!(!is_expired(exp, exp - 1, 0));
        assert!(is_expired(exp, u64::MAX, u64::MAX), "no overflow");
    }

    #[test]
    fn token_sets_prefer_exp_then_fields() {
        let t = make(r#"{"exp":5000}"#);
        let base = TokenSetTimes { access_token: Some(&t), expires_at: Some(9), received_at: Some(1), expires_in: Some(2) };
        assert_eq!(token_set_expires_at(base).unwrap(), 5000);
        let opaque = TokenSetTimes { access_token: Some("opaque"), ..base };
        assert_eq!(token_set_expires_at(opaque).unwrap(), 9);
        assert_eq!(token_set_expires_at(TokenSetTimes { expires_at: None, ..opaque }).unwrap(), 3);
        let e = token_set_expires_at(TokenSetTimes { access_token: Some("abc"), ..Default::default() }).unwrap_err();
        assert_eq!(e.code, codes::AUTHORIZATION_CODE_NOT_TOKEN);
        assert_eq!(token_set_expires_at(TokenSetTimes::default()).unwrap_err().code, codes::INVALID_CONFIG);
    }
}
