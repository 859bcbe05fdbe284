//! Base64 as this crate needs it: url-safe without padding (JWT segments, PKCE, state) and standard with
//! padding (HTTP Basic). Strict like the `base64` crate's engines (canonical trailing bits, no padding or
//! whitespace in url-safe input), which the tests use as the reference.
//!
//! Why not that crate here: its generic engine cost 6.4 KB of the shipped wasm and, at opt-level "z",
//! decoding a 700-character JWT payload was the largest single cost of `tokenExpiresAt`. These are two
//! table-driven loops. (Not cryptography: nothing here is secret-dependent beyond ordinary encoding.)

use alloc::string::String;
use alloc::vec::Vec;

/// The url-safe alphabet (RFC 4648 §5): JWT segments, PKCE values, states.
pub const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// The standard alphabet (RFC 4648 §4): HTTP Basic credentials.
pub const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Value of each url-safe character; 0xFF for every other byte.
// The indexing below runs at compile time (const evaluation): out of bounds would fail the build.
#[allow(clippy::indexing_slicing)]
static URL_VALUES: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 64 {
        t[URL_SAFE[i] as usize] = i as u8;
        i += 1;
    }
    t
};

fn sextet(b: u8) -> Option<u32> {
    match URL_VALUES.get(usize::from(b)) {
        Some(&v) if v != 0xFF => Some(u32::from(v)),
        _ => None,
    }
}

fn char_of(alphabet: &[u8; 64], n: u32) -> u8 {
    alphabet.get((n & 63) as usize).copied().unwrap_or(b'A')
}

/// Encodes with `alphabet`, padding to a multiple of 4 with `=` when `pad`.
pub fn encode(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    let mut chunks = bytes.chunks_exact(3);
    for chunk in &mut chunks {
        if let &[a, b, c] = chunk {
            let n = u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c);
            out.extend_from_slice(&[
                char_of(alphabet, n >> 18),
                char_of(alphabet, n >> 12),
                char_of(alphabet, n >> 6),
                char_of(alphabet, n),
            ]);
        }
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.extend_from_slice(&[char_of(alphabet, n >> 18), char_of(alphabet, n >> 12)]);
            if pad {
                out.extend_from_slice(b"==");
            }
        }
        [a, b] => {
            let n = u32::from(a) << 16 | u32::from(b) << 8;
            out.extend_from_slice(&[char_of(alphabet, n >> 18), char_of(alphabet, n >> 12), char_of(alphabet, n >> 6)]);
            if pad {
                out.push(b'=');
            }
        }
        _ => {}
    }
    // Only alphabet bytes were written: always ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Url-safe, no padding: a JWT segment or a PKCE value.
pub fn encode_url(bytes: &[u8]) -> String {
    encode(bytes, URL_SAFE, false)
}

/// Decodes url-safe base64 without padding. `None` for any other character, an impossible length, or
/// non-zero trailing bits (so each byte string has exactly one accepted encoding).
pub fn decode_url(s: &str) -> Option<Vec<u8>> {
    let input = s.as_bytes();
    let tail = match input.len() % 4 {
        0 => 0,
        1 => return None,
        r => r - 1,
    };
    // Written in place: `extend_from_slice` of 3 bytes compiles to a memcpy call per group at opt-level z.
    let mut out = alloc::vec![0u8; input.len() / 4 * 3 + tail];
    let mut groups = input.chunks_exact(4);
    let mut dst = out.chunks_exact_mut(3);
    for (chunk, d) in (&mut groups).zip(&mut dst) {
        if let (&[a, b, c, e], [x, y, z]) = (chunk, d) {
            let n = sextet(a)? << 18 | sextet(b)? << 12 | sextet(c)? << 6 | sextet(e)?;
            *x = (n >> 16) as u8;
            *y = (n >> 8) as u8;
            *z = n as u8;
        }
    }
    match (groups.remainder(), dst.into_remainder()) {
        (&[], []) => {}
        (&[a, b], [x]) => {
            let n = sextet(a)? << 18 | sextet(b)? << 12;
            if n & 0xFFFF != 0 {
                return None;
            }
            *x = (n >> 16) as u8;
        }
        (&[a, b, c], [x, y]) => {
            let n = sextet(a)? << 18 | sextet(b)? << 12 | sextet(c)? << 6;
            if n & 0xFF != 0 {
                return None;
            }
            *x = (n >> 16) as u8;
            *y = (n >> 8) as u8;
        }
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD as REF_STANDARD, URL_SAFE_NO_PAD as REF_URL};
    use base64::Engine as _;

    /// A small deterministic generator: the same inputs on every run.
    fn bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn agrees_with_the_base64_crate() {
        for len in 0..70 {
            for seed in 0..40 {
                let b = bytes(seed * 100 + len as u64, len);
                let url = encode_url(&b);
                assert_eq!(url, REF_URL.encode(&b));
                assert_eq!(encode(&b, STANDARD, true), REF_STANDARD.encode(&b));
                assert_eq!(decode_url(&url).as_deref(), Some(&b[..]));
            }
        }
    }

    #[test]
    fn decoding_is_as_strict_as_the_base64_crate() {
        // Every string of length 0..=5 over a small alphabet that mixes valid, padding and foreign bytes.
        let alphabet = b"AQgw_-+/=. \xff";
        let mut cases = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for c in &cases {
                for &a in alphabet {
                    let mut s = c.clone().into_bytes();
                    s.push(a);
                    if let Ok(s) = String::from_utf8(s) {
                        next.push(s);
                    }
                }
            }
            cases.extend(next.iter().cloned());
            cases = cases.into_iter().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        }
        assert!(cases.len() > 100_000, "{}", cases.len());
        for s in &cases {
            assert_eq!(decode_url(s), REF_URL.decode(s).ok(), "{s:?}");
        }
    }
}
