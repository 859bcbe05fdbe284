//! The client module's operations (feature `client`): what a public client in a browser calls. Option
//! checks, PKCE and state, the client (its configuration, the authorization URL, the redirect, the code
//! exchange, refresh and revocation), the session's settings and every change to its record, and the
//! errors of API calls. See [`crate::ops`] for the request/response shape.

use alloc::string::String;
use alloc::vec::Vec;

use ctct_oauth_core::authorize::{self, AuthorizeOptions};
use ctct_oauth_core::config::{self, Config, ConfigInput};
use ctct_oauth_core::device;
use ctct_oauth_core::endpoints::{NAMES, OFFLINE_ACCESS};
use ctct_oauth_core::error::{type_error, Error};
use ctct_oauth_core::http::retry_after;
use ctct_oauth_core::json::{self, ObjectWriter, Value};
use ctct_oauth_core::redirect::{self, Redirect, StateCheck};
use ctct_oauth_core::secret::Secret;
use ctct_oauth_core::token::{self, Grant};
use ctct_oauth_core::{pkce, record, revocation, state};

use crate::contract;
use crate::options::Opts;
use crate::{results, settings};

/// Checks the keys of an options object of an operation that is otherwise the JS layer's own (a
/// session's signOut, the device polling loop), by its TypeScript name: `{}` when none were given.
pub(crate) fn check_options(options_type: &str, options: &str) -> Result<String, Error> {
    let op = contract::OPERATIONS
        .iter()
        .find(|o| o.options_type == options_type)
        .ok_or_else(|| Error::config("options", "No such operation."))?;
    Opts::parse(options, op)?;
    Ok(if json::parse(options).is_ok_and(|v| v != Value::Null) { String::from(options) } else { String::from("{}") })
}

/// `auth.fleet(options)`: `store` must be a function of the account (its sessions' options are checked
/// by each session).
pub(crate) fn check_fleet(options: &str) -> Result<(), Error> {
    let o = Opts::parse(options, &contract::FLEET)?;
    if !o.function("store", "a function of the account returning its store, e.g. (id) => redisStore(redis, id)")? {
        return Err(Error::config("store", "auth.fleet({ store }) needs `store`: (account) => the account's store."));
    }
    o.object("session", "an object of session options")?;
    Ok(())
}

pub(crate) fn create_pkce(options: &str) -> Result<String, Error> {
    let o = Opts::parse(options, &contract::CREATE_PKCE)?;
    let p = match o.string("codeVerifier")? {
        Some(v) => pkce::from_verifier(v)?,
        None => pkce::create()?,
    };
    Ok(results::pkce(&p))
}

pub(crate) fn generate_state() -> Result<String, Error> {
    state::generate()
}

/// A stored record (JSON, `null` for none) read with a session's clock: see [`record::read`].
pub(crate) fn read_record(stored: &str, now: u64, skew: i64, margin: u64) -> Result<String, Error> {
    Ok(results::record_read(&record::read(stored, now, skew, margin)?))
}

/// `session.status()` of a stored token record.
pub(crate) fn record_status(stored: &str, now: u64, skew: i64, pending: bool) -> Result<String, Error> {
    Ok(results::session_status(&record::status(&record::read(stored, now, skew, 0)?, now, pending)?))
}

/// The record a refresh from `base_version` (of sign-in `chain`) writes: `{version, skew, record}`.
pub(crate) fn refreshed_record(base_version: u64, chain: u64, tokens: &str, now: u64) -> Result<String, Error> {
    Ok(results::written(&record::refreshed(base_version, chain, tokens, now)?))
}

/// The record a sign-in writes after the highest version `seen`: `{version, skew, record}`.
pub(crate) fn signed_in_record(seen: u64, tokens: &str, now: u64) -> Result<String, Error> {
    Ok(results::written(&record::signed_in(seen, tokens, now)?))
}

/// The record a sign-out writes (see [`record::signed_out`]): `{version, skew, record}`, or `null` when
/// nothing is to be written. `stored`: the stored record's JSON, absent when it could not be read.
pub(crate) fn signed_out_record(
    stored: Option<&str>,
    held_chain: u64,
    held_version: u64,
    now: u64,
    skew: i64,
) -> Result<String, Error> {
    let read = stored.map(|s| record::read(s, now, skew, 0));
    let chain = (held_chain > 0).then_some(held_chain);
    let written = record::signed_out(read, chain, held_version, now, skew)?;
    Ok(written.map_or_else(|| String::from("null"), |w| results::written(&w)))
}

