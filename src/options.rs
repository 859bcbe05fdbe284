//! Option objects, as they cross from JS: one JSON text (the JS layer's `JSON.stringify`, with each
//! function replaced by [`FUNCTION`]), read against the operation's declared keys. A misspelt or unknown
//! option is an error that names it and suggests the right one, never silently ignored.

use alloc::borrow::Cow;
use alloc::string::String;
#[cfg(feature = "client")]
use alloc::vec::Vec;

use ctct_oauth_core::error::{concat, type_error, Error};
use ctct_oauth_core::json::{self, Value};
use ctct_oauth_core::suggest::suggestion;

use crate::contract::Op;

/// What the JS layer writes in place of a function value (a `fetch`, a `clock`, an `onPending`).
#[cfg(feature = "client")]
pub(crate) const FUNCTION: &str = "\u{0}function";

/// `now` values above this are milliseconds (`Date.now()`), not seconds: year 5138 in seconds.
const MAX_SECONDS: f64 = 1e11;

/// A key safe to repeat in a message: a short identifier (never a token someone used as a key).
fn printable_key(k: &str) -> Option<&str> {
    let ok = !k.is_empty() && k.len() <= 40 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$');
    ok.then_some(k)
}

pub(crate) fn unknown_key(op: &Op, key: &str) -> Error {
    let Some(name) = printable_key(key) else {
        return Error::config("options", concat(&["An option passed to ", op.call, " is not one it takes."]))
            .hint("See the type declarations (index.d.ts, or docs/api/ in the repository) for its options.");
    };
    let mut e = match suggestion(key, op.options) {
        Some(s) => {
            Error::config("options", concat(&["`", name, "` is not an option of ", op.call, "; use `", s, "`."]))
        }
        None => {
            let list = op.options.join(", ");
            Error::config(
                "options",
                concat(&["`", name, "` is not an option of ", op.call, ". It takes: ", &list, "."]),
            )
        }
    };
    e.field = Some(Cow::Owned(String::from(name)));
    e
}

/// An options argument: `null` (none given) or an object whose keys are all declared for the operation.
pub(crate) struct Opts<'a>(Option<Value<'a>>);

impl<'a> Opts<'a> {
    pub(crate) fn parse(text: &'a str, op: &Op) -> Result<Opts<'a>, Error> {
        let v = json::parse(text).map_err(|_| {
            Error::config("options", concat(&["The options of ", op.call, " must be a plain object of JSON values."]))
        })?;
        match &v {
            Value::Null => return Ok(Opts(None)),
            Value::Obj(members) => {
                if let Some((k, _)) = members.iter().find(|(k, _)| !op.options.contains(&k.as_ref())) {
                    return Err(unknown_key(op, k));
                }
            }
            _ => return Err(Error::config("options", concat(&["The options of ", op.call, " must be an object."]))),
        }
        Ok(Opts(Some(v)))
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.0.as_ref().and_then(|v| v.get(key)).filter(|v| !matches!(v, Value::Null))
    }

    #[cfg(feature = "client")]
    pub(crate) fn string(&self, key: &'static str) -> Result<Option<String>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Str(s)) if s != FUNCTION => Ok(Some(String::from(s.as_ref()))),
            Some(_) => Err(type_error(key, "a string")),
        }
    }

