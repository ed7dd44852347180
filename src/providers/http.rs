//! `http`: a vendor described in the config instead of in code.
//!
//! A profile describes the login request (method, URL, headers, HTTP Basic,
//! query parameters, a JSON or form body), how to read the answer (JSON
//! pointers for the token, its expiry, the refresh token and the error
//! message), an optional refresh request, and how the API takes the token:
//!
//! ```toml
//! [profiles.lbm]
//! provider = "http"
//! tenant = "lbmsales"
//! client_id = "my-client"                  # secret: client_secret
//!
//! [profiles.lbm.login]
//! url = "https://sso.example.com/oauth2/token"
//! basic = { user = "{client_id}", password = "{secret:client_secret}" }
//! body_type = "form"
//! body = { grant_type = "client_credentials", scope = "Customer.{tenant}" }
//!
//! [profiles.lbm.response]
//! token = "/access_token"
//! expires = "/expires_in"
//!
//! [profiles.lbm.present]
//! headers = { X-Customer = "{tenant}" }
//! ```
//!
//! Templates take `{client_id}`, `{tenant}`, `{username}`, any name in
//! `vars`, `{secret:NAME}` for the four secrets every provider knows, and
//! `{refresh_token}` in the refresh request; `{{` and `}}` are literal
//! braces. Profile values are filled in when the config is read, so the
//! URLs are known and checked then; secrets only when a request is built.
//! Secrets may go into query parameters, headers, HTTP Basic and the body —
//! never into a URL's host or path, which is shown in messages and logs.
//! The secrets a profile needs are the ones its templates name.

use super::engine::request::Basic;
use super::engine::template::{PROFILE_VALUES, Scope};
use super::engine::{
    BasicEncoding, Body, BodyType, Expiry, Failure, Field, Node, Present, Refusal, RequestSpec,
    ResponseSpec, Spec, Template, TimeFormat,
};
use super::{Presentation, Provider, TokenSet, parse_url};
use crate::fielderr::{FieldError, from_table};
use crate::http::Method;
use crate::secret::SecretName;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use url::Url;

/// Names a `vars` entry may not take.
const RESERVED: [&str; 5] = ["client_id", "tenant", "username", "refresh_token", "secret"];

/// Headers authtool sets itself.
const RESERVED_HEADERS: [&str; 6] = [
    "accept",
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
];

