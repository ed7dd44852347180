//! Shared test support: fake vendor servers, a hermetic command builder and
//! small helpers. Written once, reused by every black-box test, by
//! `examples/demo.rs` and by the benchmarks:
//!
//! ```ignore
//! mod support;                                          // tests/it/main.rs: the one test binary
//! #[path = "../tests/it/support/mod.rs"] mod support;   // examples/ and benches/
//! ```
//!
//! Layout:
//! - [`fake`]: the generic HTTP server (`FakeServer<V: Vendor>`), the owned
//!   `Request` / `Response` types and fault injection (`Fault`).
//! - [`wire`]: HTTP/1.1 framing for the server (private plumbing).
//! - [`codec`]: form encoding, HTTP Basic (raw and RFC 6749 §2.3.1), JWTs,
//!   unique ids, Unix time.
//! - [`tokens`]: access-token minting with expiry, single-use refresh
//!   bookkeeping and the protected-resource (Bearer) check.
//! - [`oauth2`]: a strict RFC 6749 token server (`FakeOAuth2`).
//! - [`oidc`]: the real OpenID Certified server (`oidc-provider` from npm,
//!   `OidcServer`) and the person who answers its pages (`browser()`,
//!   `confirm_device`); [`oidc_fake`]: a strict fake for what the real one
//!   cannot be made to do (`FakeOidc`: slow_down, expired_token, another
//!   issuer, …) and a hostile `$BROWSER` (`browser_script`).
//! - [`cmd`]: `TestEnv`, the hermetic environment for running `authtool`.
//! - [`case`]: tests as transcripts: `env.case(args).stdin(..).run()` then
//!   `.code(n).stdout(exact).stderr(exact)`, compared after filters (temp
//!   root, ports, times, tokens, pids) with a line diff on a mismatch.
//! - [`curl`]: run `curl` against a fake server and parse its answer.
//! - [`connect`], [`lbm`], [`primaerp`], [`lrs`]: strict fakes of the four
//!   vendors (`FakeConnect`, `FakeLbm`, `FakePrimaerp`, `FakeLrs`).
//! - [`tls`]: HTTPS in front of any fake (`TlsFront`), with a CA made in the
//!   test; [`proxy`]: a `CONNECT` proxy that counts tunnels (`ConnectProxy`).
//! - [`providers`]: one profile per provider against its fake
//!   (`ProviderCase`), for tests that must hold for every provider, and the
//!   `org` OAuth2 profile most tests use (`org_fake`, `org_env`).
//! - [`registry`]: a package registry that requires a token
//!   (`FakeRegistry`), for the recipes of pip, uv, cargo, npm and Maven.
//! - [`sandbox`]: all six fakes at once with a ready config, one profile per
//!   provider (`Sandbox`): the demo and `cargo run --example fake-vendors`.
//!
//! A new vendor fake is one more file implementing [`fake::Vendor`] on top of
//! the helpers in [`codec`] and [`tokens`].

#![allow(dead_code, unused_imports)]

pub mod case;
pub mod cmd;
pub mod codec;
pub mod connect;
pub mod curl;
pub mod fake;
pub mod keys;
pub mod lbm;
pub mod lrs;
pub mod oauth2;
pub mod oidc;
pub mod oidc_fake;
pub mod primaerp;
pub mod providers;
pub mod proxy;
pub mod registry;
pub mod sandbox;
pub mod tls;
pub mod tokens;
mod wire;

pub use case::{Case, Filters, Ran, line_diff};
pub use cmd::{
    AssertExt, TestEnv, authtool_bin, find_authtool_bin, real_keychain_bus, text, transcript,
};
pub use codec::{
    basic_header, basic_header_rfc6749, form_decode, form_encode, form_encode_component,
    jwt_claims, make_jwt, parse_basic, parse_basic_rfc6749, unique_token, unix_secs,
};
pub use connect::{ConnectCounters, FakeConnect};
pub use curl::{CurlOutput, curl, curl_with_stdin};
pub use fake::{FakeServer, Fault, Request, Response, Vendor};
pub use keys::TestKey;
pub use lbm::{FakeLbm, LbmClient, LbmCounters};
pub use lrs::{FakeLrs, LrsCounters, LrsUser};
pub use oauth2::{ClientAuth, FakeOAuth2, JWT_BEARER, OAuth2Counters, Revocation};
pub use primaerp::{FakePrimaerp, PrimaerpCounters};
pub use providers::{
    AnyFake, ORG_ID, ORG_PASSWORD, ORG_SECRET, ORG_USER, ProviderCase, org_config, org_env,
    org_env_at, org_fake, org_profile,
};
pub use proxy::ConnectProxy;
pub use registry::{FakeRegistry, Presented};
pub use sandbox::{Sandbox, SandboxProfile};
pub use tls::{TestPki, TlsFront};
pub use tokens::{
    AccessGrant, AccessTokens, RefreshError, RefreshTokens, TokenError, require_bearer,
};
