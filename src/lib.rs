//! authtool: a command-line credential helper.
//!
//! Data flows one way: [`cli`] → [`config`] (TOML → [`config::Profile`]) →
//! [`session`] (cache + lock + store) → [`providers`] (one file per vendor:
//! its spec) → [`providers::engine`] (request, response →
//! [`providers::TokenSet`]) → [`output`].

pub mod cli;
pub mod commands;
pub mod config;
pub mod credstore;
pub mod envvars;
pub mod error;
pub mod fast_args;
pub mod fielderr;
pub mod fsutil;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod jwt;
pub mod log;
pub mod output;
pub mod providers;
pub mod secret;
pub mod session;
pub mod store;
pub mod timefmt;
pub mod urlmatch;

pub use error::{Error, Kind, Result};
