//! Bazel's credential-helper protocol (bazelbuild/proposals
//! `2022-06-07-bazel-credential-helpers.md`, as Bazel implements it and
//! EngFlow's credential-helper spec writes it down; Buck2 and others speak
//! it too), as `authtool bazel-credential get` (or a link named
//! `authtool-bazel-credential`) answers it:
//!
//! - the helper is run with the command `get` and reads one JSON object,
//!   `{"uri": "https://…"}`, on stdin (other members are ignored);
//! - for a URI covered by a profile's `urls` (the matching of
//!   [`crate::urlmatch`], as for git and Docker) it prints
//!   `{"expires": RFC 3339, "headers": {"Authorization": ["Bearer …"]}}`:
//!   every header the provider sends (pipeline-lbm's `X-Customer` too),
//!   each value a one-element list, and `expires` = the token's expiry minus
//!   the refresh margin (left out when the token has no known expiry), so
//!   Bazel asks again exactly when authtool would renew;
//! - for any other URI, `{}` and exit 0: Bazel then sends the request
//!   without credentials.
//!
//! The protocol carries headers only: a profile whose provider passes its
//! token as a URL query parameter (primaERP) cannot be served and is an
//! error (exit 2) naming the profile. Malformed input is an error on
//! stderr, exit 2, nothing on stdout.

use crate::config::Config;
use crate::debug;
use crate::error::{Error, Result};
use crate::session::{self, Session, Want};
use crate::timefmt;
use crate::urlmatch::Target;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The one command Bazel sends.
pub const GET: &str = "get";

/// What Bazel writes on stdin.
#[derive(Deserialize)]
struct Request {
    uri: String,
}

/// Answers a `get` request (`input`: what Bazel wrote on stdin) with the
/// JSON text for stdout.
pub fn get(config: Option<&Config>, input: &[u8]) -> Result<String> {
    let request: Request = serde_json::from_slice(input).map_err(|e| {
        Error::config(format!(
            "bazel-credential get: expected {{\"uri\": \"…\"}} on stdin: {e}"
        ))
    })?;
    let mut answer = Map::new();
    let profile = match (config, Target::parse(&request.uri)) {
        (Some(config), Some(target)) => config.profile_for_url(&target)?,
        _ => None,
    };
    if let Some(profile) = profile {
        debug!("bazel-credential get: profile '{}'", profile.name);
        let provider = profile.provider.provider();
        if provider.dpop() {
            return Err(crate::output::needs_proof_error(&profile.name, "Bazel"));
        }
        let token = Session::new(&profile)?.token(&Want::default())?;
        let presentation = provider.present(&token);
        if presentation.headers.is_empty() {
            return Err(Error::config(format!(
                "profile '{}' ({}) passes its token as a URL query parameter; Bazel's credential helpers can only send headers",
                profile.name,
                provider.id()
            ))
            .hint("remove this URL from the profile's `urls`"));
        }
        let mut headers = Map::new();
        for (name, value) in &presentation.headers {
            headers.insert(
                name.clone(),
                Value::Array(vec![Value::String(value.expose().to_string())]),
            );
        }
        answer.insert("headers".into(), Value::Object(headers));
        if let Some(at) = session::renew_at(&token, profile.common.refresh_margin) {
            answer.insert("expires".into(), Value::String(timefmt::rfc3339(at)));
        }
    } else {
        debug!("bazel-credential get: no profile serves this URI");
    }
    let mut out = serde_json::to_string(&Value::Object(answer))
        .map_err(|e| Error::internal(format!("cannot encode JSON: {e}")))?;
    out.push('\n');
    Ok(out)
}
