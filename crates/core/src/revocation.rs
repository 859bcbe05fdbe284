//! Revocation (RFC 7009) at `/v1/revoke`: the token and an optional type hint, client authenticated as
//! at the token endpoint. Success is any 200, whatever the body.

use crate::config::Config;
use crate::error::Error;
use crate::http::{self, Request};

/// The request that revokes `token` (a refresh or access token), with an optional `hint`:
/// `refresh_token` or `access_token`. Errors: `invalid_config` (field `token` or `tokenTypeHint`).
pub fn request(cfg: &Config, token: &str, hint: Option<&str>) -> Result<Request, Error> {
    if token.is_empty() || token.len() > 16 * 1024 || !token.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return Err(Error::config("token", "The token to revoke is empty or not a valid value."));
    }
    let hint = match hint {
        None => None,
        Some(h @ ("refresh_token" | "access_token")) => Some(h),
        Some(_) => {
            return Err(Error::config(
                "tokenTypeHint",
                "`tokenTypeHint` must be \"refresh_token\" or \"access_token\".",
            ))
        }
    };
    let mut pairs = alloc::vec![("token", token)];
    if let Some(h) = hint {
        pairs.push(("token_type_hint", h));
    }
    Ok(Request::form_post(cfg, &cfg.endpoints.revoke, &pairs))
}

/// Reads the answer to [`request`]: any 200 is success; otherwise the server's error (see
/// [`crate::http::error_response`]).
pub fn parse(status: u16, retry_after: Option<u64>, body: &str) -> Result<(), Error> {
    if status == 200 {
        Ok(())
    } else {
        Err(http::error_response(status, retry_after, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{validate, ConfigInput};

    #[test]
    fn requests_and_answers() {
        let cfg = validate(ConfigInput { client_id: Some("c".into()), ..Default::default() }).unwrap();
        let r = request(&cfg, "rt", Some("refresh_token")).unwrap();
        assert_eq!(
            (r.url.as_str(), r.body.as_str()),
            (
                "https://authz.constantcontact.com/oauth2/default/v1/revoke",
                "token=rt&token_type_hint=refresh_token&client_id=c"
            )
        );
        assert_eq!(request(&cfg, "rt", Some("id_token")).unwrap_err().field_name(), Some("tokenTypeHint"));
        assert_eq!(request(&cfg, "", None).unwrap_err().field_name(), Some("token"));
        assert!(parse(200, None, "").is_ok());
        assert_eq!(parse(400, None, r#"{"error":"invalid_client"}"#).unwrap_err().code, "invalid_client");
    }
}
