//! The black-box tests: one binary, one module per feature, all running the
//! real `authtool` in a hermetic [`support::TestEnv`] against the fake
//! vendor servers of [`support`], written as transcripts (command, stdin,
//! exact stdout and stderr after filters, exit code; see
//! [`support::case`]).
//!
//! `cargo test --test it MODULE::` runs one module.

mod support;

mod bad_input;
mod bazel;
#[cfg(unix)]
mod completion;
#[cfg(unix)]
mod docker;
mod dpop;
#[cfg(unix)]
mod exec;
mod fake_servers;
mod faults;
mod generated;
#[cfg(unix)]
mod git;
mod http_provider;
mod keyless;
mod keyring;
#[cfg(unix)]
mod oauth_flows;
mod quick_start;
#[cfg(unix)]
mod recipes;
mod reliability;
mod security;
#[cfg(unix)]
mod setup;
mod store;
mod tls;
mod token;
mod vendors;
