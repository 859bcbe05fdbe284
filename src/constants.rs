//! What the package hands its JS layer once, at build time (scripts/constants.rs prints it, and
//! scripts/entries.mjs writes it into pkg/lib/generated/constants.js): Constant Contact's production
//! endpoints and scopes (frozen as ENDPOINTS and SCOPES), every error JS raises itself, and the numbers of
//! the rules JS applies (so none is written twice). [`constants`] runs natively only; no wasm export
//! reaches it (the endpoints' writer is shared with a client's `describe()`).

use alloc::string::String;

use ctct_oauth_core::endpoints::{Endpoints, SCOPES};
use ctct_oauth_core::error::Error;
use ctct_oauth_core::json::ObjectWriter;
use ctct_oauth_core::{session, verify};

use crate::raised::Raised;

/// The endpoints as JS reads them (`ENDPOINTS`, and a client's `describe().endpoints`): JS names.
pub(crate) fn endpoints(out: &mut String, e: &Endpoints) {
    let mut w = ObjectWriter::new(out);
    for (k, v) in e.entries() {
        w.str(k, v);
    }
    w.end();
}

/// `{code, message, ...}` of an error, for the catalogue of errors JS raises itself.
fn error_json(out: &mut String, e: &Error) {
    let mut w = ObjectWriter::new(out);
    w.str("code", &e.code).str("message", &e.message);
    w.opt_str("hint", e.hint).opt_str("reason", e.reason).opt_str("field", e.field.as_deref());
    w.end();
}

/// `{endpoints, scopes, errors, rules}` as one JSON text.
pub(crate) fn constants() -> String {
    let mut eps = String::new();
    endpoints(&mut eps, &Endpoints::default());
    let mut errors = String::new();
    let mut w = ObjectWriter::new(&mut errors);
    for k in Raised::ALL {
        let mut e = String::new();
        error_json(&mut e, &k.error());
        w.raw(k.name(), &e);
    }
    w.end();
    let mut rules = String::new();
    ObjectWriter::new(&mut rules)
        .num("jwksMaxAgeSeconds", verify::JWKS_MAX_AGE_SECS)
        .num("jwksCooldownSeconds", verify::JWKS_COOLDOWN_SECS)
        .num("timeoutMs", session::DEFAULT_TIMEOUT_MS)
        .num("laneGapMs", session::LANE_GAP_MS)
        .end();
    let mut out = String::new();
    ObjectWriter::new(&mut out)
        .raw("endpoints", &eps)
        .strs("scopes", &SCOPES)
        .raw("errors", &errors)
        .raw("rules", &rules)
        .end();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_constants_hand_over_every_raised_error() {
        let c = constants();
        for k in Raised::ALL {
            assert!(c.contains(&format!("\"{}\":{{\"code\"", k.name())), "{}", k.name());
        }
        assert!(c.contains("CORS"));
    }
}
