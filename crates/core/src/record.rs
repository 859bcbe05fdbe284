//! A session's record in its store: what a stored record says, read with this machine's clock, and every
//! change a session makes to it (a sign-in, a refreshed pair, a sign-out, a refresh token found dead).
//!
//! Times in a record are on the authorization server's clock: this machine's time plus the offset it
//! measured (the access token's `iat` against its arrival), so every machine sharing a store reads the
//! same instant, each converting it with its own measured offset. A token set inside a record keeps the
//! writer's local times only for the writer's own API callers; readers use the record's times.
//!
//! Versions are whole numbers that only grow: a sign-in or sign-out writes one more than the highest the
//! writer has seen; a refresh writes exactly one more than the version it started from, so the store's
//! compare-and-set refuses it once anything else was written (a sign-out, a newer sign-in): a late pair
//! is never stored over a newer record.

use alloc::string::String;

use crate::error::{codes, concat, Error};
use crate::expiry::{self, TokenSetTimes};
use crate::json::{self, ObjectWriter, Value};
use crate::session::{self, Facts};

/// The largest version: JavaScript numbers are exact up to 2^53 - 1, and stores compare versions as numbers.
pub const MAX_VERSION: u64 = (1 << 53) - 1;
/// Largest number of seconds a record's times may hold (year 33658): beyond is not a time.
const MAX_SECONDS: f64 = 1e12;

/// What a stored record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No record: nobody signed in (version 0).
    Empty,
    /// A token set, usable (its refresh token may still be refused by the server).
    Tokens,
    /// A sign-out: final until the next sign-in.
    SignedOut,
    /// The refresh token was found dead by a session: `rotated` or `idle_expired`.
    Failed(&'static str),
}

impl Kind {
    /// The kind as the JS layer reads it: `empty`, `tokens`, `signed_out` or `failed`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Empty => "empty",
            Kind::Tokens => "tokens",
            Kind::SignedOut => "signed_out",
            Kind::Failed(_) => "failed",
        }
    }
}

/// A stored record as this machine reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Read {
    /// What the record is.
    pub kind: Kind,
    /// Its version (0 for no record).
    pub version: u64,
    /// The version of the sign-in this record descends from (refreshes keep it): what a sign-out ends.
    pub chain: u64,
    /// For a token record: its times on this machine's clock.
    pub facts: Option<Facts>,
    /// For a token record: when its refresh token was issued or last used, on this machine's clock.
    pub refresh_used_at: u64,
    /// For a token record: its token set has a refresh token.
    pub has_refresh_token: bool,
    /// For a token record: when its pair was received (its `refreshUsedAt`), on this machine's clock; 0 when
    /// the record does not say (`refresh_used_at` is then the time of reading), and a fleet plans by expiry alone.
    pub issued_at: u64,
}

/// The error for a record this library cannot use. A reauthorization: signing in again replaces it.
fn invalid(field: &'static str, what: &str) -> Error {
    let mut e = Error::new(
        codes::REAUTHORIZATION_REQUIRED,
        concat(&[
            "The stored record cannot be used: ",
            what,
            ". No refresh token was spent. Sign the user in again (session.setTokens() replaces the record), ",
            "or fix the record in the store.",
        ]),
    )
    .field(field);
    e.reason = Some("invalid_record");
    e
}

/// A version as stored: a whole number from 1 to 2^53 - 1.
fn version_of(v: &Value<'_>) -> Result<u64, Error> {
    match v.get("version") {
        Some(Value::Num(n)) if *n >= 1.0 && *n <= MAX_VERSION as f64 && *n == (*n as u64) as f64 => Ok(*n as u64),
        _ => Err(invalid("version", "its `version` is not a whole number from 1 to 2^53 - 1")),
    }
}

/// An optional time of the record (seconds, the server's clock).
fn time_of(v: &Value<'_>, key: &'static str) -> Result<Option<u64>, Error> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Num(n)) if (0.0..=MAX_SECONDS).contains(n) => Ok(Some(*n as u64)),
        Some(_) => Err(invalid(key, concat(&["its `", key, "` is not a number of seconds"]).as_str())),
    }
}

/// A signed whole number of seconds (a clock offset), 0 when absent or not one.
fn offset_of(v: &Value<'_>, key: &str) -> i64 {
    match v.get(key) {
        Some(Value::Num(n)) if n.abs() <= MAX_SECONDS => *n as i64,
        _ => 0,
    }
}

