//! Results as they cross to JS: one JSON text each, written with the contract's field names
//! ([`crate::contract`]). The JWT payload, already JSON, is embedded as is. Each writer is built into
//! the modules (Cargo features) whose operations return its result.

use alloc::string::String;

#[cfg(feature = "client")]
use ctct_oauth_core::authorize::AuthorizationRequest;
#[cfg(feature = "server")]
use ctct_oauth_core::device::{DeviceAuthorization, Outcome, Poll};
#[cfg(feature = "client")]
use ctct_oauth_core::http::Request;
use ctct_oauth_core::json::ObjectWriter;
use ctct_oauth_core::jwt::{Audience, Decoded};
#[cfg(feature = "client")]
use ctct_oauth_core::pkce::Pkce;
#[cfg(feature = "client")]
use ctct_oauth_core::record::{Kind, Read, Written};
#[cfg(feature = "client")]
use ctct_oauth_core::secret::Secret;
#[cfg(feature = "client")]
use ctct_oauth_core::session::Status;
#[cfg(feature = "client")]
use ctct_oauth_core::token::TokenSet;

#[cfg(feature = "client")]
use crate::settings::Settings;

#[cfg(feature = "client")]
pub(crate) fn pkce(p: &Pkce) -> String {
    let mut out = String::new();
    ObjectWriter::new(&mut out)
        .str("codeVerifier", p.code_verifier.expose())
        .str("codeChallenge", &p.code_challenge)
        .str("codeChallengeMethod", "S256")
        .end();
    out
}

pub(crate) fn claims(out: &mut String, d: &Decoded, warnings: Option<&[&str]>) {
    let c = &d.claims;
    let mut w = ObjectWriter::new(out);
    w.opt_str("iss", c.iss.as_deref());
    match &c.aud {
        None => {}
        Some(Audience::One(a)) => {
            w.str("aud", a);
        }
        Some(Audience::Many(list)) => {
            w.strs("aud", list);
        }
    }
    w.opt_str("sub", c.sub.as_deref())
        .num("exp", c.exp)
        .opt_num("iat", c.iat)
        .opt_num("nbf", c.nbf)
        .opt_str("jti", c.jti.as_deref())
        .opt_str("clientId", c.client_id.as_deref())
        .opt_str("userId", c.user_id.as_deref())
        .opt_str("platformUserId", c.platform_user_id.as_deref())
        .strs("scopes", &c.scopes)
        .num("expiresAt", c.exp)
        // The payload passed the strict reader, so it is valid JSON to embed as is.
        .raw("raw", &d.payload_json);
    if let Some(list) = warnings {
        w.strs("warnings", list);
    }
    w.end();
}

#[cfg(feature = "client")]
pub(crate) fn token_set(out: &mut String, t: &TokenSet) {
    ObjectWriter::new(out)
        .str("accessToken", t.access_token.expose())
        .opt_str("refreshToken", t.refresh_token.as_ref().map(Secret::expose))
        .str("tokenType", &t.token_type)
        .opt_num("expiresIn", t.expires_in)
        .opt_num("expiresAt", t.expires_at)
        .num("receivedAt", t.received_at)
        .int("clockSkew", t.clock_skew)
        .strs("scopes", &t.scopes)
        .opt_str("idToken", t.id_token.as_deref())
        .strs("warnings", &t.warnings)
        .end();
}

#[cfg(feature = "client")]
pub(crate) fn token_set_text(t: &TokenSet) -> String {
    let mut out = String::with_capacity(t.access_token.expose().len() + 400);
    token_set(&mut out, t);
    out
}

#[cfg(feature = "client")]
pub(crate) fn authorization_request(r: &AuthorizationRequest) -> String {
    let mut out = String::new();
    ObjectWriter::new(&mut out)
        .str("url", &r.url)
        .str("state", &r.state)
        .opt_str("codeVerifier", r.pkce.as_ref().map(|p| p.code_verifier.expose()))
        .opt_str("codeChallenge", r.pkce.as_ref().map(|p| p.code_challenge.as_str()))
        .strs("scopes", &r.scopes)
        .end();
    out
}

#[cfg(feature = "server")]
pub(crate) fn device(d: &DeviceAuthorization) -> String {
    let mut out = String::new();
    ObjectWriter::new(&mut out)
        .str("deviceCode", d.device_code.expose())
        .str("userCode", &d.user_code)
        .str("verificationUri", &d.verification_uri)
        .opt_str("verificationUriComplete", d.verification_uri_complete.as_deref())
        .num("expiresIn", d.expires_in)
        .num("expiresAt", d.expires_at)
        .num("interval", d.interval)
        .strs("scopes", &d.scopes)
        .end();
    out
}

