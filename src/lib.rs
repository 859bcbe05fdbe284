//! Constant Contact V3 OAuth2 for JavaScript runtimes, compiled to WebAssembly.
//!
//! The protocol logic is plain Rust, one module per step, with no I/O and no JS types, so it builds and
//! tests natively (`cargo test`). The `wasm` module is the thin layer that converts JS values, reads the
//! clock and the random source, and (later) does the fetches.
#![cfg_attr(feature = "standalone", no_std)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

extern crate alloc;

pub mod api;
pub mod authorize;
pub mod b64;
pub mod config;
pub mod device;
pub mod endpoints;
pub mod error;
pub mod expiry;
pub mod form;
pub mod http;
pub mod json;
pub mod jwt;
pub mod pkce;
pub mod redirect;
pub mod revocation;
pub mod secret;
pub mod state;
pub mod token;
pub mod verify;

/// The JS bindings. Public so the wasm-bindgen-test suite can call them as JS would.
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::Error;

/// The shipped module has no std, so it names its allocator: talc, smaller than the dlmalloc std uses.
#[cfg(all(target_arch = "wasm32", feature = "standalone"))]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// ... and trap on a panic. None is reachable by design (clippy denies unwrap, expect, panic and
/// indexing in this crate); this handler only keeps core's formatting machinery out of the binary.
#[cfg(all(target_arch = "wasm32", feature = "standalone"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
