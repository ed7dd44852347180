//! Every output format, in one place. Rendering returns a string; nothing
//! is printed until the whole command has succeeded.

use crate::envvars;
use crate::error::{Error, Result};
use crate::providers::{Presentation, TokenSet};
use crate::timefmt;
use clap::ValueEnum;
use serde_json::{Map, Value, json};

/// `token --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// The bare token and a newline.
    #[default]
    Raw,
    /// Ready HTTP headers, one per line (`Authorization: Bearer …`).
    Header,
    /// A JSON object with the token, its expiry, headers and query parameters.
    Json,
    /// `export AUTHTOOL_TOKEN='…'`, quoted for sh.
    Env,
    /// curl config lines for `curl -K -` (`header = "…"` / `url-query = "…"`).
    Curl,
    /// Query parameters (`token=…`), URL-encoded, for APIs that take the token in the URL.
    Query,
    /// A Kubernetes ExecCredential for kubectl's exec plugin.
    ExecCredential,
}

/// What to render.
pub struct View<'a> {
    pub profile: &'a str,
    pub provider: &'a str,
    pub token: &'a TokenSet,
    pub presentation: &'a Presentation,
    pub now: u64,
    /// The profile's `refresh_margin` (`None`: the default margin).
    pub refresh_margin: Option<std::time::Duration>,
}

/// Renders `view` in `format`. `newline = false` (`-n`) drops the final
/// newline of the raw format.
pub fn render(format: Format, view: &View, newline: bool) -> Result<String> {
    let token = view.token.access_token.expose();
    let p = view.presentation;
    Ok(match format {
        Format::Raw => {
            let mut s = token.to_string();
            if newline {
                s.push('\n');
            }
            s
        }
        Format::Header => {
            if p.headers.is_empty() {
                return Err(query_only(view));
            }
            p.headers
                .iter()
                .map(|(k, v)| format!("{k}: {}\n", v.expose()))
                .collect()
        }
        Format::Json => {
            let mut out = serde_json::to_string_pretty(&json_value(view))
                .map_err(|e| Error::internal(format!("cannot encode JSON: {e}")))?;
            out.push('\n');
            out
        }
        Format::Env => format!("export {}={}\n", envvars::TOKEN, sh_quote(token)),
        Format::Curl => {
            let mut out = String::new();
            for (k, v) in &p.headers {
                out.push_str(&format!(
                    "header = \"{}\"\n",
                    curl_escape(&format!("{k}: {}", v.expose()))
                ));
            }
            // `+`: the pair is already URL-encoded; curl must not encode it again.
            for (k, v) in &p.query {
                out.push_str(&format!(
                    "url-query = \"+{}\"\n",
                    curl_escape(&query_pair(k, v.expose()))
                ));
            }
            out
        }
        Format::Query => {
            if p.query.is_empty() {
                return Err(Error::config(format!(
                    "profile '{}' ({}) sends the token in a header, not in the URL",
                    view.profile, view.provider
                ))
                .hint(format!("use `authtool header -p {}`", view.profile)));
            }
            let pairs: Vec<String> = p
                .query
                .iter()
                .map(|(k, v)| query_pair(k, v.expose()))
                .collect();
            format!("{}\n", pairs.join("&"))
        }
        Format::ExecCredential => {
            exec_credential(view, std::env::var(envvars::KUBERNETES_EXEC_INFO).ok())?
        }
    })
}

fn query_only(view: &View) -> Error {
    query_only_error(view.profile, view.provider)
}

/// `header` for a provider that passes the token as a query parameter:
/// refused before any request is made.
pub fn query_only_error(profile: &str, provider: &str) -> Error {
    Error::config(format!(
        "profile '{profile}' ({provider}) passes the token as a URL query parameter, not a header"
    ))
    .hint(format!(
        "use `authtool token --format query -p {profile}` and append it to the URL (or --format curl for curl -K -)"
    ))
}

/// A DPoP profile (`dpop = true`) asked for by a tool that sends the token
/// as a bearer token or password, without the per-request proof: refused
/// before any request.
pub fn needs_proof_error(profile: &str, tool: &str) -> Error {
    Error::config(format!(
        "profile '{profile}' has DPoP-bound tokens (dpop = true): {tool} sends them as bearer tokens, without the proof each request needs"
    ))
    .hint(format!("use a profile without dpop = true for {tool}"))
}

/// `{"profile","token_type","access_token","expires_at","expires_in","headers","query"}`.
pub fn json_value(view: &View) -> Value {
    let t = view.token;
    let mut headers = Map::new();
    for (k, v) in &view.presentation.headers {
        headers.insert(k.clone(), Value::String(v.expose().to_string()));
    }
    let mut query = Map::new();
    for (k, v) in &view.presentation.query {
        query.insert(k.clone(), Value::String(v.expose().to_string()));
    }
    json!({
        "profile": view.profile,
        "token_type": t.token_type,
        "access_token": t.access_token.expose(),
        "expires_at": t.expires_at.map(timefmt::rfc3339),
        "expires_in": t.expires_at.map(|at| at.saturating_sub(view.now)),
        "headers": headers,
        "query": query,
    })
}

