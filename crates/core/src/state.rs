//! The `state` parameter: generated from 32 random bytes, compared in constant time.

use alloc::string::String;
use subtle::ConstantTimeEq;

use crate::error::Error;
use crate::pkce::random_32;

/// A fresh state: 43 base64url characters carrying 256 random bits from the platform's CSPRNG;
/// `unsupported_runtime` without one.
pub fn generate() -> Result<String, Error> {
    Ok(crate::b64::encode_url(&random_32()?))
}

/// Equality that takes the same time wherever the first difference is (only the length can leak, and
/// generated states all have the same length).
pub fn matches(expected: &str, received: &str) -> bool {
    expected.len() == received.len() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

/// A caller-chosen state must be a visible-ASCII word of 1 to 512 characters: it travels in a URL and comes
/// back verbatim. Errors: `invalid_config`, field `state`.
pub fn check(state: &str) -> Result<(), Error> {
    if !state.is_empty() && state.len() <= 512 && state.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        Ok(())
    } else {
        Err(Error::config("state", "`state` must be 1 to 512 visible ASCII characters; omit it to have one generated."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_states_are_43_chars_and_fresh() {
        let a = generate().unwrap();
        assert_eq!(a.len(), 43);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(a, generate().unwrap());
    }

    #[test]
    fn comparison() {
        assert!(matches("abc", "abc"));
        assert!(!matches("abc", "abd"));
        assert!(!matches("abc", "abcd"));
        assert!(!matches("abc", ""));
    }
}