#[cfg(feature = "server")]
pub(crate) fn poll_step(p: &Poll) -> String {
    let mut out = String::new();
    let mut w = ObjectWriter::new(&mut out);
    match &p.outcome {
        Outcome::Pending => w.str("status", "pending"),
        Outcome::SlowDown => w.str("status", "slow_down"),
        Outcome::Complete(_) => w.str("status", "complete"),
    };
    w.num("interval", p.interval).num("nextPollAt", p.next_poll_at);
    if let Outcome::Complete(t) = &p.outcome {
        w.raw("tokens", &token_set_text(t));
    }
    w.end();
    out
}

/// A stored record as the session reads it: `{kind, version, chain, reason?, expiresAt?, dueAt?,
/// idleWarnAt?, idleEndsAt?, refreshUsedAt?, issuedAt?, refreshToken?}` (`issuedAt` 0: unknown).
#[cfg(feature = "client")]
pub(crate) fn record_read(r: &Read) -> String {
    let mut out = String::new();
    let mut w = ObjectWriter::new(&mut out);
    w.str("kind", r.kind.name()).num("version", r.version).num("chain", r.chain);
    if let Kind::Failed(reason) = r.kind {
        w.str("reason", reason);
    }
    if let Some(f) = &r.facts {
        w.num("expiresAt", f.expires_at)
            .num("dueAt", f.due_at)
            .num("idleWarnAt", f.idle_warn_at)
            .num("idleEndsAt", f.idle_ends_at)
            .num("refreshUsedAt", r.refresh_used_at)
            .num("issuedAt", r.issued_at)
            .bool("refreshToken", r.has_refresh_token);
    }
    w.end();
    out
}

/// A record to write: `{version, skew, record}`.
#[cfg(feature = "client")]
pub(crate) fn written(w: &Written) -> String {
    let mut out = String::with_capacity(w.record.len() + 40);
    ObjectWriter::new(&mut out).num("version", w.version).int("skew", w.skew).raw("record", &w.record).end();
    out
}

/// `session.status()`.
#[cfg(feature = "client")]
pub(crate) fn session_status(s: &Status) -> String {
    let mut out = String::new();
    ObjectWriter::new(&mut out)
        .num("expiresAt", s.expires_at)
        .num("refreshTokenIdleDays", s.refresh_token_idle_days)
        .bool("pendingWrite", s.pending_write)
        .strs("warnings", &s.warnings)
        .end();
    out
}

/// A session's settings, for its JS layer.
#[cfg(feature = "client")]
pub(crate) fn settings(s: &Settings) -> String {
    let mut out = String::new();
    ObjectWriter::new(&mut out)
        .num("marginSeconds", s.margin_secs)
        .bool("timer", s.timer)
        .num("timeoutMs", s.timeout_ms)
        .num("lockTtlMs", s.lock_ttl_ms)
        .num("laneGapMs", s.lane_gap_ms)
        .str("lockName", &s.lock_name)
        .str("lane", &s.lane)
        .bool("coordinated", s.coordinated)
        .end();
    out
}

/// A request for the JS layer to send, with `context`: facts about what was asked (opaque to JS, handed
/// back with the response) so the answer is read against the request that produced it.
#[cfg(feature = "client")]
pub(crate) fn request(r: &Request, context: &str) -> String {
    let mut headers = String::new();
    let mut h = ObjectWriter::new(&mut headers);
    for (k, v) in &r.headers {
        h.str(k, v);
    }
    h.end();
    let mut out = String::new();
    ObjectWriter::new(&mut out)
        .str("url", &r.url)
        .raw("headers", &headers)
        .str("body", &r.body)
        .str("context", context)
        .end();
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::contract::Shape;
    use ctct_oauth_core::json::{parse, Value};

    /// Every key a result has is declared in its shape.
    pub fn assert_shape(json: &str, shape: Shape) {
        let Ok(Value::Obj(members)) = parse(json) else { panic!("not an object: {json}") };
        for (k, _) in &members {
            assert!(
                shape.fields.contains(&k.as_ref()),
                "{} has `{k}`, which the contract does not declare",
                shape.ts_type
            );
        }
    }
}
