//! authtool: a command-line credential helper.
//!
//! Data flows one way: [`cli`] → [`config`] (TOML → [`config::Profile`]) →
//! [`session`] (cache + lock + store) → [`providers`] (one file per vendor:
//! request, response → [`providers::TokenSet`]) → [`output`].

pub mod cli;
pub mod commands;
pub mod config;
pub mod dockercred;
pub mod envvars;
pub mod error;
pub mod fsutil;
/// The fuzz targets' entry points: only under the `fuzzing` feature (the
/// crate in fuzz/ enables it) and in the library's unit tests, which replay
/// the saved inputs.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod gitcred;
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
