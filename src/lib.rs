//! Constant Contact V3 OAuth2 for JavaScript runtimes: the wasm binding of the protocol crate
//! ([`ctct_oauth_core`]).
//!
//! The JS layer (`pkg/lib/`) does the I/O and calls this module through JSON texts: [`ops`] is every
//! operation the module offers, options in and one JSON result out, against the one contract in
//! [`contract`]; [`wasm`] is the thin layer that converts JS values. Natively (`cargo test`, the build)
//! the crate offers the one thing the build needs besides: [`constants`], which the JS layer is built with.
#![cfg_attr(feature = "shipped", no_std)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]
// Native unit tests build the operations without the wasm exports that call them, so what they leave
// unused means nothing. Each wasm build (decode-only, client, server) is held to the dead-code warning.
#![cfg_attr(all(test, not(target_arch = "wasm32")), allow(dead_code))]

extern crate alloc;

// What the build needs natively: the constants and the catalogue of errors JS raises.
mod constants;
mod raised;
// The operations, reached only through the wasm exports (and the tests). Cargo features choose a
// module's exports: every module reads tokens (`ops`), `client` adds `client`, `server` adds `server`.
#[cfg(all(any(target_arch = "wasm32", test), feature = "client"))]
mod client;
#[cfg(any(target_arch = "wasm32", test))]
mod contract;
#[cfg(any(target_arch = "wasm32", test))]
mod ops;
#[cfg(any(target_arch = "wasm32", test))]
mod options;
#[cfg(any(target_arch = "wasm32", test))]
mod results;
#[cfg(all(any(target_arch = "wasm32", test), feature = "server"))]
mod server;
#[cfg(all(any(target_arch = "wasm32", test), feature = "client"))]
mod settings;

/// The JS bindings. Public so the wasm-bindgen-test suite can call them as JS would.
#[cfg(target_arch = "wasm32")]
pub mod wasm;

/// The constants the JS layer is built with, as one JSON text (scripts/constants.rs prints it for
/// scripts/build.sh, which writes pkg/lib/generated/constants.js): Constant Contact's production
/// endpoints and scopes (frozen as `ENDPOINTS` and `SCOPES`), every error JS raises itself, and the
/// numbers of the rules JS applies, so none is written twice. No wasm export reaches it, so the module
/// does not carry it.
pub fn constants() -> alloc::string::String {
    constants::constants()
}

/// The shipped module has no std, so it names its allocator: talc, smaller than the dlmalloc std uses.
#[cfg(all(target_arch = "wasm32", feature = "shipped"))]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// ... and trap on a panic. None is reachable by design (clippy denies unwrap, expect, panic and
/// indexing in this crate and the core); this handler only keeps core's formatting machinery out of the binary.
#[cfg(all(target_arch = "wasm32", feature = "shipped"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
