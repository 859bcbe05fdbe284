//! `application/x-www-form-urlencoded` and URL-component encoding, and a minimal absolute-URL splitter.
//!
//! Encoding keeps only RFC 3986 unreserved characters and writes a space as `%20`: Constant Contact's
//! authorize endpoint reads `%20` and `+` as a space but mis-reads `%2B`, so scopes are never joined with a
//! literal `+` that could be re-encoded by someone else's code.

use alloc::string::String;
use alloc::vec::Vec;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Appends `s` percent-encoded (unreserved characters kept, space as `%20`).
pub fn encode_into(out: &mut String, s: &str) {
    for &b in s.as_bytes() {
        if is_unreserved(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX.get(usize::from(b >> 4)).map_or('0', |&h| h as char));
            out.push(HEX.get(usize::from(b & 15)).map_or('0', |&h| h as char));
        }
    }
}

/// Appends `name=value` pairs joined by `&`.
pub fn append_pairs(out: &mut String, pairs: &[(&str, &str)]) {
    for (name, value) in pairs {
        if !out.is_empty() && !out.ends_with('?') && !out.ends_with('&') {
            out.push('&');
        }
        encode_into(out, name);
        out.push('=');
        encode_into(out, value);
    }
}

/// Why a form text could not be decoded. Static text only: inputs are never echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

/// Decodes one form component: `+` is a space, `%XX` a byte; the bytes must be UTF-8.
pub fn decode(s: &str) -> Result<String, DecodeError> {
    if !s.bytes().any(|b| b == b'%' || b == b'+') {
        return Ok(String::from(s));
    }
    let mut bytes = Vec::with_capacity(s.len());
    let mut it = s.bytes();
    while let Some(b) = it.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hi = it.next().and_then(|h| (h as char).to_digit(16));
                let lo = it.next().and_then(|l| (l as char).to_digit(16));
                match (hi, lo) {
                    (Some(h), Some(l)) => bytes.push((h * 16 + l) as u8),
                    _ => return Err(DecodeError("a malformed percent-escape")),
                }
            }
            _ => bytes.push(b),
        }
    }
    String::from_utf8(bytes).map_err(|_| DecodeError("a percent-escape that is not UTF-8"))
}

/// Splits and decodes `a=1&b=2`. Empty segments are skipped; a name without `=` has an empty value.
pub fn parse_pairs(s: &str) -> Result<Vec<(String, String)>, DecodeError> {
    let mut out = Vec::new();
    for seg in s.split('&').filter(|seg| !seg.is_empty()) {
        let (name, value) = seg.split_once('=').unwrap_or((seg, ""));
        out.push((decode(name)?, decode(value)?));
    }
    Ok(out)
}

/// The parts of an absolute URL that the protocol checks. Not a general URL parser: it splits, it does
/// not normalise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// Before the first `:`, as written (not lower-cased).
    pub scheme: &'a str,
    /// Empty for URLs without an authority (`urn:...`, `com.example.app:/callback`).
    pub host: &'a str,
    /// What follows the host in the authority, unchecked: empty, or `:` and a port (`x` in `[::1]x`).
    pub port: &'a str,
    /// The authority has a `user:pass@` part.
    pub has_userinfo: bool,
    /// After the first `?` (before any `#`), undecoded.
    pub query: Option<&'a str>,
    /// After the first `#`, undecoded.
    pub fragment: Option<&'a str>,
}