/// A time on this machine's clock (seconds) on the server's: moved by `skew`, the seconds the server's
/// clock is ahead (the inverse of [`crate::expiry::local_time`]).
pub fn server_time(local: u64, skew: i64) -> u64 {
    // The server's clock is `skew` ahead of this one.
    expiry::local_time(local, skew.saturating_neg())
}

/// When a token set's access token expires, on the server's clock: its `exp` (the server's own word)
/// when it is a JWT, else the set's local times moved by the offset measured when it arrived.
fn token_set_server_expiry(tokens: &Value<'_>) -> Result<u64, Error> {
    let access_token = match tokens.get("accessToken") {
        Some(Value::Str(s)) if !s.is_empty() => s,
        _ => return Err(invalid("tokens", "its token set has no `accessToken`")),
    };
    if let Ok(exp) = crate::jwt::expires_at(access_token) {
        return Ok(exp);
    }
    let num = |k: &'static str| match tokens.get(k) {
        Some(Value::Num(n)) if (0.0..=MAX_SECONDS).contains(n) => Some(*n as u64),
        _ => None,
    };
    let local = expiry::token_set_expires_at(TokenSetTimes {
        access_token: None,
        expires_at: num("expiresAt"),
        received_at: num("receivedAt"),
        expires_in: num("expiresIn"),
    })
    .map_err(|_| invalid("tokens", "its token set has no readable expiry"))?;
    Ok(server_time(local, offset_of(tokens, "clockSkew")))
}

/// Reads a stored record (`null` when there is none) with this machine's clock: `now` and `skew` (how far
/// the server's clock is ahead of it, as this session measured). A record that cannot be used is an
/// error naming the field; nothing about it is guessed.
pub fn read(record: &str, now: u64, skew: i64, margin: u64) -> Result<Read, Error> {
    let v = json::parse(record).map_err(|_| invalid("record", "it is not JSON"))?;
    if v == Value::Null {
        let empty = Read {
            kind: Kind::Empty,
            version: 0,
            chain: 0,
            facts: None,
            refresh_used_at: now,
            has_refresh_token: false,
            issued_at: 0,
        };
        return Ok(empty);
    }
    if !matches!(v, Value::Obj(_)) {
        return Err(invalid("record", "it is not an object"));
    }
    if let Some(Value::Str(why)) = v.get("unreadable") {
        return Err(invalid(
            "record",
            if why == "too_large" { "it is over 64 KB" } else { "the store could not read it" },
        ));
    }
    let version = version_of(&v)?;
    let chain = match v.get("chain") {
        Some(Value::Num(n)) if *n >= 1.0 && *n <= version as f64 => *n as u64,
        _ => version,
    };
    let base = Read {
        kind: Kind::SignedOut,
        version,
        chain,
        facts: None,
        refresh_used_at: now,
        has_refresh_token: false,
        issued_at: 0,
    };
    if v.get("signedOut") == Some(&Value::Bool(true)) {
        return Ok(base);
    }
    match v.get("failed") {
        None | Some(Value::Null) => {}
        Some(Value::Str(r)) if r == "idle_expired" => return Ok(Read { kind: Kind::Failed("idle_expired"), ..base }),
        Some(_) => return Ok(Read { kind: Kind::Failed("rotated"), ..base }),
    }
    let tokens = match v.get("tokens") {
        Some(t @ Value::Obj(_)) => t,
        _ => return Err(invalid("tokens", "it holds neither a token set nor a sign-out")),
    };
    let expires_at = match time_of(&v, "expiresAt")? {
        // A JWT's own `exp` wins over anything written beside it.
        Some(at) => match tokens.get("accessToken").and_then(Value::as_str).map(crate::jwt::expires_at) {
            Some(Ok(exp)) => exp,
            _ => at,
        },
        None => token_set_server_expiry(tokens)?,
    };
    let issued_at = time_of(&v, "refreshUsedAt")?.map_or(0, |at| expiry::local_time(at, skew));
    let used = if issued_at == 0 { now } else { issued_at };
    let local_expiry = expiry::local_time(expires_at, skew);
    let facts = Facts {
        expires_at: local_expiry,
        due_at: local_expiry.saturating_sub(margin),
        idle_warn_at: used.saturating_add(session::IDLE_WARN_SECS),
        idle_ends_at: used.saturating_add(session::IDLE_LIMIT_SECS),
    };
    let has_refresh_token = matches!(tokens.get("refreshToken"), Some(Value::Str(s)) if !s.is_empty());
    Ok(Read { kind: Kind::Tokens, facts: Some(facts), refresh_used_at: used, has_refresh_token, issued_at, ..base })
}

