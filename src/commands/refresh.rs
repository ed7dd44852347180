//! `refresh`: renew now, through the same single-flight path as `token`.

use super::{Outcome, load_profile};
use crate::cli::{Global, RefreshArgs};
use crate::error::Result;
use crate::session::{Session, Want};
use crate::timefmt;

pub fn run(g: &Global, args: &RefreshArgs) -> Result<Outcome> {
    let (_config, profile) = load_profile(g, &args.profile)?;
    let session = Session::new(&profile)?;
    let token = session.token(&Want {
        force: true,
        ..Want::asking(false)
    })?;
    let now = timefmt::now();
    eprintln!(
        "authtool: profile '{}': new token, expires {}",
        profile.name,
        timefmt::relative(token.expires_at.unwrap_or(now), now)
    );
    Ok(Outcome::default())
}
