//! `token` and `header`.

use super::{Outcome, load_profile};
use crate::cli::{FreshnessArgs, Global, HeaderArgs, InteractiveArg, ProfileArg, TokenArgs};
use crate::error::{Error, Result};
use crate::output::{self, Format, View};
use crate::providers::TokenSet;
use crate::secret::Secret;
use crate::session::{Session, Want};
use crate::timefmt;

pub fn token(g: &Global, args: &TokenArgs) -> Result<Outcome> {
    print(
        g,
        &args.profile,
        &args.freshness,
        args.interactive,
        args.format,
        !args.no_newline,
    )
}

pub fn header(g: &Global, args: &HeaderArgs) -> Result<Outcome> {
    print(
        g,
        &args.profile,
        &args.freshness,
        args.interactive,
        Format::Header,
        true,
    )
}

fn print(
    g: &Global,
    profile: &ProfileArg,
    fresh: &FreshnessArgs,
    interactive: InteractiveArg,
    format: Format,
    newline: bool,
) -> Result<Outcome> {
    let (_config, profile) = load_profile(g, profile)?;
    if matches!(format, Format::Header) {
        // Refused before any request: a login would be spent for nothing.
        let provider = profile.provider.provider();
        let probe = TokenSet::new(Secret::new(String::new()), 0);
        if provider.present(&probe).headers.is_empty() {
            return Err(output::query_only_error(&profile.name, provider.id()));
        }
    }
    let session = Session::new(&profile)?;
    let want = Want {
        min_ttl: fresh.min_ttl,
        no_cache: fresh.no_cache,
        force: false,
        interactive: crate::session::may_ask(interactive.interactive),
        id_token: fresh.id_token,
    };
    let mut token = session.token(&want)?;
    if fresh.id_token {
        token = id_token(&profile.name, &token)?;
    }
    let provider = profile.provider.provider();
    let presentation = provider.present(&token);
    let view = View {
        profile: &profile.name,
        provider: provider.id(),
        token: &token,
        presentation: &presentation,
        now: timefmt::now(),
        refresh_margin: profile.common.refresh_margin,
    };
    Ok(Outcome::text(output::render(format, &view, newline)?))
}

/// The ID token of `token` as the token to print (`--id-token`).
fn id_token(profile: &str, token: &TokenSet) -> Result<TokenSet> {
    let Some(id) = token.id_token_set() else {
        return Err(Error::login_required(format!(
            "profile '{profile}': the server issued no ID token with the last login or refresh"
        ))
        .hint("ID tokens come with OpenID Connect logins: add `openid` to the profile's `scope` (the client_credentials grant issues none)"));
    };
    let now = timefmt::now();
    if id.expires_at.is_some_and(|at| at <= now) {
        return Err(Error::login_required(format!(
            "profile '{profile}': the ID token has expired and the refresh brought no new one"
        ))
        .hint(format!(
            "log in again: `authtool logout {profile}`, then `authtool login {profile}`"
        )));
    }
    Ok(id)
}
