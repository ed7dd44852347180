//! A person logs in with a browser: the authorization code grant (RFC 6749
//! §4.1) for a native app (RFC 8252) with PKCE (RFC 7636, S256).
//!
//! authtool listens on 127.0.0.1 only (`redirect_port`, default any free
//! port), sends the person to the authorization endpoint with the redirect
//! URI `http://127.0.0.1:PORT/callback`, a random `state` (and `nonce` when
//! `openid` is asked), opens `$BROWSER` or the platform's opener, and
//! always prints the URL on stderr (for a person on another machine). The
//! first callback with the right `state` ends the wait; anything else (a
//! wrong or missing `state`, another path, another method) is refused and
//! the wait goes on, until `login_timeout`. The listener is closed when
//! this returns, so a later callback finds nobody. The code is exchanged
//! with the PKCE verifier; an ID token in the answer must carry the
//! `nonce`, the issuer and the client id.

use super::OAuth2;
use super::discovery::Endpoints;
use crate::error::{Error, Result};
use crate::providers::engine::{self, Node, Template};
use crate::providers::{Ctx, TokenSet};
use crate::secret::Secret;
use crate::timefmt::human_secs;
use crate::{debug, warn};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::time::{Duration, Instant};
use url::Url;

/// The path of the redirect URI.
pub const CALLBACK_PATH: &str = "/callback";

/// The most of a request to the listener that is read.
const MAX_REQUEST: usize = 16 * 1024;

/// How long one connection to the listener may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

pub use crate::jose::random_b64;

/// PKCE's S256 challenge of `verifier` (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    crate::jose::sha256_b64(verifier.as_bytes())
}

/// What one login sends and expects back.
struct Attempt {
    state: String,
    nonce: Option<String>,
    verifier: Secret,
    redirect_uri: String,
}

/// Logs the person in with a browser; the token set of the code exchange.
pub fn login(cfg: &OAuth2, endpoints: &Endpoints, ctx: &Ctx) -> Result<TokenSet> {
    let name = ctx.profile_name;
    let authorization = endpoints
        .authorization
        .as_ref()
        .ok_or_else(|| Error::internal("no authorization endpoint"))?;
    ctx.http.check_url(authorization)?;
    let port = cfg.redirect_port.unwrap_or(0);
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(|e| {
        Error::config(format!(
            "profile '{name}': cannot listen on 127.0.0.1:{port} for the browser's answer: {e}"
        ))
        .hint(if port == 0 {
            "check that loopback networking works on this machine".to_string()
        } else {
            format!("free port {port}, or set another `redirect_port` (0: any free port) that the server allows")
        })
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::internal(format!("the loopback listener has no address: {e}")))?
        .port();
    let attempt = Attempt {
        state: random_b64(24)?,
        nonce: if cfg.wants_openid() {
            Some(random_b64(24)?)
        } else {
            None
        },
        verifier: Secret::new(random_b64(48)?),
        redirect_uri: format!("http://127.0.0.1:{port}{CALLBACK_PATH}"),
    };
    let url = authorization_url(cfg, authorization, &attempt);
    eprintln!(
        "authtool: profile '{name}': log in with your browser; if it does not open, open this URL:"
    );
    eprintln!("  {url}");
    eprintln!(
        "authtool: waiting up to {} for the browser's answer on {}",
        human_secs(cfg.login_timeout.as_secs()),
        attempt.redirect_uri
    );
    open_browser(url.as_str(), &ctx.secret_vars);
    let code = wait_for_code(cfg, endpoints, ctx, &listener, &attempt)?;
    drop(listener);
    debug!("profile '{name}': the browser answered; exchanging the code");
    exchange(cfg, endpoints, ctx, &attempt, &code)
}

/// The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3).
fn authorization_url(cfg: &OAuth2, endpoint: &Url, attempt: &Attempt) -> Url {
    let mut url = endpoint.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code");
        q.append_pair("client_id", &cfg.client_id);
        q.append_pair("redirect_uri", &attempt.redirect_uri);
        if let Some(scope) = &cfg.scope {
            q.append_pair("scope", scope);
        }
        // OpenID Connect Core §11: offline access is granted only with
        // the person's consent asked for.
        if cfg.wants_openid() && cfg.wants_scope("offline_access") {
            q.append_pair("prompt", "consent");
        }
        q.append_pair("state", &attempt.state);
        if let Some(nonce) = &attempt.nonce {
            q.append_pair("nonce", nonce);
        }
        q.append_pair("code_challenge", &s256(attempt.verifier.expose()));
        q.append_pair("code_challenge_method", "S256");
        for (key, value) in [("audience", &cfg.audience), ("resource", &cfg.resource)] {
            if let Some(v) = value {
                q.append_pair(key, v);
            }
        }
    }
    url
}

