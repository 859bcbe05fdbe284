//! Calling the V3 API with the token: reading its error responses. Constant Contact sends either an
//! array `[{"error_key", "error_message"}]` or one such object (401s), and distinguishes its 429s by
//! `error_key`: `throttled` (4 requests/s), `quota_exceeded` (10,000/day), and `null` with a message of
//! its own (the bulk-activity queue: "You exceeded 1,000 queued activities").

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{codes, concat, decimal, sanitize_text, Error};
use crate::http;
use crate::json::{self, Value};

fn pair(v: &Value<'_>) -> Option<(Option<String>, String)> {
    let key = v.get("error_key").and_then(Value::as_str).map(sanitize_text);
    let message = v.get("error_message").or_else(|| v.get("message")).and_then(Value::as_str).map(sanitize_text);
    match (key, message) {
        (None, None) => None,
        (key, message) => Some((key, message.unwrap_or_default())),
    }
}

/// The `errors` of an API error body, whatever its shape; empty when it has none.
pub fn errors(body: &str) -> Vec<(Option<String>, String)> {
    if body.len() > http::MAX_BODY {
        return Vec::new();
    }
    match json::parse(body) {
        Ok(Value::Arr(items)) => items.iter().filter_map(pair).take(20).collect(),
        Ok(v @ Value::Obj(_)) => pair(&v).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The error for a non-success API response: `rate_limited` for a 429 (its message names the limit that
/// was hit, from the first `error_key`; `retry_after` in seconds, from the header), else `api_error`;
/// with the status, and the body's `errors` (or an excerpt of it when it has none).
pub fn error(status: u16, retry_after: Option<u64>, body: &str) -> Error {
    let errors = errors(body);
    let first_key = errors.first().and_then(|(k, _)| k.as_deref());
    let mut e = if status == 429 {
        let message = match first_key {
            Some("quota_exceeded") => concat!(
                "The application used its daily Constant Contact API quota (quota_exceeded: 10,000 requests a ",
                "day per API key, reset at 00:00 UTC). Wait for the reset or ask Constant Contact for a higher limit."
            ),
            Some("throttled") => concat!(
                "Too many Constant Contact API requests (throttled: 4 a second per API key, shared by every user ",
                "of the application). Slow down and retry."
            ),
            _ => concat!(
                "Constant Contact refused the request as too many (429) for a reason of its own: `errors` has ",
                "its words (for bulk activities: more than 1,000 queued). Wait for the work to drain and retry."
            ),
        };
        let mut e = Error::new(codes::RATE_LIMITED, message);
        e.retry_after = retry_after;
        e
    } else {
        let message: &'static str = match status {
            401 => {
                "Constant Contact refused the access token (401) even after a refresh. The user must authorize again."
            }
            403 => concat!(
                "The token lacks the scope or the user lacks the privilege for this call (403). Authorize with ",
                "the needed scope (for example account_read for /account/summary)."
            ),
            404 => "Constant Contact has no such resource (404). Check the path and ids.",
            400 | 409 | 415 | 422 => "Constant Contact rejected the request (validation); `errors` has its reasons.",
            s if s >= 500 => "Constant Contact had a server error. Try again later.",
            _ => "The Constant Contact API call failed; `status` and `errors` say why.",
        };
        Error::new(codes::API_ERROR, message)
    };
    e.status = Some(status);
    e.errors = errors;
    if e.errors.is_empty() {
        e.description = Some(concat(&["HTTP ", &decimal(u64::from(status)), ": ", &http::excerpt(body)]));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Option<String> {
        Some(s.into())
    }

    #[test]
    fn both_body_shapes() {
        let e = error(
            400,
            None,
            concat!(
                r#"[{"error_key":"contacts.api.validation.error","error_message":"email_address is required"},{"err"#,
                r#"or_key":"x","error_message":"y"}]"#
            ),
        );
        assert_eq!((e.code.as_ref(), e.status, e.errors.len()), ("api_error", Some(400), 2));
        assert_eq!(e.errors[0], (key("contacts.api.validation.error"), "email_address is required".into()));
        let e = error(401, None, r#"{"error_key":"unauthorized","error_message":"Unauthorized"}"#);
        assert_eq!(e.errors, vec![(key("unauthorized"), "Unauthorized".into())]);
        let e = error(502, None, "<html>Bad gateway</html>");
        assert!(e.errors.is_empty() && e.description.as_deref().unwrap().contains("Bad gateway"));
    }

    #[test]
    fn the_three_429s() {
        let t = error(429, None, r#"[{"error_key":"throttled","error_message":"Too Many Requests"}]"#);
        assert_eq!((t.code.as_ref(), t.errors[0].0.as_deref()), ("rate_limited", Some("throttled")));
        let q = error(429, Some(3), r#"{"error_key":"quota_exceeded","error_message":"Limit Exceeded"}"#);
        assert_eq!(
            (q.code.as_ref(), q.errors[0].0.as_deref(), q.retry_after),
            ("rate_limited", Some("quota_exceeded"), Some(3))
        );
        assert!(q.message.contains("daily"));
        // The bulk-activity queue: no key, the reason in the message.
        let b = error(429, None, r#"[{"error_key":null,"error_message":"You exceeded 1,000 queued activities"}]"#);
        assert_eq!(b.errors, vec![(None, "You exceeded 1,000 queued activities".into())]);
        assert!(b.message.contains("1,000 queued") && !b.message.contains("4 a second"), "{}", b.message);
    }
}