    #[cfg(feature = "client")]
    pub(crate) fn boolean(&self, key: &'static str) -> Result<Option<bool>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(type_error(key, "true or false")),
        }
    }

    /// A non-negative whole number of seconds.
    pub(crate) fn seconds(&self, key: &'static str) -> Result<Option<u64>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Num(n)) if (0.0..=1e12).contains(n) => Ok(Some(*n as u64)),
            Some(_) => Err(type_error(key, "a non-negative number of seconds")),
        }
    }

    /// A positive number of milliseconds, at most a day.
    #[cfg(feature = "client")]
    pub(crate) fn millis(&self, key: &'static str) -> Result<Option<u64>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Num(n)) if *n > 0.0 && *n <= 86_400_000.0 => Ok(Some(*n as u64)),
            Some(_) => Err(type_error(key, "a positive number of milliseconds (at most a day)")),
        }
    }

    #[cfg(feature = "client")]
    pub(crate) fn strings(&self, key: &'static str) -> Result<Option<Vec<String>>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Arr(items)) if items.len() <= 64 => items
                .iter()
                .map(|i| i.as_str().map(String::from).ok_or_else(|| type_error(key, "an array of strings")))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(type_error(key, "an array of at most 64 strings")),
        }
    }

    /// A function-valued option (`fetch`, `clock`, `onPending`): whether one was given.
    #[cfg(feature = "client")]
    pub(crate) fn function(&self, key: &'static str, expected: &'static str) -> Result<bool, Error> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Str(s)) if s == FUNCTION => Ok(true),
            Some(_) => Err(type_error(key, expected)),
        }
    }

    /// An object-valued option the JS layer uses as is (an `AbortSignal`, a store).
    #[cfg(feature = "client")]
    pub(crate) fn object(&self, key: &'static str, expected: &'static str) -> Result<bool, Error> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Obj(_)) => Ok(true),
            Some(_) => Err(type_error(key, expected)),
        }
    }

    /// `now` as the caller gave it (seconds since 1970; the JS layer turns a `Date` into seconds), else
    /// `default`. Milliseconds (`Date.now()`) are refused rather than read as a date 50,000 years away.
    pub(crate) fn now(&self, default: u64) -> Result<u64, Error> {
        match self.get("now") {
            None => Ok(default),
            Some(Value::Num(n)) if *n > MAX_SECONDS => Err(Error::config(
                "now",
                "`now` looks like milliseconds; pass seconds (Math.floor(Date.now() / 1000)) or a Date.",
            )),
            Some(Value::Num(n)) if *n >= 0.0 => Ok(*n as u64),
            Some(_) => Err(type_error("now", "seconds since 1970 or a Date")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::CONFIG;

    #[test]
    fn unknown_keys_are_named_with_a_suggestion() {
        let e = Opts::parse(r#"{"client_id":"x"}"#, &CONFIG).err().unwrap();
        assert_eq!(e.field_name(), Some("client_id"));
        assert!(e.message.contains("use `clientId`"), "{}", e.message);
        let e = Opts::parse(r#"{"redirectUrl":"x"}"#, &CONFIG).err().unwrap();
        assert!(e.message.contains("use `redirectUri`"), "{}", e.message);
        let e = Opts::parse(r#"{"colour":"x"}"#, &CONFIG).err().unwrap();
        assert!(e.message.contains("It takes: clientId, clientSecret"), "{}", e.message);
        let token = "q3J9mZ1bXw4k7Yc1P2sT8uV0aB5dE6fG7hJ8kL9mN0p";
        let e = Opts::parse(&format!(r#"{{"{token}":1}}"#), &CONFIG).err().unwrap();
        assert!(!e.message.contains(token) && e.field_name() == Some("options"));
    }

    #[test]
    fn typed_values() {
        let o = Opts::parse(r#"{"clientId":"a","offline":true,"fetch":"\u0000function","clock":5}"#, &CONFIG).unwrap();
        assert_eq!(o.string("clientId").unwrap().as_deref(), Some("a"));
        assert_eq!(o.boolean("offline").unwrap(), Some(true));
        assert!(o.function("fetch", "a function").unwrap());
        assert_eq!(o.function("clock", "a function").unwrap_err().field_name(), Some("clock"));
        assert!(o.string("fetch").is_err(), "a function is not a string");
        assert!(Opts::parse("null", &CONFIG).unwrap().get("clientId").is_none());
        assert!(Opts::parse("[1]", &CONFIG).is_err());
    }
}