/// Splits an absolute URL (`scheme:[//authority]path[?query][#fragment]`). `None` when it has no scheme
/// or contains whitespace or control characters.
pub fn split_url(url: &str) -> Option<UrlParts<'_>> {
    if url.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return None;
    }
    let (scheme, rest) = url.split_once(':')?;
    let mut sb = scheme.bytes();
    if !sb.next().is_some_and(|b| b.is_ascii_alphabetic())
        || !sb.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    let (before_frag, fragment) = match rest.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (rest, None),
    };
    let (hier, query) = match before_frag.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (before_frag, None),
    };
    let (host, port, has_userinfo) = match hier.strip_prefix("//") {
        Some(after) => {
            let authority = after.split('/').next().unwrap_or("");
            let (userinfo, hostport) = match authority.rsplit_once('@') {
                Some((u, h)) => (Some(u), h),
                None => (None, authority),
            };
            let host = if hostport.starts_with('[') {
                hostport.split_inclusive(']').next().unwrap_or("")
            } else {
                hostport.split(':').next().unwrap_or("")
            };
            (host, hostport.get(host.len()..).unwrap_or(""), userinfo.is_some())
        }
        None => ("", "", false),
    };
    Some(UrlParts { scheme, host, port, has_userinfo, query, fragment })
}

/// Substring test without `str::contains`, whose two-way searcher (and its panic path) is large in
/// wasm. The first byte is compared before the rest: a slice compare per window is a memcmp call each.
pub fn contains(haystack: &str, needle: &str) -> bool {
    let h = haystack.as_bytes();
    let Some((&first, rest)) = needle.as_bytes().split_first() else {
        return true;
    };
    h.iter().enumerate().any(|(i, &b)| b == first && h.get(i + 1..i + 1 + rest.len()) == Some(rest))
}

/// `localhost`, any `127.x.y.z`, or `[::1]`: hosts that never leave the machine.
pub fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") || host == "[::1]" {
        return true;
    }
    let mut octets = 0;
    for part in host.split('.') {
        octets += 1;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        if part.parse::<u16>().map_or(true, |n| n > 255) {
            return false;
        }
    }
    octets == 4 && host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_spaces_as_percent_20_never_plus_or_2b() {
        let mut s = String::new();
        encode_into(&mut s, "contact_data campaign_data+x/é");
        assert_eq!(s, "contact_data%20campaign_data%2Bx%2F%C3%A9");
    }

    #[test]
    fn decodes_form_components() {
        assert_eq!(decode("a+b%20c%2B").unwrap(), "a b c+");
        assert_eq!(decode("%C3%A9").unwrap(), "é");
        assert_eq!(decode("%"), Err(DecodeError("a malformed percent-escape")));
        assert_eq!(decode("%zz"), Err(DecodeError("a malformed percent-escape")));
        assert_eq!(decode("%FF%FE"), Err(DecodeError("a percent-escape that is not UTF-8")));
        assert_eq!(
            parse_pairs("a=1&&b&c=x=y").unwrap(),
            vec![("a".into(), "1".into()), ("b".into(), "".into()), ("c".into(), "x=y".into())]
        );
    }

    #[test]
    fn splits_urls() {
        let p = split_url("https://user@Authz.Example.com:8443/p/a?x=1&y#frag").unwrap();
        assert_eq!((p.scheme, p.host, p.has_userinfo), ("https", "Authz.Example.com", true));
        assert_eq!((p.query, p.fragment), (Some("x=1&y"), Some("frag")));
        assert_eq!(p.port, ":8443");
        let p = split_url("http://[::1]:9000/cb").unwrap();
        assert_eq!((p.host, p.port), ("[::1]", ":9000"));
        assert_eq!(split_url("https://[::1]x:1/").unwrap().port, "x:1");
        assert_eq!(split_url("https://h/p:1").unwrap().port, "");
        let p = split_url("com.example.app:/callback").unwrap();
        assert_eq!((p.scheme, p.host), ("com.example.app", ""));
        assert!(split_url("/relative/path").is_none());
        assert!(split_url("https://a b").is_none());
        assert!(split_url("1http://x").is_none());
    }

    #[test]
    fn substring() {
        assert!(contains("abc code=x", "code="));
        assert!(!contains("abc", "abcd"));
        assert!(contains("abc", ""));
    }

    #[test]
    fn loopback_hosts() {
        for h in ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "[::1]"] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in ["127.0.0.1.example.com", "128.0.0.1", "127.0.0.256", "localhost.evil", "", "127.0.0", "[::2]"] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }
}