/// Starts a browser on `url` without waiting for it: `$BROWSER` (a
/// `:`-separated list of commands, the first that starts wins; `%s` stands
/// for the URL, else it is the last argument), else the platform's openers
/// (the `open` crate: xdg-open, gio, …; `open`; `start`). The browser gets
/// no stdin or stdout (stdout is authtool's data) and none of the
/// profile's secret variables. A failure is not fatal: the URL is on
/// stderr.
fn open_browser(url: &str, secret_vars: &[&str]) {
    let mut commands: Vec<std::process::Command> =
        browser_env_commands(std::env::var(crate::envvars::BROWSER).ok().as_deref(), url);
    if commands.is_empty() {
        commands = open::commands(url);
    }
    for mut command in commands {
        for var in secret_vars {
            command.env_remove(var);
        }
        let started = command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match started {
            Ok(child) => {
                debug!("started the browser: {:?}", command.get_program());
                // Reaped on its own thread: authtool does not wait for it.
                std::thread::spawn(move || {
                    let mut child = child;
                    let _ = child.wait();
                });
                return;
            }
            Err(e) => debug!("cannot start {:?}: {e}", command.get_program()),
        }
    }
    debug!("could not open a browser; open the URL above by hand");
}

/// The commands `$BROWSER` names for `url`, in order.
fn browser_env_commands(browser: Option<&str>, url: &str) -> Vec<std::process::Command> {
    let Some(browser) = browser else {
        return Vec::new();
    };
    browser
        .split(':')
        .filter_map(|entry| {
            let mut words: Vec<String> = entry
                .split_ascii_whitespace()
                .map(|w| w.replace("%s", url))
                .collect();
            if !entry.contains("%s") {
                words.push(url.to_string());
            }
            let (program, args) = words.split_first()?;
            if program == url {
                return None;
            }
            let mut command = std::process::Command::new(program);
            command.args(args);
            Some(command)
        })
        .collect()
}

/// What a callback said.
enum Callback {
    Code(Secret),
    Refused { error: String, description: String },
}

/// Waits for the callback with our `state`, until `login_timeout`.
fn wait_for_code(
    cfg: &OAuth2,
    endpoints: &Endpoints,
    ctx: &Ctx,
    listener: &TcpListener,
    attempt: &Attempt,
) -> Result<Secret> {
    let name = ctx.profile_name;
    let deadline = Instant::now() + cfg.login_timeout;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::internal(format!("loopback listener: {e}")))?;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Some(answer) = serve(stream, ctx, endpoints, attempt) {
                    return match answer {
                        Callback::Code(code) => Ok(code),
                        Callback::Refused { error, description } => {
                            Err(refused(name, &error, &description))
                        }
                    };
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(Error::login_required(format!(
                        "profile '{name}': no answer from the browser within {} (login_timeout)",
                        human_secs(cfg.login_timeout.as_secs())
                    ))
                    .hint(format!(
                        "run `authtool login -p {name}` again and finish the login in the browser"
                    ))
                    .hint("or raise `login_timeout` in the profile"));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => debug!("loopback listener: {e}"),
        }
    }
}

