//! The JS-facing helpers: the error class, the clock, and options read from JSON text. Options cross the
//! boundary as one string (the JS wrapper's `JSON.stringify`) and are read by the core's JSON reader,
//! instead of one `Reflect.get` crossing per option.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::config::type_error;
use crate::error::{cat, Error};
use crate::json::{self, Value};

/// A cell for the one piece of module state. Sound because this module is built without the `atomics`
/// target feature: wasm without shared memory runs one thread per instance, so there is no concurrent
/// access (the compile_error below refuses a threaded build).
struct SingleThreaded<T>(RefCell<T>);
#[cfg(target_feature = "atomics")]
compile_error!("ctct-oauth keeps module state in a single-threaded cell; build without wasm threads.");
// SAFETY: see above; without `atomics` no second thread can observe the cell.
unsafe impl<T> Sync for SingleThreaded<T> {}

/// `CtctOAuthError`, defined in JS (a real `Error` subclass) and registered by the package entry.
static ERROR_CLASS: SingleThreaded<Option<Function>> = SingleThreaded(RefCell::new(None));

pub fn register_error_class(ctor: Function) {
    if let Ok(mut slot) = ERROR_CLASS.0.try_borrow_mut() {
        *slot = Some(ctor);
    }
}

fn set(obj: &Object, key: &str, value: JsValue) {
    // Reflect.set on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value);
}

/// The JS error object for a core error: an instance of the registered `CtctOAuthError` class, or a
/// plain `Error` carrying the same fields when no class is registered (the raw bindings under test).
pub fn to_js(e: Error) -> JsValue {
    let details = Object::new();
    let strs = [("field", e.field), ("hint", e.hint), ("reason", e.reason)];
    for (k, v) in strs {
        if let Some(v) = v {
            set(&details, k, JsValue::from_str(v));
        }
    }
    for (k, v) in [("description", &e.description), ("errorUri", &e.error_uri)] {
        if let Some(v) = v {
            set(&details, k, JsValue::from_str(v));
        }
    }
    for (k, v) in [("status", e.status.map(u64::from)), ("retryAfter", e.retry_after)] {
        if let Some(v) = v {
            set(&details, k, JsValue::from_f64(v as f64));
        }
    }
    if !e.errors.is_empty() {
        let list: Array = e
            .errors
            .iter()
            .map(|(k, m)| {
                let o = Object::new();
                set(&o, "errorKey", JsValue::from_str(k));
                set(&o, "errorMessage", JsValue::from_str(m));
                JsValue::from(o)
            })
            .collect();
        set(&details, "errors", list.into());
        if let Some((k, _)) = e.errors.first() {
            set(&details, "errorKey", JsValue::from_str(k));
        }
    }
    let code = JsValue::from_str(&e.code);
    let message = JsValue::from_str(&e.message);
    let ctor = ERROR_CLASS.0.try_borrow().ok().and_then(|c| c.clone());
    if let Some(ctor) = ctor {
        if let Ok(err) = Reflect::construct(&ctor, &Array::of3(&code, &message, &details)) {
            return err;
        }
    }
    let err = js_sys::Error::new(&e.message);
    err.set_name("CtctOAuthError");
    set(&err, "code", code);
    let _ = Object::assign(&err, &details);
    err.into()
}

/// Seconds since 1970, from the JS clock.
pub fn now_secs() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// An options argument given as JSON text: `null` means none; anything else must be an object whose keys
/// are all known (a misspelt option is an error, not silently ignored).
pub struct Opts<'a>(Option<Value<'a>>);

impl<'a> Opts<'a> {
    pub fn parse(text: &'a str, what: &'static str, allowed: &[&str]) -> Result<Opts<'a>, Error> {
        let v = json::parse(text).map_err(|_| Error::config(what, cat(&["`", what, "` must be a plain object of JSON-compatible values."])))?;
        match &v {
            Value::Null => return Ok(Opts(None)),
            Value::Obj(members) => {
                if let Some((k, _)) = members.iter().find(|(k, _)| !allowed.contains(&k.as_ref())) {
                    let mut e = Error::config(what, cat(&["Unknown option in `", what, "`; see the README for the options it takes."]));
                    if k.contains('_') {
                        e = e.hint("Options are camelCase: clientId, not client_id.");
                    }
                    return Err(e);
                }
            }
            _ => return Err(Error::config(what, cat(&["`", what, "` must be an object."]))),
        }
        Ok(Opts(Some(v)))
    }

    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.0.as_ref().and_then(|v| v.get(key)).filter(|v| !matches!(v, Value::Null))
    }

    pub fn string(&self, key: &'static str) -> Result<Option<String>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Str(s)) => Ok(Some(String::from(s.as_ref()))),
            Some(_) => Err(type_error(key, "a string")),
        }
    }

    pub fn boolean(&self, key: &'static str) -> Result<Option<bool>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(type_error(key, "true or false")),
        }
    }

    /// A non-negative whole number of seconds.
    pub fn seconds(&self, key: &'static str) -> Result<Option<u64>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Num(n)) if (0.0..=1e12).contains(n) => Ok(Some(*n as u64)),
            Some(_) => Err(type_error(key, "a non-negative number of seconds")),
        }
    }

    pub fn strings(&self, key: &'static str) -> Result<Option<Vec<String>>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Arr(items)) if items.len() <= 64 => {
                items.iter().map(|i| i.as_str().map(String::from).ok_or_else(|| type_error(key, "an array of strings"))).collect::<Result<Vec<_>, _>>().map(Some)
            }
            Some(_) => Err(type_error(key, "an array of at most 64 strings")),
        }
    }

    /// `now`: seconds since 1970 (the JS wrapper turns a `Date` into seconds). Milliseconds
    /// (`Date.now()`) are refused rather than silently read as a date 50,000 years away.
    pub fn now(&self) -> Result<u64, Error> {
        match self.get("now") {
            None => Ok(now_secs()),
            Some(Value::Num(n)) if *n > 1e11 => Err(Error::config("now", "`now` looks like milliseconds; pass seconds (Math.floor(Date.now() / 1000)) or a Date.")),
            Some(Value::Num(n)) if *n >= 0.0 => Ok(*n as u64),
            Some(_) => Err(type_error("now", "seconds since 1970 or a Date")),
        }
    }
}
