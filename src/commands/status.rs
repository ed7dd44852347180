//! `status` / `list`: every profile — provider, where each secret comes from
//! and whether it is there, cached token expiry, refresh token. Never a
//! secret value. A profile that does not validate shows its error instead
//! of stopping the table.

use super::{Outcome, load_config};
use crate::cli::{Global, StatusArgs};
use crate::config::{Config, Profile, SecretSource};
use crate::error::{Error, Result};
use crate::session::Session;
use crate::store;
use crate::timefmt;
use serde_json::{Value, json};

/// Whether a secret is there.
#[derive(Debug, Clone, PartialEq)]
enum State {
    Present,
    Missing,
    /// A command is never run just to show the status.
    NotChecked,
    /// The store could not be asked.
    Unknown(String),
}

struct SecretRow {
    name: &'static str,
    /// `store`, `env`, `command` or `inline`.
    source: &'static str,
    /// The store (`keyring`, `file`, `kernel`) or the variable name.
    detail: Option<String>,
    state: State,
}

struct Row {
    name: String,
    provider: Option<&'static str>,
    secrets: Vec<SecretRow>,
    /// Unix seconds of the cached token's expiry.
    token_expires: Option<u64>,
    token_error: Option<String>,
    refresh: bool,
    error: Option<String>,
}

pub fn run(g: &Global, args: &StatusArgs) -> Result<Outcome> {
    let config = load_config(g)?;
    if args.names {
        // For the completion scripts: the names alone, nothing validated.
        let names: String = config
            .profile_names()
            .iter()
            .map(|name| format!("{name}\n"))
            .collect();
        return Ok(Outcome::text(names));
    }
    let mut problems: Vec<Error> = Vec::new();
    let rows: Vec<Row> = config
        .profile_names()
        .into_iter()
        .map(|name| row(&config, name, &mut problems))
        .collect();
    // Each distinct problem once, with what to do about it. One the table
    // already names in a few words (no D-Bus session, a locked keychain)
    // gets only its hint.
    for p in &problems {
        if p.summary.is_none() {
            crate::warn!("{}", p.message);
        }
        for hint in &p.hints {
            eprintln!("hint: {hint}");
        }
    }
    let now = timefmt::now();
    let out = if args.json {
        let mut text = serde_json::to_string_pretty(&json_doc(&config, &rows, now))
            .map_err(|e| Error::internal(format!("cannot encode the status: {e}")))?;
        text.push('\n');
        text
    } else {
        table(&rows, now)
    };
    Ok(Outcome::text(out))
}

fn row(config: &Config, name: String, problems: &mut Vec<Error>) -> Row {
    let mut row = Row {
        name,
        provider: None,
        secrets: Vec::new(),
        token_expires: None,
        token_error: None,
        refresh: false,
        error: None,
    };
    let profile = match config.profile(&row.name) {
        Ok(p) => p,
        Err(e) => {
            row.error = Some(e.message);
            return row;
        }
    };
    row.provider = Some(profile.provider.provider().id());
    let session = match Session::new(&profile) {
        Ok(s) => s,
        Err(e) => {
            row.error = Some(e.message);
            return row;
        }
    };
    row.secrets = secrets(&profile, &session, problems);
    match session.cached() {
        Ok(token) => row.token_expires = token.and_then(|t| t.expires_at),
        Err(e) => row.token_error = Some(note(problems, e)),
    }
    match session.has_refresh_token() {
        Ok(has) => row.refresh = has,
        Err(e) => row.token_error = Some(note(problems, e)),
    }
    row
}

fn secrets(profile: &Profile, session: &Session, problems: &mut Vec<Error>) -> Vec<SecretRow> {
    let store_name = store::kind_for(profile).map(store::kind_name).ok();
    profile
        .provider
        .provider()
        .secret_names()
        .into_iter()
        .map(|secret| {
            let key = secret.key();
            let (source, detail, state) = match profile.secret_source(secret) {
                SecretSource::Env(var) => {
                    let set = std::env::var_os(&var).is_some_and(|v| !v.is_empty());
                    let state = if set { State::Present } else { State::Missing };
                    ("env", Some(var), state)
                }
                SecretSource::Command(_) => ("command", None, State::NotChecked),
                SecretSource::File(path) => {
                    // Whether it is there, without reading it.
                    let state = match std::fs::metadata(&path) {
                        Ok(m) if m.is_file() && m.len() > 0 => State::Present,
                        _ => State::Missing,
                    };
                    ("file", Some(path.display().to_string()), state)
                }
                SecretSource::Inline(_) => ("inline", None, State::Present),
                SecretSource::Store => {
                    let found = session
                        .secrets()
                        .store()
                        .and_then(|s| s.get(&store::account(&profile.name, key)));
                    let state = match found {
                        Ok(Some(v)) if !v.is_empty() => State::Present,
                        Ok(_) => State::Missing,
                        Err(e) => State::Unknown(note(problems, e)),
                    };
                    ("store", store_name.map(str::to_string), state)
                }
            };
            SecretRow {
                name: key,
                source,
                detail,
                state,
            }
        })
        .collect()
}

