//! authtool: a command-line credential helper.
//!
//! Data flows one way: [`cli`] → [`config`] (TOML → [`config::Profile`]) →
//! [`session`] (cache + lock + store) → [`providers`] (one file per vendor:
//! its spec) → [`providers::engine`] (request, response →
//! [`providers::TokenSet`]) → [`output`]. Imports
//! follow it: no module imports one above it.
//!
//! Where each concern lives:
//! - [`cli`]: the clap definitions, and beside them [`cli::fast`], the
//!   hot-path parser for plain `token`/`header` lines;
//! - [`commands`]: one thin file per subcommand (read the arguments, call
//!   the layer that does the work, return its output);
//! - [`gitcred`], [`dockercred`]: git's and Docker's credential-helper
//!   protocols (parsing, answers, matching, profile and store mode);
//!   [`bazelcred`], [`keyringcred`]: Bazel's credential helpers and the
//!   `keyring` command line pip and uv run;
//! - [`setup`]: `authtool setup TOOL`, each tool's config written;
//! - [`config`]: the schema, path resolution, validation, and which
//!   profile's `urls` serve a URL; [`urlmatch`]: URL prefixes themselves;
//! - [`session`]: get-or-renew with fingerprint, margin, lock, atomic write;
//! - [`store`]: the secret stores, the store-choice precedence, secret
//!   resolution (env, command, inline, store) and the store-mode index;
//! - [`http`]: every request (TLS, trust roots, proxies, timeouts,
//!   retries, size cap), plus the trust, proxy and probe code `doctor`
//!   reuses; it knows nothing of profiles ([`http::HttpOptions`]);
//! - `fuzzing`: the fuzz targets' entry points, only under the `fuzzing`
//!   feature (and in unit tests, which replay the saved inputs).

pub mod bazelcred;
pub mod cli;
pub mod commands;
pub mod config;
pub mod dockercred;
pub mod dpop;
pub mod envvars;
pub mod error;
pub mod fielderr;
pub mod fsutil;
/// The fuzz targets' entry points: only under the `fuzzing` feature (the
/// crate in fuzz/ enables it) and in the library's unit tests, which replay
/// the saved inputs.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod gitcred;
pub mod http;
pub mod jose;
pub mod jwt;
pub mod keyringcred;
pub mod linediff;
pub mod log;
pub mod output;
pub mod providers;
pub mod secret;
pub mod session;
pub mod setup;
pub mod store;
pub mod timefmt;
pub mod urlmatch;

pub use error::{Error, Kind, Result};
