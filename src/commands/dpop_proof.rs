//! `dpop-proof`: a DPoP proof (RFC 9449) for one API request.

use super::{Outcome, load_profile};
use crate::cli::{DpopProofArgs, Global};
use crate::dpop;
use crate::error::{Error, Result};
use crate::session::{Session, Want};

pub fn run(g: &Global, args: &DpopProofArgs) -> Result<Outcome> {
    let (_config, profile) = load_profile(g, &args.profile)?;
    let method = dpop::method(&args.method)?;
    let url = dpop::request_url(&args.url)?;
    let name = &profile.name;
    if !profile.provider.provider().dpop() {
        return Err(Error::config(format!(
            "profile '{name}' does not use DPoP-bound tokens"
        ))
        .hint(format!(
            "set dpop = true in the profile if its server binds tokens to a key; else `authtool header -p {name}` is all a request needs"
        )));
    }
    if let Some(nonce) = &args.nonce
        && !dpop::valid_nonce(nonce)
    {
        return Err(Error::config(
            "--nonce holds characters a DPoP nonce cannot have (RFC 9449 §8)",
        )
        .hint("pass the value of the API server's DPoP-Nonce header as it is"));
    }
    let session = Session::new(&profile)?;
    let want = Want {
        min_ttl: args.freshness.min_ttl,
        no_cache: args.freshness.no_cache,
        ..Want::asking(false)
    };
    let token = session.token(&want)?;
    let proof = session.dpop_proof(&token, &method, &url, args.nonce.as_deref())?;
    Ok(Outcome::text(format!("{}\n", proof.expose())))
}
