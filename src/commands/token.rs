//! `token` and `header`.

use super::{Outcome, load_profile};
use crate::cli::{
    FreshnessArgs, Global, HeaderArgs, InteractiveArg, ProfileArg, RequestArgs, TokenArgs,
};
use crate::config::Profile;
use crate::dpop;
use crate::error::{Error, Result};
use crate::output::{self, Format, View};
use crate::providers::TokenSet;
use crate::secret::Secret;
use crate::session::{Session, Want};
use crate::timefmt;
use url::Url;

pub fn token(g: &Global, args: &TokenArgs) -> Result<Outcome> {
    print(
        g,
        &args.profile,
        &args.freshness,
        args.interactive,
        &args.request,
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
        &args.request,
        Format::Header,
        true,
    )
}

fn print(
    g: &Global,
    profile: &ProfileArg,
    fresh: &FreshnessArgs,
    interactive: InteractiveArg,
    request: &RequestArgs,
    format: Format,
    newline: bool,
) -> Result<Outcome> {
    let (_config, profile) = load_profile(g, profile)?;
    let provider = profile.provider.provider();
    if matches!(format, Format::Header) {
        // Refused before any request: a login would be spent for nothing.
        let probe = TokenSet::new(Secret::new(String::new()), 0);
        if provider.present(&probe).headers.is_empty() {
            return Err(output::query_only_error(&profile.name, provider.id()));
        }
    }
    // Also checked before any request.
    let target = api_request(&profile, request, format)?;
    let session = Session::new(&profile)?;
    let want = Want {
        min_ttl: fresh.min_ttl,
        no_cache: fresh.no_cache,
        force: false,
        interactive: crate::session::may_ask(interactive.interactive),
        id_token: fresh.id_token,
    };
    let mut token = session.token(&want)?;
    let presentation = if fresh.id_token {
        // An ID token is a bearer token of its own, never DPoP-bound.
        token = id_token(&profile.name, &token)?;
        provider.present(&token)
    } else {
        let mut presentation = provider.present(&token);
        if provider.dpop() {
            let proof = match &target {
                Some((method, url)) => Some(session.dpop_proof(&token, method, url, None)?),
                None => None,
            };
            presentation = presentation.dpop(&token, proof);
        }
        presentation
    };
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

/// The API request (`--method`, `--url`) whose DPoP proof `format`
/// carries: needed for a DPoP profile's headers, and checked whenever
/// given. `None` when no proof is printed.
fn api_request(
    profile: &Profile,
    request: &RequestArgs,
    format: Format,
) -> Result<Option<(String, Url)>> {
    let method = request.method.as_deref().map(dpop::method).transpose()?;
    let url = request.url.as_deref().map(dpop::request_url).transpose()?;
    if !profile.provider.provider().dpop() {
        return Ok(None);
    }
    let name = &profile.name;
    let command = match format {
        Format::Header => "header",
        Format::Curl => "token --format curl",
        Format::Json => "token --format json",
        Format::ExecCredential => {
            return Err(output::needs_proof_error(name, "kubectl's exec plugin"));
        }
        Format::Raw | Format::Env | Format::Query => return Ok(None),
    };
    match (method, url) {
        (Some(method), Some(url)) => Ok(Some((method, url))),
        _ => Err(Error::config(format!(
            "profile '{name}' has DPoP-bound tokens (dpop = true): its headers hold a proof made for one request; give the request with --method and --url"
        ))
        .hint(format!(
            "authtool {command} -p {name} --method GET --url https://api.example.com/v1/items"
        ))
        .hint(format!(
            "or `authtool token -p {name}` for the bare token, and `authtool dpop-proof -p {name} --method M --url U` for each request's proof"
        ))),
    }
}