/// The record written once `stored`'s refresh token was refused: `{reason, version, skew, record}`.
pub(crate) fn failed_record(stored: &str, now: u64, skew: i64) -> Result<String, Error> {
    let (reason, w) = record::failed(&record::read(stored, now, skew, 0)?, now, skew)?;
    let mut out = String::new();
    ObjectWriter::new(&mut out)
        .str("reason", reason)
        .num("version", w.version)
        .int("skew", w.skew)
        .raw("record", &w.record)
        .end();
    Ok(out)
}

pub(crate) fn api_error(status: u16, retry_after_header: Option<&str>, body: &str) -> Error {
    ctct_oauth_core::api_response::error(status, retry_after(retry_after_header), body)
}

/// The client: the configuration, checked once.
pub(crate) struct Client {
    pub(crate) cfg: Config,
}

/// `offline`/`previous`/`interval`/`scopes`: what a request asked, for reading its answer.
#[derive(Default)]
pub(crate) struct Asked {
    pub(crate) offline: bool,
    pub(crate) previous: Option<String>,
    pub(crate) interval: u64,
    pub(crate) scopes: Vec<String>,
}

impl Asked {
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        ObjectWriter::new(&mut out)
            .bool("offline", self.offline)
            .opt_str("previous", self.previous.as_deref())
            .num("interval", self.interval)
            .strs("scopes", &self.scopes)
            .end();
        out
    }

    /// The context handed back by the JS layer. It is ours, so a malformed one is a bug, reported plainly.
    pub(crate) fn read(text: &str) -> Result<Asked, Error> {
        let v = json::parse_object(text).map_err(|_| Error::config("context", "The request context was altered."))?;
        let scopes = match v.get("scopes") {
            Some(Value::Arr(items)) => items.iter().filter_map(Value::as_str).map(String::from).collect(),
            _ => Vec::new(),
        };
        Ok(Asked {
            offline: v.get("offline") == Some(&Value::Bool(true)),
            previous: v.get("previous").and_then(Value::as_str).map(String::from),
            interval: match v.get("interval") {
                Some(Value::Num(n)) if *n >= 0.0 => *n as u64,
                _ => device::DEFAULT_INTERVAL,
            },
            scopes,
        })
    }
}

pub(crate) fn offline_in(scopes: &[String]) -> bool {
    scopes.iter().any(|s| s == OFFLINE_ACCESS)
}

impl Client {
    /// `config`: the configuration as JSON (functions replaced by [`crate::options::FUNCTION`]).
    /// `in_browser`: `window` and `document`, or `importScripts`, exist (decided by the JS layer).
    pub(crate) fn new(config: &str, in_browser: bool) -> Result<Client, Error> {
        if json::parse(config).is_ok_and(|v| v == Value::Null) {
            return Err(Error::config(
                "config",
                "Pass a configuration object: new ConstantContactOAuth({ clientId, redirectUri }).",
            ));
        }
        let o = Opts::parse(config, &contract::CONFIG)?;
        o.function("fetch", "a function like the global fetch")?;
        o.function("clock", "a function returning seconds since 1970 (or a Date)")?;
        let mut endpoints = Vec::new();
        match o.get("endpoints") {
            None => {}
            Some(Value::Obj(members)) => {
                for (name, value) in members {
                    if !NAMES.contains(&name.as_ref()) {
                        return Err(ctct_oauth_core::endpoints::unknown(name));
                    }
                    let url = value.as_str().ok_or_else(|| type_error("endpoints", "an object of URL strings"))?;
                    endpoints.push((String::from(name.as_ref()), String::from(url)));
                }
            }
            Some(_) => return Err(type_error("endpoints", "an object")),
        }
        let cfg = config::validate(ConfigInput {
            client_id: o.string("clientId")?,
            client_secret: o.string("clientSecret")?.map(Secret::new),
            redirect_uri: o.string("redirectUri")?,
            scopes: o.strings("scopes")?,
            offline: o.boolean("offline")?,
            endpoints,
            allow_insecure_loopback: o.boolean("allowInsecureLoopback")?.unwrap_or(false),
            allow_unknown_scopes: o.boolean("allowUnknownScopes")?.unwrap_or(false),
            is_browser: in_browser,
        })?;
        Ok(Client { cfg })
    }

