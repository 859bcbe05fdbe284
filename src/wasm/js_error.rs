//! Core errors as JS values: instances of the package's `CtctOAuthError` class (registered once by the
//! package entry), or a plain `Error` with the same fields where none is registered (the raw bindings
//! under test).

use core::cell::RefCell;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::JsValue;

use ctct_oauth_core::error::Error;

/// A cell for the one piece of module state. Sound because this module is built without the `atomics`
/// target feature: wasm without shared memory runs one thread per instance, so there is no concurrent
/// access (the compile_error below refuses a threaded build).
struct SingleThreaded<T>(RefCell<T>);
#[cfg(target_feature = "atomics")]
compile_error!("ctct-oauth keeps module state in a single-threaded cell; build without wasm threads.");
// SAFETY: see above; without `atomics` no second thread can observe the cell.
unsafe impl<T> Sync for SingleThreaded<T> {}

static ERROR_CLASS: SingleThreaded<Option<Function>> = SingleThreaded(RefCell::new(None));

pub(crate) fn register_error_class(ctor: Function) {
    if let Ok(mut slot) = ERROR_CLASS.0.try_borrow_mut() {
        *slot = Some(ctor);
    }
}

fn set(obj: &Object, key: &str, value: JsValue) {
    // Reflect.set on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value);
}

fn opt_str(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::NULL, JsValue::from_str)
}

pub(crate) fn to_js(e: Error) -> JsValue {
    let details = Object::new();
    for (k, v) in [("field", e.field.as_deref()), ("hint", e.hint), ("reason", e.reason)] {
        if let Some(v) = v {
            set(&details, k, JsValue::from_str(v));
        }
    }
    for (k, v) in [("description", &e.description), ("errorUri", &e.error_uri), ("error", &e.error)] {
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
                set(&o, "errorKey", opt_str(k.as_deref()));
                set(&o, "errorMessage", JsValue::from_str(m));
                JsValue::from(o)
            })
            .collect();
        set(&details, "errors", list.into());
        if let Some((k, _)) = e.errors.first() {
            set(&details, "errorKey", opt_str(k.as_deref()));
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