/// The next version after `seen`, within the limit.
fn next_version(seen: u64) -> Result<u64, Error> {
    match seen.checked_add(1) {
        Some(v) if v <= MAX_VERSION => Ok(v),
        _ => Err(invalid("version", "its `version` has reached 2^53 - 1")),
    }
}

/// A token set as a session stores it: an object with an access token and a readable expiry. Returns it
/// parsed, with its expiry on the server's clock.
fn token_set(tokens: &str) -> Result<(Value<'_>, u64), Error> {
    let v = json::parse_object(tokens).map_err(|_| {
        Error::config("tokens", "A token set must be an object: the result of exchangeCode() or refresh().")
    })?;
    let access_ok = matches!(v.get("accessToken"), Some(Value::Str(s)) if !s.is_empty());
    if !access_ok {
        return Err(Error::config(
            "accessToken",
            "A token set needs its `accessToken` (a string): pass the result of exchangeCode() or refresh().",
        ));
    }
    // Checked as the session will read it (a JWT's exp, or the set's own times), with the errors users
    // know from the token set's fields.
    let num = |k: &'static str| match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Num(n)) if (0.0..=MAX_SECONDS).contains(n) => Ok(Some(*n as u64)),
        Some(_) => Err(crate::error::type_error(k, "a number of seconds")),
    };
    let (expires_at, received_at, expires_in) = (num("expiresAt")?, num("receivedAt")?, num("expiresIn")?);
    let access_token = v.get("accessToken").and_then(Value::as_str);
    let local = expiry::token_set_expires_at(TokenSetTimes { access_token, expires_at, received_at, expires_in })?;
    let server = match access_token.map(crate::jwt::expires_at) {
        Some(Ok(exp)) => exp,
        _ => server_time(local, offset_of(&v, "clockSkew")),
    };
    Ok((v, server))
}

fn token_record(version: u64, chain: u64, tokens: &str, expires_at: u64, used_at: u64) -> String {
    let mut out = String::with_capacity(tokens.len() + 80);
    ObjectWriter::new(&mut out)
        .num("version", version)
        .num("chain", chain)
        .raw("tokens", tokens)
        .num("expiresAt", expires_at)
        .num("refreshUsedAt", used_at)
        .end();
    out
}

/// A new record and the session's offset to the server's clock from now on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The record to store, as JSON.
    pub record: String,
    /// Its version: the store's compare-and-set writes it only over an older one.
    pub version: u64,
    /// Seconds the server's clock is ahead of this session's, from now on.
    pub skew: i64,
}

/// The pair a refresh received, as the record after `base_version`: exactly one more, so a store that
/// holds anything newer refuses it. `tokens` arrived at `now` on this session's clock, and its
/// `clockSkew` is the offset measured then, which the session keeps.
pub fn refreshed(base_version: u64, chain: u64, tokens: &str, now: u64) -> Result<Written, Error> {
    let version = next_version(base_version)?;
    let (v, expires_at) = token_set(tokens)?;
    let skew = offset_of(&v, "clockSkew");
    let record = token_record(version, chain.clamp(1, version), tokens, expires_at, server_time(now, skew));
    Ok(Written { record, version, skew })
}

/// A sign-in (session.setTokens): one more than the highest version seen. The set's `clockSkew` (measured
/// by whoever received it) becomes the session's offset.
pub fn signed_in(seen: u64, tokens: &str, now: u64) -> Result<Written, Error> {
    let version = next_version(seen)?;
    let (v, expires_at) = token_set(tokens)?;
    let skew = offset_of(&v, "clockSkew");
    Ok(Written { record: token_record(version, version, tokens, expires_at, server_time(now, skew)), version, skew })
}

/// What a sign-out writes, from what the store holds (`None`: it could not be read; `Some(Err)`: a record
/// that cannot be used) and the chain and version this session holds (`None` and 0 when it holds none).
/// Nothing when the store already holds a sign-out at least as new, or a newer sign-in (a sign-out ends
/// the sign-in it knew, never a later one). Asked again after a refused write, with what the store then
/// holds, it writes past a late pair of the same sign-in.
pub fn signed_out(
    stored: Option<Result<Read, Error>>,
    held_chain: Option<u64>,
    held_version: u64,
    now: u64,
    skew: i64,
) -> Result<Option<Written>, Error> {
    let (seen, chain) = match stored {
        Some(Ok(r)) => match r.kind {
            Kind::SignedOut if r.version >= held_version => return Ok(None),
            Kind::Tokens | Kind::Failed(_) if held_chain.is_some_and(|h| r.chain > h) => return Ok(None),
            Kind::Empty => (held_version, held_chain.unwrap_or(0)),
            _ => (r.version.max(held_version), held_chain.unwrap_or(r.chain)),
        },
        // A record that cannot be used is replaced (stores refuse nothing over an unusable version).
        Some(Err(_)) | None => (held_version, held_chain.unwrap_or(0)),
    };
    let version = next_version(seen)?;
    let mut record = String::new();
    ObjectWriter::new(&mut record)
        .num("version", version)
        .num("chain", chain.min(version))
        .bool("signedOut", true)
        .num("signedOutAt", server_time(now, skew))
        .end();
    Ok(Some(Written { record, version, skew }))
}

