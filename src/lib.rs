//! Constant Contact V3 OAuth2 for JavaScript runtimes, compiled to WebAssembly.
//!
//! The protocol logic is plain Rust, one module per step, with no I/O, no clock and no JS types, so it
//! builds and tests natively (`cargo test`). [`ops`] is every operation the module offers, JSON in and
//! out, against the one contract in [`contract`]; [`wasm`] is the thin layer that converts JS values.
//! Only the bindings are public; `fuzz_hooks` (hidden, behind the `internals` feature) reaches the
//! internals for the fuzz targets, the corpus replay and the build.
#![cfg_attr(feature = "shipped", no_std)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]
// Natively nothing calls the operations but the tests, the fuzz hooks and the build: dead code there
// means nothing. The wasm module is held to the warnings (clippy -D warnings on its target).
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
// A module built with fewer exports (features `client`, `server`) leaves the rest unreachable, by design.
#![cfg_attr(not(feature = "server"), allow(dead_code))]

extern crate alloc;

mod api_response;
mod authorize;
mod b64;
mod config;
mod contract;
mod device;
mod endpoints;
mod error;
mod expiry;
mod form;
mod http;
mod json;
mod jwt;
mod ops;
mod options;
mod pkce;
#[cfg(any(test, feature = "internals"))]
mod raised;
mod record;
mod redirect;
mod results;
mod revocation;
mod secret;
mod session;
mod state;
mod token;
mod verify;

/// The JS bindings. Public so the wasm-bindgen-test suite can call them as JS would.
#[cfg(target_arch = "wasm32")]
pub mod wasm;

/// The internals the fuzz targets, their corpus replay and the build (the JS constants) reach.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod fuzz_hooks;

/// The shipped module has no std, so it names its allocator: talc, smaller than the dlmalloc std uses.
#[cfg(all(target_arch = "wasm32", feature = "shipped"))]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// ... and trap on a panic. None is reachable by design (clippy denies unwrap, expect, panic and
/// indexing in this crate); this handler only keeps core's formatting machinery out of the binary.
#[cfg(all(target_arch = "wasm32", feature = "shipped"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