    /// A client configured from environment variables (the TokenBroker's `env`, a CLI's `process.env`),
    /// with one rule for each: CTCT_CLIENT_ID, CTCT_CLIENT_SECRET, CTCT_REDIRECT_URI, CTCT_SCOPES
    /// (space-separated), CTCT_ENDPOINTS (a JSON object of endpoint overrides) and
    /// CTCT_ALLOW_INSECURE_LOOPBACK (a boolean: `true`/`1`/`yes`, or `false`/`0`/`no`/empty).
    /// `options`: what cannot come from the environment (`fetch`, `clock`).
    pub(crate) fn from_env(env: &str, options: &str, in_browser: bool) -> Result<Client, Error> {
        let extra = Opts::parse(options, &contract::FROM_ENV)?;
        let v = json::parse_object(env)
            .map_err(|_| Error::config("env", "Pass the environment as an object of strings."))?;
        let var = |name: &'static str| -> Result<Option<&str>, Error> {
            match v.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Str(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::Str(s)) => Ok(Some(s.trim())),
                Some(_) => Err(type_error(name, "a string")),
            }
        };
        let mut out = String::new();
        let mut w = ObjectWriter::new(&mut out);
        if extra.function("fetch", "a function like the global fetch")? {
            w.str("fetch", crate::options::FUNCTION);
        }
        if extra.function("clock", "a function returning seconds since 1970 (or a Date)")? {
            w.str("clock", crate::options::FUNCTION);
        }
        w.opt_str("clientId", var("CTCT_CLIENT_ID")?)
            .opt_str("clientSecret", var("CTCT_CLIENT_SECRET")?)
            .opt_str("redirectUri", var("CTCT_REDIRECT_URI")?);
        if let Some(scopes) = var("CTCT_SCOPES")? {
            w.strs("scopes", &scopes.split([' ', ',']).filter(|s| !s.is_empty()).collect::<Vec<_>>());
        }
        if let Some(endpoints) = var("CTCT_ENDPOINTS")? {
            if !matches!(json::parse(endpoints), Ok(Value::Obj(_))) {
                return Err(Error::config(
                    "CTCT_ENDPOINTS",
                    "CTCT_ENDPOINTS must be a JSON object of endpoint URLs, such as {\"token\": \"https://...\"}.",
                ));
            }
            w.raw("endpoints", endpoints);
        }
        match var("CTCT_ALLOW_INSECURE_LOOPBACK")?.map(str::to_ascii_lowercase).as_deref() {
            None | Some("false" | "0" | "no") => {}
            Some("true" | "1" | "yes") => {
                w.bool("allowInsecureLoopback", true);
            }
            Some(_) => {
                return Err(Error::config(
                    "CTCT_ALLOW_INSECURE_LOOPBACK",
                    "CTCT_ALLOW_INSECURE_LOOPBACK must be true/1/yes or false/0/no.",
                ))
            }
        }
        w.end();
        Client::new(&out, in_browser).map_err(|mut e| {
            const VARS: [(&str, &str); 5] = [
                ("clientId", "CTCT_CLIENT_ID"),
                ("clientSecret", "CTCT_CLIENT_SECRET"),
                ("redirectUri", "CTCT_REDIRECT_URI"),
                ("scopes", "CTCT_SCOPES"),
                ("endpoints", "CTCT_ENDPOINTS"),
            ];
            if let Some((_, var)) = VARS.iter().find(|(f, _)| e.field.as_deref() == Some(*f)) {
                e.field = Some(alloc::borrow::Cow::Borrowed(var));
            }
            e
        })
    }

    /// The configuration with the secret redacted (what `toJSON` and `console.log` show).
    pub(crate) fn describe(&self) -> String {
        let mut eps = String::new();
        crate::constants::endpoints(&mut eps, &self.cfg.endpoints);
        let mut out = String::new();
        ObjectWriter::new(&mut out)
            .str("clientId", &self.cfg.client_id)
            .opt_str("clientSecret", self.cfg.client_secret.as_ref().map(|_| "[redacted]"))
            .opt_str("redirectUri", self.cfg.redirect_uri.as_deref())
            .strs("scopes", &self.cfg.scopes)
            .raw("endpoints", &eps)
            .end();
        out
    }

    pub(crate) fn authorization_url(&self, options: &str) -> Result<String, Error> {
        let o = Opts::parse(options, &contract::AUTHORIZATION_URL)?;
        let r = authorize::authorization_url(
            &self.cfg,
            AuthorizeOptions {
                pkce: o.boolean("pkce")?,
                state: o.string("state")?,
                code_verifier: o.string("codeVerifier")?,
                scopes: o.strings("scopes")?,
                offline: o.boolean("offline")?,
                prompt: o.string("prompt")?,
            },
        )?;
        Ok(results::authorization_request(&r))
    }

    /// `{type: "code", code, state, iss, scopes}`, or with `implicit` (the legacy implicit flow's fragment
    /// only, never requested by this library) `{type: "implicit", state, tokens}`: two calls, so the one
    /// everybody uses has one result type.
    pub(crate) fn parse_redirect(
        &self,
        url: Option<&str>,
        options: &str,
        now: u64,
        implicit: bool,
    ) -> Result<String, Error> {
        let o = Opts::parse(
            options,
            if implicit { &contract::PARSE_IMPLICIT_REDIRECT } else { &contract::PARSE_REDIRECT },
        )?;
        let expected = o.string("state")?;
        let check = match (&expected, o.boolean("skipStateCheck")?.unwrap_or(false)) {
            (Some(s), false) => StateCheck::Expect(s),
            (None, true) => StateCheck::Skip,
            (Some(_), true) => {
                return Err(Error::config("skipStateCheck", "Pass either `state` or `skipStateCheck: true`, not both."))
            }
            (None, false) => {
                return Err(Error::config(
                    "state",
                    "Pass the `state` you stored when building the authorization URL: parseRedirect(url, { state }).",
                )
                .hint(concat!(
                    "Checking state is what stops a forged redirect; skip it only with `skipStateCheck: true` ",
                    "if you verify it yourself."
                )))
            }
        };
        let Some(text) = url else {
            return Err(Error::redirect("Pass the redirect URL as a string (for example `location.href`)."));
        };
        let mut out = String::new();
        match redirect::parse(text, check, Some(&self.cfg.endpoints.redirect_issuer))? {
            Redirect::Code { .. } if implicit => {
                return Err(Error::redirect(
                    "This is an authorization-code redirect, not an implicit-flow one: read it with parseRedirect().",
                ))
            }
            Redirect::Implicit { .. } if !implicit => {
                return Err(Error::redirect(concat!(
                    "This redirect carries an access token (the legacy implicit flow), not a code: read it with ",
                    "parseImplicitRedirect(), or move the application to PKCE."
                )))
            }
            Redirect::Code { code, state, scope, iss } => {
                let mut w = ObjectWriter::new(&mut out);
                w.str("type", "code")
                    .str("code", &code)
                    .opt_str("state", state.as_deref())
                    .opt_str("iss", iss.as_deref());
                if let Some(s) = scope {
                    w.strs("scopes", &redirect::split_scope(&s));
                }
                w.end();
            }
            Redirect::Implicit { access_token, token_type, expires_in, scope, state } => {
                let tokens =
                    token::implicit(access_token, token_type, expires_in, scope.as_deref(), now, &self.cfg.client_id);
                ObjectWriter::new(&mut out)
                    .str("type", "implicit")
                    .opt_str("state", state.as_deref())
                    .raw("tokens", &results::token_set_text(&tokens))
                    .end();
            }
        }
        Ok(out)
    }

    pub(crate) fn context<'a>(&'a self, now: u64, asked: &Asked) -> token::Context<'a> {
        token::Context {
            now,
            requested_offline: asked.offline,
            previous_refresh_token: None,
            client_id: &self.cfg.client_id,
        }
    }

    pub(crate) fn exchange_request(&self, code: Option<&str>, options: &str) -> Result<String, Error> {
        let o = Opts::parse(options, &contract::EXCHANGE_CODE)?;
        o.object("signal", "an AbortSignal")?;
        let verifier = o.string("codeVerifier")?;
        let code = code.ok_or_else(|| Error::config("code", "Pass the authorization code (a string)."))?;
        let r = token::request(&self.cfg, Grant::AuthorizationCode { code, code_verifier: verifier.as_deref() })?;
        // What was asked for: the scopes the caller says the authorization URL carried, else the
        // configuration's (the URL's default).
        let scopes = match o.strings("scopes")? {
            Some(s) => s,
            None => self.cfg.scopes.clone(),
        };
        Ok(results::request(&r, &Asked { offline: offline_in(&scopes), ..Asked::default() }.text()))
    }

    pub(crate) fn refresh_request(&self, refresh_token: Option<&str>, options: &str) -> Result<String, Error> {
        let o = Opts::parse(options, &contract::REFRESH)?;
        o.object("signal", "an AbortSignal")?;
        let rt = refresh_token.ok_or_else(token::no_refresh_token)?;
        let r = token::request(&self.cfg, Grant::RefreshToken { refresh_token: rt })?;
        Ok(results::request(&r, &Asked { previous: Some(String::from(rt)), ..Asked::default() }.text()))
    }

    /// A token set from a code exchange or refresh answer.
    pub(crate) fn token_response(
        &self,
        status: u16,
        retry_after_header: Option<&str>,
        body: &str,
        now: u64,
        context: &str,
    ) -> Result<String, Error> {
        let asked = Asked::read(context)?;
        let ctx = token::Context { previous_refresh_token: asked.previous.as_deref(), ..self.context(now, &asked) };
        let t = token::parse(status, retry_after(retry_after_header), body, ctx)?;
        Ok(results::token_set_text(&t))
    }

    pub(crate) fn revoke_request(&self, token: Option<&str>, options: &str) -> Result<String, Error> {
        let o = Opts::parse(options, &contract::REVOKE)?;
        o.object("signal", "an AbortSignal")?;
        let hint = o.string("tokenTypeHint")?;
        let token = token.ok_or_else(|| Error::config("token", "Pass the token to revoke (a string)."))?;
        let r = revocation::request(&self.cfg, token, hint.as_deref())?;
        Ok(results::request(&r, "{}"))
    }

    pub(crate) fn revoke_response(
        &self,
        status: u16,
        retry_after_header: Option<&str>,
        body: &str,
    ) -> Result<(), Error> {
        revocation::parse(status, retry_after(retry_after_header), body)
    }

    pub(crate) fn session_settings(&self, options: &str) -> Result<String, Error> {
        Ok(results::settings(&settings::settings(&self.cfg, options)?))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::contract as c;
    use crate::results::tests::assert_shape;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use ctct_oauth_core::endpoints::Endpoints;
    use ctct_oauth_core::session;

    /// A JWT with this payload (the signature is not checked here).
    pub(crate) fn make(payload: &str) -> String {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k1"}"#);
        format!("{header}.{}.c2lnbmF0dXJl", URL_SAFE_NO_PAD.encode(payload))
    }

    pub(crate) fn client(extra: &str) -> Client {
        Client::new(&format!(r#"{{"clientId":"cid","redirectUri":"https://a.example/cb"{extra}}}"#), false).unwrap()
    }

    /// A token response carrying a JWT with every claim.
    pub(crate) fn token_body() -> String {
        let token = make(concat!(
            r#"{"exp":90000,"iat":3600,"cid":"cid","iss":"i","aud":"a","sub":"s","jti":"j","uid":"u","scp":["x""#,
            r#"],"platform_user_id":"p","nbf":1}"#
        ));
        format!(
            concat!(
                r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":86400,"#,
                r#""refresh_token":"rt","scope":"x","id_token":"i"}}"#
            ),
            token = token
        )
    }

    #[test]
    fn results_follow_the_contract() {
        let a = client("");
        assert_shape(&create_pkce("null").unwrap(), c::PKCE);
        let req = a.authorization_url("null").unwrap();
        assert_shape(&req, c::AUTHORIZATION_REQUEST);
        assert_shape(&a.describe(), c::DESCRIBE);
        let body = token_body();
        let token = json::parse(&body).unwrap().get("access_token").and_then(Value::as_str).map(String::from);
        assert_shape(&crate::ops::decode(token.as_deref(), false).unwrap(), c::CLAIMS);
        assert_shape(&a.token_response(200, None, &body, 3600, r#"{"offline":true}"#).unwrap(), c::TOKEN_SET);
        let mut eps = String::new();
        crate::constants::endpoints(&mut eps, &Endpoints::default());
        assert_shape(&eps, c::ENDPOINTS);
        let f = session::facts(r#"{"accessToken":"o","expiresAt":1}"#, 0, 0).unwrap();
        assert_shape(&results::session_status(&session::status(&f, 0, true, 0, false)), c::SESSION_STATUS);
    }

    #[test]
    fn answers_are_read_against_what_was_asked() {
        let a = client("");
        let no_rt = r#"{"access_token":"opaque","token_type":"Bearer","expires_in":3600}"#;
        let asked = |scopes: &str| {
            let r = a
                .exchange_request(
                    Some("code"),
                    &format!(r#"{{"codeVerifier":"{}","scopes":{scopes}}}"#, "v".repeat(43)),
                )
                .unwrap();
            let v = json::parse(&r).unwrap();
            String::from(v.get("context").and_then(Value::as_str).unwrap())
        };
        let without = a.token_response(200, None, no_rt, 0, &asked(r#"["contact_data"]"#)).unwrap();
        assert!(!without.contains("no_refresh_token"), "offline_access was not asked for: {without}");
        let with = a.token_response(200, None, no_rt, 0, &asked(r#"["contact_data","offline_access"]"#)).unwrap();
        assert!(with.contains("no_refresh_token"), "{with}");
    }
}
