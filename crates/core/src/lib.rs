//! Constant Contact V3 OAuth2, the protocol: every step of the authorization-code (PKCE), refresh,
//! device and revocation flows, reading and verifying its access tokens (JWTs), and the records a
//! session keeps in its store. Plain functions over text and numbers: no I/O, no clock, no JS types.
//!
//! A network call is a request/response pair: a `request` function builds the exact request
//! ([`http::Request`]: URL, headers, form body) and a `parse` function reads the status and body that
//! came back, against what was asked ([`token::Context`]). The caller sends it, with any HTTP client.
//! Time always comes in as `now`, whole seconds since 1970 on the caller's clock; the offset to the
//! authorization server's clock is measured from the tokens themselves ([`expiry`]).
//!
//! Every failure is one [`error::Error`]: a stable code, a message that says what to do, and evidence
//! (status, field, the server's description); a message never quotes a token, code or secret.
//!
//! The crate is `no_std` with `alloc`. Its one platform need is a secure random source for PKCE
//! verifiers and states, through `getrandom` (on `wasm32-unknown-unknown` the binary chooses its
//! backend). The wasm module of the npm package (`ctct-oauth`) is a thin binding on top of it.
//!
//! ```
//! use ctct_oauth_core::config::{validate, ConfigInput};
//! use ctct_oauth_core::{authorize, redirect, token};
//!
//! let cfg = validate(ConfigInput {
//!     client_id: Some("0b3e6c62-6f1f-4b5e-9a55-8a5a2e2f7c11".into()),
//!     redirect_uri: Some("https://app.example/callback".into()),
//!     ..Default::default()
//! })?;
//! // Step 1: send the user to the authorization URL; keep `state` and the PKCE verifier.
//! let start = authorize::authorization_url(&cfg, Default::default())?;
//! let verifier = start.pkce.as_ref().map(|p| p.code_verifier.expose());
//! // Step 2: the browser comes back with a code.
//! let back = format!("https://app.example/callback?code=abc123&state={}", start.state);
//! let redirect::Redirect::Code { code, .. } =
//!     redirect::parse(&back, redirect::StateCheck::Expect(&start.state), None)?
//! else {
//!     unreachable!("a code redirect")
//! };
//! // Step 3: exchange it. POST `request.body` to `request.url`, then read the answer.
//! let request = token::request(&cfg, token::Grant::AuthorizationCode { code: &code, code_verifier: verifier })?;
//! assert!(request.body.starts_with("grant_type=authorization_code&code=abc123"));
//! let ctx = token::Context { now: 1_795_454_050, requested_offline: true, previous_refresh_token: None,
//!     client_id: &cfg.client_id };
//! let answer = r#"{"access_token":"opaque","token_type":"Bearer","expires_in":3600,"refresh_token":"rt"}"#;
//! let tokens = token::parse(200, None, answer, ctx)?;
//! assert_eq!(tokens.expires_at, Some(1_795_454_050 + 3600));
//! # Ok::<(), ctct_oauth_core::error::Error>(())
//! ```
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

extern crate alloc;

pub mod api_response;
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
pub mod record;
pub mod redirect;
pub mod revocation;
pub mod secret;
pub mod session;
pub mod state;
pub mod suggest;
pub mod token;
pub mod verify;
