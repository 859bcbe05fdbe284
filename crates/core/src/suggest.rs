//! What a misspelt name most likely meant: an option, an `endpoints` key. Errors name the right one
//! instead of a list to search.

use alloc::string::String;
use alloc::vec::Vec;

/// `client_id` -> `clientid` without separators, lower case: how a misspelling is matched to a key.
fn folded(k: &str) -> String {
    k.chars().filter(|c| *c != '_' && *c != '-').map(|c| c.to_ascii_lowercase()).collect()
}

/// Edit distance, bounded: enough to catch one or two slipped letters.
fn close(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > 2 {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(usize::MAX).saturating_add(usize::from(ca != cb));
            let del = prev.get(j + 1).copied().unwrap_or(usize::MAX).saturating_add(1);
            let ins = cur.get(j).copied().unwrap_or(usize::MAX).saturating_add(1);
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().is_some_and(|d| *d <= 2)
}

/// The name in `allowed` that `unknown` most likely meant: the same word spelt another way
/// (`client_id` for `clientId`), one or two letters off (`redirectUrl`), or an allowed name with something
/// added (`tokenUrl` for `token`). `None` when nothing is close.
pub fn suggestion<'k>(unknown: &str, allowed: &[&'k str]) -> Option<&'k str> {
    let f = folded(unknown);
    let longest_prefix = allowed.iter().filter(|k| k.len() >= 4 && f.starts_with(&folded(k))).max_by_key(|k| k.len());
    allowed
        .iter()
        .find(|k| folded(k) == f)
        .or_else(|| allowed.iter().find(|k| close(&folded(k), &f)))
        .or(longest_prefix)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_slips_and_additions() {
        let keys = ["clientId", "redirectUri", "token", "scopes"];
        assert_eq!(suggestion("client_id", &keys), Some("clientId"));
        assert_eq!(suggestion("redirectUrl", &keys), Some("redirectUri"));
        assert_eq!(suggestion("tokenUrl", &keys), Some("token"));
        assert_eq!(suggestion("colour", &keys), None);
    }
}