/// A kubectl exec-plugin answer. `KUBERNETES_EXEC_INFO` picks the
/// apiVersion (v1 or v1beta1; v1 when absent). authtool never prompts while
/// getting a token, so `spec.interactive: false` needs nothing more.
/// `expirationTimestamp` is the expiry minus the refresh margin, so kubectl
/// asks again exactly when authtool would renew.
fn exec_credential(view: &View, exec_info: Option<String>) -> Result<String> {
    let api_version = match exec_info {
        Some(info) if !info.trim().is_empty() => {
            let v: Value = serde_json::from_str(&info).map_err(|e| {
                Error::config(format!(
                    "${} is not valid JSON: {e}",
                    envvars::KUBERNETES_EXEC_INFO
                ))
            })?;
            match v.get("apiVersion").and_then(Value::as_str) {
                Some(
                    a
                    @ ("client.authentication.k8s.io/v1" | "client.authentication.k8s.io/v1beta1"),
                ) => a.to_string(),
                Some(other) => {
                    return Err(Error::config(format!(
                        "kubectl asked for ExecCredential {other}; authtool speaks client.authentication.k8s.io/v1 and v1beta1"
                    ))
                    .hint("set apiVersion: client.authentication.k8s.io/v1 in the kubeconfig's exec section"));
                }
                None => "client.authentication.k8s.io/v1".to_string(),
            }
        }
        _ => "client.authentication.k8s.io/v1".to_string(),
    };
    let mut status = Map::new();
    status.insert(
        "token".into(),
        Value::String(view.token.access_token.expose().into()),
    );
    if let Some(at) = crate::session::renew_at(view.token, view.refresh_margin) {
        status.insert(
            "expirationTimestamp".into(),
            Value::String(timefmt::rfc3339(at)),
        );
    }
    let doc = json!({
        "apiVersion": api_version,
        "kind": "ExecCredential",
        "status": status,
    });
    let mut out = serde_json::to_string_pretty(&doc)
        .map_err(|e| Error::internal(format!("cannot encode JSON: {e}")))?;
    out.push('\n');
    Ok(out)
}

/// `key=value`, both URL-encoded.
pub fn query_pair(key: &str, value: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair(key, value)
        .finish()
}

/// Quotes `s` for sh: `'…'` with `'` written as `'\''`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Escapes a value for a double-quoted curl config string.
fn curl_escape(s: &str) -> String {
    s.replace('\\', r"\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn view_with<'a>(t: &'a TokenSet, p: &'a Presentation) -> View<'a> {
        View {
            profile: "p",
            provider: "oauth2",
            token: t,
            presentation: p,
            now: 100,
            refresh_margin: None,
        }
    }

    fn token() -> TokenSet {
        let mut t = TokenSet::new(Secret::new("abc'def"), 0);
        t.expires_at = Some(3700);
        t
    }

    #[test]
    fn formats() {
        let t = token();
        let p = Presentation::bearer(&t);
        let v = view_with(&t, &p);
        assert_eq!(render(Format::Raw, &v, true).unwrap(), "abc'def\n");
        assert_eq!(render(Format::Raw, &v, false).unwrap(), "abc'def");
        assert_eq!(
            render(Format::Header, &v, true).unwrap(),
            "Authorization: Bearer abc'def\n"
        );
        assert_eq!(
            render(Format::Env, &v, true).unwrap(),
            "export AUTHTOOL_TOKEN='abc'\\''def'\n"
        );
        assert_eq!(
            render(Format::Curl, &v, true).unwrap(),
            "header = \"Authorization: Bearer abc'def\"\n"
        );
        let j: Value = serde_json::from_str(&render(Format::Json, &v, true).unwrap()).unwrap();
        assert_eq!(j["expires_in"], 3600);
        assert_eq!(j["expires_at"], "1970-01-01T01:01:40Z");
        assert_eq!(j["headers"]["Authorization"], "Bearer abc'def");
        assert!(render(Format::Query, &v, true).is_err());
    }

    #[test]
    fn exec_credential_versions() {
        let t = token();
        let p = Presentation::bearer(&t);
        let v = view_with(&t, &p);
        let render = |info: Option<&str>| {
            exec_credential(&v, info.map(str::to_string))
                .map(|s| serde_json::from_str::<Value>(&s).unwrap())
        };
        let doc = render(None).unwrap();
        assert_eq!(doc["apiVersion"], "client.authentication.k8s.io/v1");
        assert_eq!(doc["kind"], "ExecCredential");
        assert_eq!(doc["status"]["token"], "abc'def");
        // 1 h token: expiry 3700 minus the 5 min margin.
        assert_eq!(doc["status"]["expirationTimestamp"], "1970-01-01T00:56:40Z");
        // A margin as long as the lifetime cannot be honoured: the expiry.
        let long = View {
            refresh_margin: Some(std::time::Duration::from_secs(7200)),
            ..view_with(&t, &p)
        };
        let doc: Value = serde_json::from_str(&exec_credential(&long, None).unwrap()).unwrap();
        assert_eq!(doc["status"]["expirationTimestamp"], "1970-01-01T01:01:40Z");
        let beta = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}"#;
        assert_eq!(
            render(Some(beta)).unwrap()["apiVersion"],
            "client.authentication.k8s.io/v1beta1"
        );
        let alpha = r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#;
        assert_eq!(render(Some(alpha)).unwrap_err().kind, crate::Kind::Config);
        assert_eq!(render(Some("{")).unwrap_err().kind, crate::Kind::Config);
    }

    #[test]
    fn query_presentation() {
        let t = token();
        let p = Presentation {
            headers: vec![],
            query: vec![("token".into(), Secret::new("a b&c"))],
        };
        let v = view_with(&t, &p);
        assert_eq!(render(Format::Query, &v, true).unwrap(), "token=a+b%26c\n");
        assert_eq!(
            render(Format::Curl, &v, true).unwrap(),
            "url-query = \"+token=a+b%26c\"\n"
        );
        let err = render(Format::Header, &v, true).unwrap_err();
        assert_eq!(err.kind, crate::Kind::Config);
        assert!(err.hints[0].contains("--format query"));
    }
}