// ---------------------------------------------------------------------------
// The profile keys as written.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    client_id: Option<String>,
    tenant: Option<String>,
    username: Option<String>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    login: Option<RequestWire>,
    refresh: Option<RequestWire>,
    response: Option<ResponseWire>,
    #[serde(default)]
    present: PresentWire,
    /// DPoP-bound tokens (RFC 9449).
    #[serde(default)]
    dpop: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestWire {
    #[serde(default)]
    method: MethodWire,
    url: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    basic: Option<BasicWire>,
    #[serde(default)]
    query: BTreeMap<String, String>,
    body_type: Option<BodyType>,
    body: Option<toml::Table>,
    /// Only in `[refresh]`.
    single_use: Option<bool>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
enum MethodWire {
    #[serde(rename = "GET", alias = "get")]
    Get,
    #[default]
    #[serde(rename = "POST", alias = "post")]
    Post,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BasicWire {
    user: String,
    password: String,
    #[serde(default)]
    encoding: EncodingWire,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum EncodingWire {
    /// base64 of the UTF-8 `user:password` (RFC 7617).
    #[default]
    Raw,
    /// Each half form-urlencoded first (RFC 6749 §2.3.1, OAuth2 clients).
    FormUrlencoded,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseWire {
    token: Option<String>,
    token_type: Option<String>,
    scope: Option<String>,
    expires: Option<String>,
    expires_format: Option<TimeFormat>,
    refresh_token: Option<String>,
    refresh_expires: Option<String>,
    refresh_expires_format: Option<TimeFormat>,
    error: Option<String>,
    success_status: Option<StatusWire>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum StatusWire {
    One(u16),
    Many(Vec<u16>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresentWire {
    header: Option<String>,
    prefix: Option<String>,
    query: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

// ---------------------------------------------------------------------------
// Bodies.

fn parse_node(
    key: &str,
    value: &toml::Value,
    kind: BodyType,
    scope: &Scope,
) -> Result<Node, FieldError> {
    let invalid = |message: &str| FieldError::invalid(key.to_string(), message.to_string());
    let nested = |kind| {
        if kind == BodyType::Form {
            Err(invalid(
                "a form body holds only text, numbers and booleans; nested tables and lists need body_type = \"json\"",
            ))
        } else {
            Ok(())
        }
    };
    Ok(match value {
        toml::Value::String(s) => Node::Text(Template::parse(key, s, scope)?),
        toml::Value::Integer(i) => Node::Number((*i).into()),
        toml::Value::Float(f) => Node::Number(
            serde_json::Number::from_f64(*f).ok_or_else(|| invalid("not a finite number"))?,
        ),
        toml::Value::Boolean(b) => Node::Bool(*b),
        toml::Value::Datetime(_) => {
            return Err(invalid("a TOML date cannot be sent; write it as a string"));
        }
        toml::Value::Array(items) => {
            nested(kind)?;
            Node::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| parse_node(&format!("{key}[{i}]"), v, kind, scope))
                    .collect::<Result<_, _>>()?,
            )
        }
        toml::Value::Table(table) => {
            nested(kind)?;
            Node::Table(parse_fields(key, table, kind, scope)?)
        }
    })
}

fn parse_fields(
    key: &str,
    table: &toml::Table,
    kind: BodyType,
    scope: &Scope,
) -> Result<Vec<(String, Node)>, FieldError> {
    table
        .iter()
        .map(|(name, value)| {
            Ok((
                name.clone(),
                parse_node(&format!("{key}.{name}"), value, kind, scope)?,
            ))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Requests.

const NO_SECRETS_IN_URL: &str = "a URL is shown in messages and logs; send secrets as `query` parameters (redacted in logs), headers, `basic` or in the body";

/// Validates `[profiles.x.<key>]`; `default_url` is the login URL (for
/// the refresh request).
fn parse_request(
    key: &'static str,
    wire: RequestWire,
    values: &BTreeMap<String, String>,
    default_url: Option<&Url>,
) -> Result<RequestSpec, FieldError> {
    let refresh = key == "refresh";
    let at = |sub: &str| format!("{key}.{sub}");
    let scope = Scope {
        values,
        no_secrets: None,
        refresh_token: refresh,
    };
    let url = match (&wire.url, default_url) {
        (Some(text), _) => {
            let url_scope = Scope {
                no_secrets: Some(NO_SECRETS_IN_URL),
                ..scope
            };
            let template = Template::parse(&at("url"), text, &url_scope)?;
            let resolved = template.known().unwrap_or_default();
            parse_url_at(at("url"), &resolved)?
        }
        (None, Some(url)) => url.clone(),
        (None, None) => {
            return Err(FieldError::invalid(
                at("url"),
                format!("set `{key}.url`, the full URL of the token endpoint"),
            ));
        }
    };
    let pairs = |what: &str,
                 map: &BTreeMap<String, String>|
     -> Result<Vec<(String, Template)>, FieldError> {
        map.iter()
            .map(|(name, text)| {
                let k = format!("{key}.{what}.{name}");
                if name.is_empty() {
                    return Err(FieldError::invalid(k, "an empty name"));
                }
                Ok((name.clone(), Template::parse(&k, text, &scope)?))
            })
            .collect()
    };
    let query = pairs("query", &wire.query)?;
    let headers = pairs("headers", &wire.headers)?;
    for (name, template) in &headers {
        let k = at(&format!("headers.{name}"));
        check_header_name(&k, name)?;
        let lower = name.to_ascii_lowercase();
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(FieldError::invalid(
                k,
                format!(
                    "authtool sets `{name}` itself (from `body_type`, or `Accept: application/json`)"
                ),
            ));
        }
        if lower == "authorization" && wire.basic.is_some() {
            return Err(FieldError::invalid(
                k,
                format!(
                    "`basic` already sets the Authorization header; remove one of `{key}.basic` and this header"
                ),
            ));
        }
        if let Some(value) = template.known() {
            check_header_value(&k, &value)?;
        }
    }
    let basic = match wire.basic {
        None => None,
        Some(b) => {
            let user = Template::parse(&at("basic.user"), &b.user, &scope)?;
            let password = Template::parse(&at("basic.password"), &b.password, &scope)?;
            let encoding = match b.encoding {
                EncodingWire::Raw => BasicEncoding::Raw,
                EncodingWire::FormUrlencoded => BasicEncoding::FormUrlencoded,
            };
            if encoding == BasicEncoding::Raw && user.known().is_some_and(|u| u.contains(':')) {
                return Err(FieldError::invalid(
                    at("basic.user"),
                    "the HTTP Basic user may not contain `:` (or set encoding = \"form-urlencoded\")",
                ));
            }
            Some(Basic {
                user,
                password,
                encoding,
            })
        }
    };
    let method = match wire.method {
        MethodWire::Get => Method::Get,
        MethodWire::Post => Method::Post,
    };
    let body = match (wire.body, wire.body_type) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(FieldError::invalid(
                at("body_type"),
                format!("`body_type` without a body: add `{key}.body`, or remove `body_type`"),
            ));
        }
        (Some(_), _) if method == Method::Get => {
            return Err(FieldError::invalid(
                at("body"),
                format!(
                    "a GET request has no body: send these as `{key}.query`, or set method = \"POST\""
                ),
            ));
        }
        (Some(_), None) => {
            return Err(FieldError::invalid(
                at("body_type"),
                "set `body_type = \"json\"` or `body_type = \"form\"` (application/x-www-form-urlencoded)",
            ));
        }
        (Some(table), Some(kind)) => Some(Body {
            kind,
            fields: parse_fields(&at("body"), &table, kind, &scope)?,
        }),
    };
    let mut endpoint = url.clone();
    endpoint.set_query(None);
    let mut spec = RequestSpec::new(method, url);
    spec.endpoint = endpoint.to_string();
    spec.query = query;
    spec.headers = headers;
    spec.basic = basic;
    spec.body = body;
    spec.secrets = spec.secret_order();
    spec.secrets.sort();
    let mut refresh_token = false;
    spec.visit(&mut |t| refresh_token |= t.uses_refresh_token());
    if refresh && !refresh_token {
        return Err(FieldError::invalid(
            key,
            "the refresh request never sends `{refresh_token}`: put it in `refresh.query`, `refresh.headers` or `refresh.body`",
        ));
    }
    match wire.single_use {
        Some(_) if !refresh => Err(FieldError::invalid(
            at("single_use"),
            "`single_use` describes refresh tokens: it belongs in the `refresh` table",
        )),
        _ => Ok(spec),
    }
}

fn parse_url_at(key: String, text: &str) -> Result<Url, FieldError> {
    parse_url("url", text).map_err(|e| match e {
        FieldError::Invalid { message, .. } => FieldError::invalid(key, message),
        other => other,
    })
}

/// An HTTP header name: RFC 9110 token characters.
fn check_header_name(key: &str, name: &str) -> Result<(), FieldError> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(FieldError::invalid(
            key.to_string(),
            format!("`{name}` is not an HTTP header name"),
        ))
    }
}

fn check_header_value(key: &str, value: &str) -> Result<(), FieldError> {
    if value.chars().any(char::is_control) {
        return Err(FieldError::invalid(
            key.to_string(),
            "a header value may not contain line breaks or control characters",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Responses.

/// An RFC 6901 JSON pointer (`/data/token`), named by itself in messages.
fn parse_pointer(key: &str, text: &str) -> Result<Field, FieldError> {
    let bad_escape = text
        .match_indices('~')
        .any(|(i, _)| !matches!(text.as_bytes().get(i + 1), Some(b'0' | b'1')));
    if !text.starts_with('/') || bad_escape {
        return Err(FieldError::invalid(
            key.to_string(),
            format!(
                "`{text}` is not a JSON pointer: write `/` before each name, like \"/access_token\" or \"/data/token\" (`~1` for a `/` inside a name, `~0` for `~`)"
            ),
        ));
    }
    Ok(Field::at(text))
}

/// Where an expiry comes from: a pointer and its format, or the JWT.
fn parse_when(
    key: &'static str,
    pointer: Option<String>,
    format: Option<TimeFormat>,
) -> Result<Option<Expiry>, FieldError> {
    let format_key = match key {
        "response.expires" => "response.expires_format",
        _ => "response.refresh_expires_format",
    };
    match (pointer, format) {
        (None, None) => Ok(None),
        (None, Some(TimeFormat::Jwt)) => Ok(Some(Expiry::jwt())),
        (None, Some(_)) => Err(FieldError::invalid(
            format_key,
            format!("`{format_key}` without `{key}`: set the pointer to the time, or use \"jwt\""),
        )),
        (Some(_), Some(TimeFormat::Jwt)) => Err(FieldError::invalid(
            key,
            format!("{format_key} = \"jwt\" reads the token's own `exp` claim: remove `{key}`"),
        )),
        (Some(p), format) => Ok(Some(Expiry::at(
            parse_pointer(key, &p)?,
            format.unwrap_or(TimeFormat::Seconds),
        ))),
    }
}

/// How the answer is read.
fn parse_response(wire: ResponseWire) -> Result<ResponseSpec, FieldError> {
    let pointer =
        |key: &'static str, v: Option<String>| v.map(|p| parse_pointer(key, &p)).transpose();
    let token = wire.token.ok_or_else(|| {
        FieldError::invalid(
            "response.token",
            "set `response.token`, the JSON pointer to the token in the answer (like \"/access_token\")",
        )
    })?;
    if wire.refresh_token.is_none() && wire.refresh_expires.is_some() {
        return Err(FieldError::invalid(
            "response.refresh_expires",
            "`refresh_expires` without `refresh_token`",
        ));
    }
    let success = match wire.success_status {
        None => Vec::new(),
        Some(StatusWire::One(s)) => vec![s],
        Some(StatusWire::Many(list)) => list,
    };
    if let Some(s) = success.iter().find(|s| !(200..300).contains(*s)) {
        return Err(FieldError::invalid(
            "response.success_status",
            format!("{s} is not a success status (200–299)"),
        ));
    }
    let token = parse_pointer("response.token", &token)?;
    let token_type = pointer("response.token_type", wire.token_type)?;
    let scope = pointer("response.scope", wire.scope)?;
    let expires = parse_when("response.expires", wire.expires, wire.expires_format)?;
    let refresh_token = pointer("response.refresh_token", wire.refresh_token)?;
    let refresh_expires = parse_when(
        "response.refresh_expires",
        wire.refresh_expires,
        wire.refresh_expires_format,
    )?;
    let error = pointer("response.error", wire.error)?;
    Ok(ResponseSpec {
        success,
        failure: Failure::Vendor {
            message: error.clone(),
        },
        token_type,
        scope,
        expires: expires.unwrap_or_else(Expiry::jwt),
        refresh_token,
        refresh_expires,
        refusal: error.map(Refusal::Message),
        ..ResponseSpec::new(token)
    })
}

// ---------------------------------------------------------------------------
// Presentation.

/// How the API takes the token.
fn parse_present(
    wire: PresentWire,
    values: &BTreeMap<String, String>,
) -> Result<Present, FieldError> {
    let header = match (wire.header, &wire.query) {
        (Some(h), _) => Some(h),
        (None, None) => Some("Authorization".to_string()),
        (None, Some(_)) => None,
    };
    if let Some(h) = &header {
        check_header_name("present.header", h)?;
    }
    let prefix = match (&header, wire.prefix) {
        (_, None) => "Bearer ".to_string(),
        (Some(_), Some(p)) => p,
        (None, Some(_)) => {
            return Err(FieldError::invalid(
                "present.prefix",
                "`prefix` without a header: with `query` set, add `header` to send the token in a header too",
            ));
        }
    };
    check_header_value("present.prefix", &prefix)?;
    if let Some(q) = &wire.query
        && q.is_empty()
    {
        return Err(FieldError::invalid(
            "present.query",
            "an empty parameter name",
        ));
    }
    let scope = Scope {
        values,
        no_secrets: Some(
            "`authtool header` prints these headers; only the token and profile values belong there",
        ),
        refresh_token: false,
    };
    let mut headers = Vec::new();
    for (name, text) in &wire.headers {
        let key = format!("present.headers.{name}");
        check_header_name(&key, name)?;
        if header
            .as_ref()
            .is_some_and(|h| h.eq_ignore_ascii_case(name))
        {
            return Err(FieldError::invalid(
                key,
                format!("`{name}` carries the token (`present.header`)"),
            ));
        }
        let value = Template::parse(&key, text, &scope)?
            .known()
            .unwrap_or_default();
        check_header_value(&key, &value)?;
        headers.push((name.clone(), value));
    }
    Ok(Present {
        header: header.map(|h| (h, prefix)),
        query: wire.query,
        headers,
    })
}

// ---------------------------------------------------------------------------
// The provider.

/// A validated `http` profile.
#[derive(Debug, Clone)]
pub struct Declarative {
    /// `client_id`, `tenant`, `username` and `vars`, as set.
    values: BTreeMap<String, String>,
    login: RequestSpec,
    refresh: Option<RequestSpec>,
    single_use_refresh: bool,
    response: ResponseSpec,
    present: Present,
    dpop: bool,
}

impl Declarative {
    pub fn from_table(table: toml::Table) -> Result<Self, FieldError> {
        let wire: Wire = from_table(table)?;
        let mut values = BTreeMap::new();
        for (key, value) in
            PROFILE_VALUES
                .into_iter()
                .zip([wire.client_id, wire.tenant, wire.username])
        {
            match value {
                Some(v) if v.trim().is_empty() => {
                    return Err(FieldError::invalid(key, format!("`{key}` is empty")));
                }
                Some(v) => {
                    values.insert(key.to_string(), v);
                }
                None => {}
            }
        }
        for (name, value) in wire.vars {
            let key = format!("vars.{name}");
            let ok = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'));
            if !ok {
                return Err(FieldError::invalid(
                    key,
                    "a name in `vars` may hold only letters, digits, `_` and `-`",
                ));
            }
            if RESERVED.contains(&name.as_str()) {
                return Err(FieldError::invalid(
                    key,
                    format!(
                        "`{name}` is not available as a var name (set it as a profile key, or choose another name)"
                    ),
                ));
            }
            values.insert(name, value);
        }
        let login = wire.login.ok_or_else(|| {
            FieldError::invalid(
                "login",
                "describe the login request in a `login` table (`[profiles.NAME.login]` with at least `url`)",
            )
        })?;
        let login = parse_request("login", login, &values, None)?;
        let single_use_refresh = wire
            .refresh
            .as_ref()
            .and_then(|r| r.single_use)
            .unwrap_or(false);
        let refresh = wire
            .refresh
            .map(|r| parse_request("refresh", r, &values, Some(&login.url)))
            .transpose()?;
        let response = wire.response.ok_or_else(|| {
            FieldError::invalid(
                "response.token",
                "describe the answer in a `response` table, with `token = \"/pointer/to/the/token\"`",
            )
        })?;
        let response = parse_response(response)?;
        match (&refresh, &response.refresh_token) {
            (Some(_), None) => {
                return Err(FieldError::invalid(
                    "response.refresh_token",
                    "a `refresh` request needs `response.refresh_token`, the pointer to the refresh token in the answer",
                ));
            }
            (None, Some(_)) => {
                return Err(FieldError::invalid(
                    "response.refresh_token",
                    "the refresh token is read but no `refresh` request uses it: describe one in `[profiles.NAME.refresh]`, or remove this key",
                ));
            }
            _ => {}
        }
        let present = parse_present(wire.present, &values)?;
        let in_authorization = present
            .header
            .as_ref()
            .is_some_and(|(name, _)| name.eq_ignore_ascii_case("authorization"));
        if wire.dpop && (!in_authorization || present.query.is_some()) {
            return Err(FieldError::invalid(
                "dpop",
                "a DPoP-bound token is sent as `Authorization: DPoP <token>` with a proof beside it: remove `present.header` and `present.query` (or set present.header = \"Authorization\")",
            ));
        }
        Ok(Declarative {
            dpop: wire.dpop,
            values,
            login,
            refresh,
            single_use_refresh,
            response,
            present,
        })
    }

    /// What to check when a login is refused (`{profile}`: the profile's name).
    fn rejected_hint(&self) -> String {
        let secrets: Vec<&str> = self.secret_names().iter().map(|s| s.key()).collect();
        if secrets.is_empty() {
            "check the login request of profile '{profile}'".to_string()
        } else {
            format!(
                "check the values and secrets of profile '{{profile}}' ({}); `authtool login {{profile}}` stores the secrets",
                secrets.join(", ")
            )
        }
    }
}

impl Provider for Declarative {
    fn id(&self) -> &'static str {
        "http"
    }

    fn secret_names(&self) -> Vec<SecretName> {
        let mut all: BTreeSet<SecretName> = self.login.secrets.iter().copied().collect();
        if let Some(r) = &self.refresh {
            all.extend(r.secrets.iter().copied());
        }
        all.into_iter().collect()
    }

    fn identity(&self) -> Vec<(&'static str, String)> {
        let mut id = vec![("login", self.login.describe())];
        if let Some(r) = &self.refresh {
            id.push(("refresh", r.describe()));
        }
        for (k, v) in &self.values {
            id.push(("value", format!("{k}={v}")));
        }
        if self.dpop {
            id.push(("dpop", "true".to_string()));
        }
        id
    }

    fn dpop(&self) -> bool {
        self.dpop
    }

    fn endpoint(&self) -> String {
        self.login.url.to_string()
    }

    /// The refresh request is sent once (not idempotent): the session
    /// never sends a refresh token whose answer was lost again, and logs in
    /// instead.
    fn spec(&self) -> Spec {
        let mut spec = Spec::new(
            self.login.clone(),
            self.response.clone(),
            self.rejected_hint(),
        );
        spec.refresh = self.refresh.clone();
        spec.single_use_refresh = self.single_use_refresh;
        spec
    }

    fn present(&self, token: &TokenSet) -> Presentation {
        self.present.apply(token)
    }
}

#[cfg(test)]
mod tests;
