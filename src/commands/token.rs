//! `token` and `header`.

use super::{Outcome, load_profile};
use crate::cli::{FreshnessArgs, Global, HeaderArgs, InteractiveArg, ProfileArg, TokenArgs};
use crate::error::Result;
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
    };
    let token = session.token(&want)?;
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