/// The login the server refused in the browser.
fn refused(name: &str, error: &str, description: &str) -> Error {
    let detail = if description.is_empty() {
        String::new()
    } else {
        format!(": {description}")
    };
    let message =
        format!("profile '{name}': the authorization server refused the login ({error}{detail})");
    match error {
        "access_denied" => Error::rejected(message).hint(format!(
            "run `authtool login -p {name}` again and allow the access"
        )),
        "temporarily_unavailable" | "server_error" => Error::network(message),
        _ => Error::config(message).hint(
            "check the profile's client_id, scope and the client's registration at the server",
        ),
    }
}

/// Answers one connection. `Some` when it was the callback with our state.
fn serve(
    mut stream: TcpStream,
    ctx: &Ctx,
    endpoints: &Endpoints,
    attempt: &Attempt,
) -> Option<Callback> {
    let name = ctx.profile_name;
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
    let head = read_head(&mut stream)?;
    let mut parts = head.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "GET" {
        respond(
            &mut stream,
            "405 Method Not Allowed",
            "Not here",
            "authtool only answers the browser's redirect.",
        );
        return None;
    }
    let Ok(url) = Url::parse(&format!("http://127.0.0.1{target}")) else {
        respond(
            &mut stream,
            "400 Bad Request",
            "Not here",
            "This is not a login answer.",
        );
        return None;
    };
    if url.path() != CALLBACK_PATH || !target.starts_with('/') {
        respond(
            &mut stream,
            "404 Not Found",
            "Not here",
            "This is not a login answer.",
        );
        return None;
    }
    let param = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    if param("state").as_deref() != Some(attempt.state.as_str()) {
        warn!(
            "profile '{name}': refused an answer on the loopback listener whose `state` is {} (not from this login)",
            if param("state").is_some() {
                "wrong"
            } else {
                "missing"
            }
        );
        respond(
            &mut stream,
            "400 Bad Request",
            "Login not accepted",
            "This answer does not belong to the login authtool is waiting for. Start the login again from authtool.",
        );
        return None;
    }
    // RFC 9207: an `iss` that names another server is a mix-up attack.
    if let (Some(iss), Some(issuer)) = (param("iss"), &endpoints.issuer)
        && iss != *issuer
    {
        warn!(
            "profile '{name}': refused an answer from another issuer (`iss` is not the configured issuer)"
        );
        respond(
            &mut stream,
            "400 Bad Request",
            "Login not accepted",
            "This answer comes from another server.",
        );
        return None;
    }
    if let Some(error) = param("error") {
        let error = crate::log::sanitize_remote(&error);
        let description =
            crate::log::sanitize_remote(&param("error_description").unwrap_or_default());
        respond(
            &mut stream,
            "200 OK",
            "Login refused",
            "The server refused the login. You can close this tab; authtool says more in the terminal.",
        );
        return Some(Callback::Refused { error, description });
    }
    match param("code").filter(|c| !c.is_empty()) {
        Some(code) => {
            respond(
                &mut stream,
                "200 OK",
                "Logged in",
                "authtool has your login. You can close this tab.",
            );
            Some(Callback::Code(Secret::new(code)))
        }
        None => {
            respond(
                &mut stream,
                "400 Bad Request",
                "Login not accepted",
                "The answer holds no code.",
            );
            Some(Callback::Refused {
                error: "invalid_request".to_string(),
                description: "the answer holds neither a code nor an error".to_string(),
            })
        }
    }
}

/// The request line of an HTTP request (the rest of its head is read and
/// ignored), or `None` if it does not arrive in time or is too large.
fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 || buf.len() + n > MAX_REQUEST {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    text.lines().next().map(str::to_string)
}

