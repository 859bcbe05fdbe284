//! PKCE (RFC 7636), S256 only: Constant Contact (Okta) accepts no other method.

use alloc::string::String;
use sha2::{Digest, Sha256};

use crate::error::{codes, Error};
use crate::secret::Secret;

/// A PKCE pair: the verifier the client keeps and the challenge the authorization URL carries.
#[derive(Debug, Clone)]
pub struct Pkce {
    /// Kept by the client until the code exchange; never sent to the authorize endpoint.
    pub code_verifier: Secret,
    /// base64url(SHA-256(verifier)): sent with `code_challenge_method=S256`.
    pub code_challenge: String,
}

/// 32 bytes from the platform's CSPRNG (`crypto.getRandomValues` in JS runtimes); `unsupported_runtime`
/// without one.
pub fn random_32() -> Result<[u8; 32], Error> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|_| {
        Error::new(
            codes::UNSUPPORTED_RUNTIME,
            "No secure random source is available (crypto.getRandomValues). Use a runtime with the Web Crypto API.",
        )
    })?;
    Ok(buf)
}

/// base64url of SHA-256 of the verifier's ASCII bytes.
pub fn challenge_s256(code_verifier: &str) -> String {
    crate::b64::encode_url(&Sha256::digest(code_verifier.as_bytes()))
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`. Errors: `invalid_config`, field `codeVerifier`.
pub fn check_verifier(v: &str) -> Result<(), Error> {
    if (43..=128).contains(&v.len())
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
    {
        Ok(())
    } else {
        Err(Error::config(
            "codeVerifier",
            "A PKCE code verifier must be 43 to 128 characters of A-Z, a-z, 0-9 and -._~ (RFC 7636).",
        ))
    }
}

/// A verifier from 32 random bytes (43 characters, 256 bits) and its S256 challenge.
pub fn from_bytes(bytes: &[u8; 32]) -> Pkce {
    let v = crate::b64::encode_url(bytes);
    Pkce { code_challenge: challenge_s256(&v), code_verifier: Secret::new(v) }
}

/// A fresh pair from the platform's CSPRNG; `unsupported_runtime` without one.
pub fn create() -> Result<Pkce, Error> {
    Ok(from_bytes(&random_32()?))
}

/// The challenge for a verifier the caller already has (resuming a flow), after checking it.
pub fn from_verifier(v: String) -> Result<Pkce, Error> {
    check_verifier(&v)?;
    Ok(Pkce { code_challenge: challenge_s256(&v), code_verifier: Secret::new(v) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        // The octets of Appendix B, their verifier and challenge.
        let octets: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191,
            240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let p = from_bytes(&octets);
        assert_eq!(p.code_verifier.expose(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(p.code_challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(
            from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()).unwrap().code_challenge,
            p.code_challenge
        );
    }

    #[test]
    fn random_pairs_are_fresh_and_well_formed() {
        let a = create().unwrap();
        let b = create().unwrap();
        assert_ne!(a.code_verifier, b.code_verifier);
        assert_eq!(a.code_verifier.expose().len(), 43);
        check_verifier(a.code_verifier.expose()).unwrap();
        assert_eq!(a.code_challenge, challenge_s256(a.code_verifier.expose()));
    }

    #[test]
    fn verifiers_are_checked() {
        assert!(from_verifier("short".into()).is_err());
        assert!(from_verifier("a".repeat(129)).is_err());
        assert!(from_verifier(format!("{}+", "a".repeat(43))).is_err());
        assert!(from_verifier("a".repeat(128)).is_ok());
    }
}