/// Why a refresh token the server refused is dead, at `now` (this machine's clock): `idle_expired` past
/// Constant Contact's 180-day idle limit, else `rotated` (spent elsewhere, or ended by a newer sign-in).
/// The session raises the error of the same name.
pub fn dead_reason(base: &Read, now: u64) -> &'static str {
    match base.facts {
        Some(f) if now >= f.idle_ends_at => "idle_expired",
        _ => "rotated",
    }
}

/// The record after `base` once its refresh token was refused, and the reason ([`dead_reason`]): the
/// record says so, so other sessions fail without spending a request of their own. Errors
/// (`invalid_record`) only when `base` is at [`MAX_VERSION`].
pub fn failed(base: &Read, now: u64, skew: i64) -> Result<(&'static str, Written), Error> {
    let reason = dead_reason(base, now);
    let version = next_version(base.version)?;
    let mut record = String::new();
    ObjectWriter::new(&mut record)
        .num("version", version)
        .num("chain", base.chain)
        .str("failed", reason)
        .num("failedAt", server_time(now, skew))
        .end();
    Ok((reason, Written { record, version, skew }))
}

/// `session.status()` of a token record; `pending`: the session holds it but has not stored it yet.
/// Errors (`invalid_record`) for a record without a token set.
pub fn status(r: &Read, now: u64, pending: bool) -> Result<session::Status, Error> {
    match r.facts {
        Some(f) => Ok(session::status(&f, r.refresh_used_at, r.has_refresh_token, now, pending)),
        None => Err(invalid("tokens", "it holds no token set")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::tests::make;

    fn jwt(exp: u64) -> String {
        make(&concat(&[r#"{"exp":"#, &crate::error::decimal(exp), r#","iat":1}"#]))
    }

    fn tokens(exp: u64, extra: &str) -> String {
        concat(&[r#"{"accessToken":""#, &jwt(exp), r#"","refreshToken":"rt""#, extra, "}"])
    }

    #[test]
    fn times_are_stored_on_the_servers_clock_and_read_on_each_readers() {
        // The writer's clock is an hour ahead of the server's (its skew is -3600): its token set says
        // the token expires at exp + 3600 on its clock, but the record holds exp.
        let w = refreshed(4, 4, &tokens(100_000, r#","expiresAt":103600,"clockSkew":-3600"#), 50_000).unwrap();
        assert_eq!((w.version, w.skew), (5, -3600));
        assert!(w.record.contains(r#""chain":4,"#) && w.record.contains(r#""expiresAt":100000,"refreshUsedAt":46400"#));
        // A reader whose clock is right sees the server's exp.
        let right = read(&w.record, 46_400, 0, 300).unwrap();
        assert_eq!(right.facts.unwrap().expires_at, 100_000);
        assert_eq!((right.refresh_used_at, right.issued_at), (46_400, 46_400));
        // A record that does not say when its pair was received: read as used now, issued when unknown (0).
        let bare = concat(&[r#"{"version":1,"tokens":"#, &tokens(100_000, ""), "}"]);
        let r = read(&bare, 50_000, 0, 300).unwrap();
        assert_eq!((r.refresh_used_at, r.issued_at), (50_000, 0));
        // A reader two hours behind sees it two hours earlier on its own clock.
        assert_eq!(read(&w.record, 0, 7200, 300).unwrap().facts.unwrap().due_at, 100_000 - 7200 - 300);
    }

    #[test]
    fn an_opaque_token_uses_its_set_times_moved_by_the_measured_offset() {
        let set = r#"{"accessToken":"opaque","expiresAt":5000,"clockSkew":100}"#;
        let w = signed_in(0, set, 1000).unwrap();
        assert_eq!((w.version, w.skew), (1, 100));
        assert_eq!(read(&w.record, 1000, 100, 0).unwrap().facts.unwrap().expires_at, 5000);
    }

    #[test]
    fn refreshes_write_exactly_one_more_and_sign_ins_one_more_than_seen() {
        assert_eq!(refreshed(7, 3, &tokens(9, ""), 0).unwrap().version, 8);
        assert_eq!(signed_in(12, &tokens(9, ""), 0).unwrap().version, 13);
        let at_limit = refreshed(MAX_VERSION, 1, &tokens(9, ""), 0).unwrap_err();
        assert_eq!((at_limit.reason, at_limit.field_name()), (Some("invalid_record"), Some("version")));
    }

    #[test]
    fn a_record_is_validated_before_anything_is_spent() {
        for (bad, field) in [
            (r#"{"version":1.5,"tokens":{}}"#, "version"),
            (r#"{"version":9007199254740992,"tokens":{}}"#, "version"),
            (r#"{"version":"3","tokens":{}}"#, "version"),
            (r#"{"version":0}"#, "version"),
            (r#"{"version":2}"#, "tokens"),
            (r#"{"version":2,"tokens":{"accessToken":""}}"#, "tokens"),
            (
                r#"{"version":2,"tokens":{"accessToken":"x","expiresAt":1},"refreshUsedAt":"yesterday"}"#,
                "refreshUsedAt",
            ),
            (r#"{"unreadable":"not_json"}"#, "record"),
            (r#"[1]"#, "record"),
            ("{", "record"),
        ] {
            let e = read(bad, 0, 0, 0).unwrap_err();
            assert_eq!(
                (e.code.as_ref(), e.reason, e.field_name()),
                ("reauthorization_required", Some("invalid_record"), Some(field)),
                "{bad}"
            );
        }
    }

    #[test]
    fn kinds_of_records() {
        assert_eq!(read("null", 5, 0, 0).unwrap().kind, Kind::Empty);
        assert_eq!(read(r#"{"version":3,"signedOut":true}"#, 0, 0, 0).unwrap().kind, Kind::SignedOut);
        let f = read(r#"{"version":3,"failed":"idle_expired"}"#, 0, 0, 0).unwrap();
        assert_eq!((f.kind, f.version), (Kind::Failed("idle_expired"), 3));
        let t = read(&refreshed(1, 1, &tokens(1000, ""), 10).unwrap().record, 10, 0, 300).unwrap();
        assert_eq!((t.kind, t.has_refresh_token, t.chain), (Kind::Tokens, true, 1));
        let (reason, w) = failed(&t, 10 + session::IDLE_LIMIT_SECS, 0).unwrap();
        assert_eq!((reason, w.version), ("idle_expired", 3));
        assert_eq!(failed(&t, 11, 0).unwrap().0, "rotated");
    }

    #[test]
    fn a_sign_out_ends_the_sign_in_it_knew_and_writes_past_its_late_pairs() {
        let signed_in_at_3 = read(&signed_in(2, &tokens(9, ""), 0).unwrap().record, 0, 0, 0).unwrap();
        let refreshed_to_5 = read(&refreshed(4, 3, &tokens(9, ""), 0).unwrap().record, 0, 0, 0).unwrap();
        let newer_sign_in = read(&signed_in(5, &tokens(9, ""), 0).unwrap().record, 0, 0, 0).unwrap();
        let version = |w: Option<Written>| w.map(|w| w.version);
        // This session holds the sign-in of version 3, refreshed to 4; a late pair of it landed as 5.
        assert_eq!(version(signed_out(Some(Ok(signed_in_at_3)), Some(3), 4, 0, 0).unwrap()), Some(5));
        assert_eq!(version(signed_out(Some(Ok(refreshed_to_5)), Some(3), 4, 0, 0).unwrap()), Some(6));
        // A newer sign-in (chain 6) is left alone; so is a sign-out already there.
        assert_eq!(version(signed_out(Some(Ok(newer_sign_in)), Some(3), 4, 0, 0).unwrap()), None);
        let out = read(&signed_out(None, Some(3), 6, 0, 0).unwrap().unwrap().record, 0, 0, 0).unwrap();
        assert_eq!((out.kind, out.version, out.chain), (Kind::SignedOut, 7, 3));
        assert_eq!(version(signed_out(Some(Ok(out)), Some(3), 6, 0, 0).unwrap()), None);
        // Without a session of its own, it ends whatever is stored; an unusable record is replaced.
        assert_eq!(version(signed_out(Some(Ok(newer_sign_in)), None, 0, 0, 0).unwrap()), Some(7));
        assert_eq!(version(signed_out(Some(Err(invalid("record", "x"))), None, 0, 0, 0).unwrap()), Some(1));
    }
}