/// Remembers a problem to report once; returns a short form for the row.
fn note(problems: &mut Vec<Error>, e: Error) -> String {
    let short = match (&e.summary, e.kind) {
        (Some(summary), _) => summary.clone(),
        (None, crate::Kind::Store) => "store unavailable".to_string(),
        (None, _) => "error".to_string(),
    };
    if !problems.iter().any(|p| p.message == e.message) {
        problems.push(e);
    }
    short
}

fn token_text(row: &Row, now: u64) -> String {
    if let Some(e) = &row.token_error {
        return format!("unknown ({e})");
    }
    match row.token_expires {
        None => "none".to_string(),
        Some(at) if at <= now => format!("expired {}", timefmt::relative(at, now)),
        Some(at) => format!("expires {}", timefmt::relative(at, now)),
    }
}

fn secret_text(s: &SecretRow) -> String {
    let from = match (&s.source, &s.detail) {
        (&"env", Some(var)) => format!("env ${var}"),
        (&"store", Some(store)) => store.clone(),
        (source, _) => source.to_string(),
    };
    let state = match &s.state {
        State::Present => "present".to_string(),
        State::Missing => "missing".to_string(),
        State::NotChecked => "not run".to_string(),
        State::Unknown(why) => why.clone(),
    };
    format!("{}: {from}, {state}", s.name)
}

fn table(rows: &[Row], now: u64) -> String {
    let header = ["PROFILE", "PROVIDER", "SECRETS", "TOKEN", "REFRESH"];
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for r in rows {
        match &r.error {
            Some(e) => lines.push(vec![r.name.clone(), "-".into(), format!("error: {e}")]),
            None => lines.push(vec![
                r.name.clone(),
                r.provider.unwrap_or("-").to_string(),
                if r.secrets.is_empty() {
                    "-".to_string()
                } else {
                    r.secrets
                        .iter()
                        .map(secret_text)
                        .collect::<Vec<_>>()
                        .join("; ")
                },
                token_text(r, now),
                if r.refresh { "yes" } else { "no" }.to_string(),
            ]),
        }
    }
    // Column widths from the complete rows only: an error runs on.
    let mut widths = [0usize; 5];
    for line in lines.iter().filter(|l| l.len() == 5) {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in &lines {
        let last = line.len() - 1;
        for (i, cell) in line.iter().enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        out.push('\n');
    }
    out
}

fn json_doc(config: &Config, rows: &[Row], now: u64) -> Value {
    let profiles: Vec<Value> = rows
        .iter()
        .map(|r| {
            let secrets: Vec<Value> = r
                .secrets
                .iter()
                .map(|s| {
                    let mut v = json!({
                        "name": s.name,
                        "source": s.source,
                        "present": match s.state {
                            State::Present => Value::Bool(true),
                            State::Missing => Value::Bool(false),
                            _ => Value::Null,
                        },
                    });
                    match (s.source, &s.detail) {
                        ("env", Some(var)) => v["env"] = json!(var),
                        ("store", Some(store)) => v["store"] = json!(store),
                        _ => {}
                    }
                    if let State::Unknown(why) = &s.state {
                        v["error"] = json!(why);
                    }
                    v
                })
                .collect();
            let token = match r.token_expires {
                Some(at) => json!({
                    "expires_at": timefmt::rfc3339(at),
                    "expires_in": at.saturating_sub(now),
                    "expired": at <= now,
                }),
                None => Value::Null,
            };
            json!({
                "name": r.name,
                "provider": r.provider,
                "secrets": secrets,
                "token": token,
                "refresh_token": r.refresh,
                "error": r.error.as_ref().or(r.token_error.as_ref()),
            })
        })
        .collect();
    json!({
        "config": config.path.display().to_string(),
        "profiles": profiles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_row() -> Row {
        Row {
            name: "org".into(),
            provider: Some("oauth2"),
            secrets: vec![SecretRow {
                name: "client_secret",
                source: "store",
                detail: Some("file".into()),
                state: State::Present,
            }],
            token_expires: Some(1_000 + 3_600),
            token_error: None,
            refresh: true,
            error: None,
        }
    }

    #[test]
    fn table_shows_errors_in_place() {
        let broken = Row {
            name: "broken".into(),
            provider: None,
            secrets: Vec::new(),
            token_expires: None,
            token_error: None,
            refresh: false,
            error: Some("/c.toml:3: profile 'broken': missing key `provider`".into()),
        };
        let text = table(&[ok_row(), broken], 1_000);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("PROFILE"), "{text}");
        assert!(lines[1].contains("client_secret: file, present"), "{text}");
        assert!(lines[1].contains("expires in 1h 0m"), "{text}");
        assert!(lines[1].ends_with("yes"), "{text}");
        assert!(lines[2].contains("error: /c.toml:3"), "{text}");
    }

    #[test]
    fn expired_tokens() {
        let mut r = ok_row();
        r.token_expires = Some(900);
        assert_eq!(token_text(&r, 1_000), "expired 1m 40s ago");
        r.token_expires = None;
        assert_eq!(token_text(&r, 1_000), "none");
    }
}
