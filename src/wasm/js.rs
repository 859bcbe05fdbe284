//! Conversions between JS values and the core's types, and the environment facts the core takes as
//! input (clock, browser or not). Nothing here decides protocol questions.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::config::type_error;
use crate::error::{cat, Error};

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

pub fn set(obj: &Object, key: &str, value: &JsValue) {
    // Reflect.set on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

pub fn set_str(obj: &Object, key: &str, value: Option<&str>) {
    set(obj, key, &value.map_or(JsValue::UNDEFINED, JsValue::from_str));
}

pub fn set_num(obj: &Object, key: &str, value: Option<u64>) {
    set(obj, key, &value.map_or(JsValue::UNDEFINED, |n| JsValue::from_f64(n as f64)));
}

pub fn str_array(items: &[String]) -> Array {
    items.iter().map(|s| JsValue::from_str(s)).collect()
}

/// The JS error object for a core error: an instance of the registered `CtctOAuthError` class, or a
/// plain `Error` carrying the same fields when no class is registered (the raw bindings under test).
pub fn to_js(e: Error) -> JsValue {
    let details = Object::new();
    set_str(&details, "field", e.field);
    set_num(&details, "status", e.status.map(u64::from));
    set_str(&details, "description", e.description.as_deref());
    set_str(&details, "errorUri", e.error_uri.as_deref());
    set_str(&details, "hint", e.hint);
    set_num(&details, "retryAfter", e.retry_after);
    set_str(&details, "reason", e.reason);
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
    set(&err, "code", &code);
    let _ = Object::assign(&err, &details);
    err.into()
}

/// Seconds since 1970, from the JS clock.
pub fn now_secs() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

fn global_has(name: &str) -> bool {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name)).is_ok_and(|v| !v.is_undefined())
}

/// A browser page (`window` and `document`) or a browser worker (`importScripts`). Node, Deno, Bun and
/// Cloudflare Workers have neither.
pub fn is_browser() -> bool {
    (global_has("window") && global_has("document"))
        || Reflect::get(&js_sys::global(), &JsValue::from_str("importScripts")).is_ok_and(|v| v.is_function())
}

/// An options argument: `undefined`/`null` means none; anything else must be a plain object whose keys
/// are all known (a misspelt option is an error, not silently ignored).
pub struct Opts(Option<JsValue>);

impl Opts {
    pub fn new(v: JsValue, what: &'static str, allowed: &[&str]) -> Result<Opts, Error> {
        if v.is_undefined() || v.is_null() {
            return Ok(Opts(None));
        }
        if !v.is_object() || v.is_function() || Array::is_array(&v) {
            return Err(Error::config(what, cat(&["`", what, "` must be an object."])));
        }
        for key in Object::keys(v.unchecked_ref::<Object>()).iter() {
            let k = key.as_string().unwrap_or_default();
            if !allowed.contains(&k.as_str()) {
                let mut e = Error::config(what, cat(&["Unknown option in `", what, "`; see the README for the options it takes."]));
                if k.contains('_') {
                    e = e.hint("Options are camelCase: clientId, not client_id.");
                }
                return Err(e);
            }
        }
        Ok(Opts(Some(v)))
    }

    pub fn get(&self, key: &str) -> JsValue {
        match &self.0 {
            Some(o) => Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED),
            None => JsValue::UNDEFINED,
        }
    }

    pub fn string(&self, key: &'static str) -> Result<Option<String>, Error> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.as_string().map(Some).ok_or_else(|| type_error(key, "a string"))
    }

    pub fn boolean(&self, key: &'static str) -> Result<Option<bool>, Error> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.as_bool().map(Some).ok_or_else(|| type_error(key, "true or false"))
    }

    /// A non-negative whole number of seconds.
    pub fn seconds(&self, key: &'static str) -> Result<Option<u64>, Error> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        match v.as_f64() {
            Some(n) if (0.0..=1e12).contains(&n) => Ok(Some(n as u64)),
            _ => Err(type_error(key, "a non-negative number of seconds")),
        }
    }

    pub fn strings(&self, key: &'static str) -> Result<Option<Vec<String>>, Error> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        if !Array::is_array(&v) {
            return Err(type_error(key, "an array of strings"));
        }
        let arr: &Array = v.unchecked_ref();
        if arr.length() > 64 {
            return Err(type_error(key, "an array of at most 64 strings"));
        }
        arr.iter().map(|i| i.as_string().ok_or_else(|| type_error(key, "an array of strings"))).collect::<Result<Vec<_>, _>>().map(Some)
    }

    /// `now`: seconds since 1970 or a `Date`. Milliseconds (`Date.now()`) are refused rather than
    /// silently read as a date 50,000 years away.
    pub fn now(&self) -> Result<u64, Error> {
        let v = self.get("now");
        if v.is_undefined() || v.is_null() {
            return Ok(now_secs());
        }
        let secs = match v.dyn_ref::<js_sys::Date>() {
            Some(d) => d.get_time() / 1000.0,
            None => v.as_f64().ok_or_else(|| type_error("now", "seconds since 1970 or a Date"))?,
        };
        if !secs.is_finite() || secs < 0.0 {
            return Err(type_error("now", "seconds since 1970 or a Date"));
        }
        if secs > 1e11 {
            return Err(Error::config("now", "`now` looks like milliseconds; pass seconds (Math.floor(Date.now() / 1000)) or a Date."));
        }
        Ok(secs as u64)
    }
}

/// A string argument that must be a token; other types get `code` with a message naming the argument.
pub fn token_arg(v: &JsValue, code: &'static str, what: &'static str) -> Result<String, Error> {
    v.as_string().ok_or_else(|| {
        let mut e = Error::new(code, cat(&["Expected ", what, " as a string."]));
        if v.is_object() && Reflect::get(v, &JsValue::from_str("accessToken")).is_ok_and(|t| t.is_string()) {
            e = e.hint("This looks like a token set: pass its `accessToken`.");
        }
        e
    })
}