/// A short page for the browser.
fn respond(stream: &mut TcpStream, status: &str, title: &str, text: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>authtool: {title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>\n"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

/// Exchanges the code with the PKCE verifier (RFC 6749 §4.1.3).
fn exchange(
    cfg: &OAuth2,
    endpoints: &Endpoints,
    ctx: &Ctx,
    attempt: &Attempt,
    code: &Secret,
) -> Result<TokenSet> {
    let text = |s: &str| Node::from(Template::literal(s));
    let fields = vec![
        ("code", Template::refresh_token().into()),
        ("redirect_uri", text(&attempt.redirect_uri)),
        ("code_verifier", text(attempt.verifier.expose())),
    ];
    let (request, spec) = cfg.grant_request(&endpoints.token, "authorization_code", fields);
    let sent = engine::send(&request, ctx, Some(code))?;
    let token = sent.read(&spec, &request, ctx)?;
    check_id_token(
        cfg,
        endpoints,
        ctx,
        &sent.response,
        attempt.nonce.as_deref(),
    )?;
    Ok(token)
}

/// An ID token in the answer must be for us: our `nonce`, the configured
/// issuer, our client id in `aud` (OpenID Connect Core §3.1.3.7; it came
/// straight from the token endpoint over TLS, so its signature is not
/// needed to trust it, item 6).
fn check_id_token(
    cfg: &OAuth2,
    endpoints: &Endpoints,
    ctx: &Ctx,
    response: &crate::http::Response,
    nonce: Option<&str>,
) -> Result<()> {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
        return Ok(());
    };
    let Some(id_token) = body.get("id_token").and_then(|v| v.as_str()) else {
        return Ok(());
    };
    let bad = |why: &str| {
        Error::network(format!(
            "profile '{}': the ID token from {} {why}; not using this login",
            ctx.profile_name,
            crate::http::redact_url(&endpoints.token)
        ))
    };
    let claims = crate::jwt::decode(id_token)
        .map(|jwt| jwt.claims)
        .ok_or_else(|| bad("is not a JWT"))?;
    if let Some(expected) = nonce
        && claims.get("nonce").and_then(|n| n.as_str()) != Some(expected)
    {
        return Err(bad("does not carry this login's nonce"));
    }
    if let Some(issuer) = &endpoints.issuer
        && claims.get("iss").and_then(|n| n.as_str()) != Some(issuer.as_str())
    {
        return Err(bad("names another issuer"));
    }
    let aud_ok = match claims.get("aud") {
        Some(serde_json::Value::String(a)) => *a == cfg.client_id,
        Some(serde_json::Value::Array(list)) => list
            .iter()
            .any(|a| a.as_str() == Some(cfg.client_id.as_str())),
        _ => false,
    };
    if !aud_ok {
        return Err(bad("is not for this client (`aud`)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_is_base64url_sha256() {
        // Computed independently: printf %s V | openssl dgst -sha256 -binary | base64url.
        assert_eq!(
            s256("dBjftJeZ4CVP-mJ0pAjcLiP8jRgL5xSEKLcTv-BQCJo"),
            "QQL1v6_MUVyyZFx0EE2bAYIJ0exJUlS_UhInGNuKSNA"
        );
    }

    #[test]
    fn browser_variable_lists_commands() {
        let args = |c: &std::process::Command| {
            std::iter::once(c.get_program())
                .chain(c.get_args())
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        };
        let u = "http://h/a?b=c";
        let cmds = browser_env_commands(Some("firefox --new-tab:open -a Safari %s:"), u);
        let cmds: Vec<_> = cmds.iter().map(args).collect();
        assert_eq!(
            cmds,
            vec![
                vec!["firefox", "--new-tab", u],
                vec!["open", "-a", "Safari", u],
            ]
        );
        assert!(browser_env_commands(None, u).is_empty());
        assert!(browser_env_commands(Some(""), u).is_empty());
    }

    #[test]
    fn random_values_differ_and_are_url_safe() {
        let a = random_b64(32).unwrap();
        let b = random_b64(32).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }
}
