//! The answer half of a spec: which statuses are success, how a failure
//! or a refusal reads, and where the token, its type, scope, expiry and
//! refresh token are (RFC 6901 JSON pointers) → [`TokenSet`].

use super::errors::{remote_message, rfc6749_error, vendor_error};
use super::time::TimeFormat;
use crate::error::{Error, Result};
use crate::http::Response;
use crate::log::sanitize_remote;
use crate::providers::TokenSet;
use crate::secret::Secret;
use serde::Deserialize;
use serde_json::Value;

/// A string field of the answer.
#[derive(Debug, Clone)]
pub struct Field {
    /// An RFC 6901 JSON pointer (`/data/token`).
    pub pointer: String,
    /// How messages name it.
    pub name: String,
    /// Another type is ignored (else a malformed answer).
    lenient: bool,
    /// `""` is a value (else the same as absent).
    keep_empty: bool,
    /// `null` is another type (else the same as absent).
    null_is_wrong: bool,
}

impl Field {
    /// The field at `pointer`, named by it in messages.
    pub fn at(pointer: &str) -> Field {
        Field::named(pointer, pointer)
    }

    /// The field at `pointer`, called `name` in messages.
    pub fn named(pointer: &str, name: &str) -> Field {
        Field {
            pointer: pointer.to_string(),
            name: name.to_string(),
            lenient: false,
            keep_empty: false,
            null_is_wrong: false,
        }
    }

    /// A value that is not a string is ignored.
    pub fn lenient(mut self) -> Self {
        self.lenient = true;
        self
    }

    /// An empty string is a value, not an absent one.
    pub fn keep_empty(mut self) -> Self {
        self.keep_empty = true;
        self
    }

    /// `null` is not a string (rather than absent).
    pub fn null_is_wrong(mut self) -> Self {
        self.null_is_wrong = true;
        self
    }

    /// The value, absent and `null` alike `None`.
    pub(crate) fn get<'a>(&self, body: &'a Value) -> Option<&'a Value> {
        body.pointer(&self.pointer).filter(|v| !v.is_null())
    }

    fn string(&self, body: &Value, endpoint: &str) -> Result<Option<String>> {
        match body.pointer(&self.pointer) {
            None => Ok(None),
            Some(Value::Null) if !self.null_is_wrong => Ok(None),
            Some(Value::String(s)) if s.is_empty() && !self.keep_empty => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) if self.lenient => Ok(None),
            Some(_) => Err(Error::network(format!(
                "{endpoint} sent `{}` that is not a string",
                self.name
            ))),
        }
    }
}

/// Where an expiry comes from.
#[derive(Debug, Clone)]
pub struct Expiry {
    /// `None`: the token's own `exp` (a JWT).
    pub field: Option<Field>,
    pub format: TimeFormat,
    /// Absent (or `null`): the token's `exp` if it is a JWT, else unknown.
    pub jwt_fallback: bool,
}

impl Expiry {
    /// The JWT's `exp` claim.
    pub fn jwt() -> Expiry {
        Expiry {
            field: None,
            format: TimeFormat::Jwt,
            jwt_fallback: true,
        }
    }

    /// `field` in `format`; when absent, the JWT's `exp` claim.
    pub fn at(field: Field, format: TimeFormat) -> Expiry {
        Expiry {
            field: Some(field),
            format,
            jwt_fallback: true,
        }
    }

    /// `field` in `format`; when absent, unknown.
    pub fn only(field: Field, format: TimeFormat) -> Expiry {
        Expiry {
            jwt_fallback: false,
            ..Expiry::at(field, format)
        }
    }

    /// Unix seconds; `None` when the answer does not say. `token` is the
    /// one whose `exp` is read when the answer holds no time.
    fn read(&self, body: &Value, token: Option<&Secret>, now: u64) -> Result<Option<u64>> {
        let jwt = || match token.map(|t| crate::jwt::expiry(t.expose())) {
            None => Ok(None),
            Some(Ok(exp)) => Ok(exp),
            Some(Err(exp)) => Err(Error::network(format!(
                "the server sent a token whose JWT `exp` claim ({}) is not a valid expiry",
                sanitize_remote(&exp)
            ))),
        };
        let found = self
            .field
            .as_ref()
            .and_then(|f| f.get(body).map(|v| (f, v)));
        match found {
            None if self.jwt_fallback => jwt(),
            None => Ok(None),
            Some(_) if self.format == TimeFormat::Jwt => jwt(),
            Some((field, value)) => self.format.read(&field.name, value, now).map(Some),
        }
    }
}

/// How a failure answer (a status that is not success) reads.
#[derive(Debug, Clone)]
pub enum Failure {
    /// The vendor's message (at this field first, else found by
    /// [`remote_message`]) or an excerpt; 400/401/403 are rejections.
    Vendor { message: Option<Field> },
    /// RFC 6749 §5.2 (`error`, `error_description`).
    Rfc6749,
}

/// A success answer that is a refusal after all.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// The message at this field, when there is one.
    Message(Field),
    /// This field holds anything but `null`, `[]` or `{}`.
    NonEmpty(Field),
    /// No token, but a message.
    MessageWithoutToken,
}

/// What is said of a success answer that is not a JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotObject {
    /// Allowed: the pointers find nothing in it.
    Allowed,
    /// "… answered HTTP 200 with JSON that is not an object".
    WithStatus,
    /// "… answered with JSON that is not an object".
    Plain,
}

/// The JSON type a top-level key must have, checked before anything is
/// read (the first wrong one, in key order, is reported with its key).
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A string or `null`.
    Text,
    /// An object with these keys, or `null`.
    Object(&'static [(&'static str, Shape)]),
}

/// How an answer is read.
#[derive(Debug, Clone)]
pub struct ResponseSpec {
    /// Empty: any 2xx.
    pub success: Vec<u16>,
    pub failure: Failure,
    pub not_object: NotObject,
    pub shape: &'static [(&'static str, Shape)],
    pub refusal: Option<Refusal>,
    pub token: Field,
    /// "… answered HTTP 200 without `x`" (RFC 6749) rather than "… answered
    /// without `x`: not a token response".
    pub missing_with_status: bool,
    pub token_type: Option<Field>,
    pub scope: Option<Field>,
    pub expires: Expiry,
    pub refresh_token: Option<Field>,
    pub refresh_expires: Option<Expiry>,
    /// Read `refresh_expires` even without a refresh token.
    pub refresh_expires_always: bool,
    /// An OpenID Connect ID token.
    pub id_token: Option<Field>,
}

impl ResponseSpec {
    /// Any 2xx is success; the token at `token`, its expiry from the JWT.
    pub fn new(token: Field) -> ResponseSpec {
        ResponseSpec {
            success: Vec::new(),
            failure: Failure::Vendor { message: None },
            not_object: NotObject::Allowed,
            shape: &[],
            refusal: None,
            token,
            missing_with_status: false,
            token_type: None,
            scope: None,
            expires: Expiry::jwt(),
            refresh_token: None,
            refresh_expires: None,
            refresh_expires_always: false,
            id_token: None,
        }
    }

    /// An RFC 6749 §5.1 answer: only 200 is success, failures in the §5.2
    /// form; `token_type` and `scope` are taken only when they are strings;
    /// `expires_in` and `refresh_token_expires_in` are lifetimes in seconds.
    pub fn rfc6749() -> ResponseSpec {
        let field = |name: &str| Field::named(&format!("/{name}"), name);
        ResponseSpec {
            success: vec![200],
            failure: Failure::Rfc6749,
            not_object: NotObject::Plain,
            missing_with_status: true,
            token_type: Some(field("token_type").lenient().keep_empty()),
            scope: Some(field("scope").lenient().keep_empty()),
            expires: Expiry::at(field("expires_in"), TimeFormat::Seconds),
            refresh_token: Some(field("refresh_token")),
            refresh_expires: Some(Expiry::only(
                field("refresh_token_expires_in"),
                TimeFormat::Seconds,
            )),
            refresh_expires_always: true,
            id_token: Some(field("id_token")),
            ..ResponseSpec::new(field("access_token").keep_empty().null_is_wrong())
        }
    }

    fn is_success(&self, status: u16) -> bool {
        if self.success.is_empty() {
            (200..300).contains(&status)
        } else {
            self.success.contains(&status)
        }
    }

    /// Reads `resp`; `endpoint` names the server in messages, `hint` says
    /// what to check when the login is refused.
    pub fn read(&self, resp: &Response, endpoint: &str, now: u64, hint: &str) -> Result<TokenSet> {
        self.read_token(resp, endpoint, now, hint, false)
    }

    /// [`ResponseSpec::read`] for a request that carried a DPoP proof
    /// (`dpop`): then the token must be a `DPoP` one (when the answer has
    /// a `token_type` field), never a bearer token.
    pub fn read_token(
        &self,
        resp: &Response,
        endpoint: &str,
        now: u64,
        hint: &str,
        dpop: bool,
    ) -> Result<TokenSet> {
        if !self.is_success(resp.status) {
            return Err(self.failure(resp, endpoint, hint));
        }
        let body = resp.json(endpoint)?;
        if !body.is_object() {
            let status = match self.not_object {
                NotObject::Allowed => None,
                NotObject::WithStatus => Some(format!(" HTTP {}", resp.status)),
                NotObject::Plain => Some(String::new()),
            };
            if let Some(status) = status {
                return Err(Error::network(format!(
                    "{endpoint} answered{status} with JSON that is not an object"
                )));
            }
        }
        if let Some((key, why)) = wrong_shape(&body, self.shape) {
            return Err(Error::network(format!(
                "{endpoint} answered HTTP {} with an unexpected body: {} (at `{key}`)",
                resp.status,
                sanitize_remote(&why)
            )));
        }
        if let Some(message) = self.refusal(&body, endpoint)? {
            return Err(
                Error::rejected(format!("{endpoint} refused the login: {message}")).hint(hint),
            );
        }
        let token = self.token.string(&body, endpoint)?.ok_or_else(|| {
            let name = &self.token.name;
            Error::network(if self.missing_with_status {
                format!("{endpoint} answered HTTP {} without `{name}`", resp.status)
            } else {
                format!("{endpoint} answered without `{name}`: not a token response")
            })
        })?;
        check_token(&self.token.name, &token)?;
        let mut set = TokenSet::new(Secret::new(token), now);
        let declared = match &self.token_type {
            Some(t) => t.string(&body, endpoint)?.map(|t| token_type(&t)),
            None => None,
        };
        if dpop {
            // RFC 9449 §5: a DPoP-bound token says so; one that does not
            // was not bound to the key, and would be presented wrongly.
            if self.token_type.is_some() && !declared.as_deref().is_some_and(is_dpop) {
                let issued = match &declared {
                    Some(t) => format!("a `{t}` token"),
                    None => "a token without `token_type`".to_string(),
                };
                return Err(Error::network(format!(
                    "{endpoint} issued {issued}, not a DPoP-bound one (`token_type` DPoP), though the profile sets dpop = true"
                ))
                .hint("register the client for DPoP-bound tokens at the server (e.g. dpop_bound_access_tokens), or remove dpop = true from the profile"));
            }
            set.token_type = "DPoP".to_string();
        } else if let Some(t) = declared {
            set.token_type = t;
            if let Some(why) = unpresentable(&set.token_type) {
                let hint = if is_dpop(&set.token_type) {
                    "if the server binds tokens to a key, set dpop = true in the profile (authtool then sends DPoP proofs)"
                } else {
                    "ask the server for Bearer tokens"
                };
                return Err(Error::network(format!(
                    "{endpoint} issued a `{}` token, which authtool cannot present: {why}; only Bearer and DPoP (dpop = true) tokens are supported",
                    set.token_type
                ))
                .hint(hint));
            }
        }
        if let Some(s) = &self.scope {
            set.scope = s.string(&body, endpoint)?.as_deref().map(sanitize_remote);
        }
        set.expires_at = self.expires.read(&body, Some(&set.access_token), now)?;
        if let Some(field) = &self.refresh_token
            && let Some(refresh) = field.string(&body, endpoint)?.filter(|r| !r.is_empty())
        {
            check_token(&field.name, &refresh)?;
            set.refresh_token = Some(Secret::new(refresh));
        }
        if let Some(field) = &self.id_token
            && let Some(id) = field.string(&body, endpoint)?
        {
            check_token(&field.name, &id)?;
            set.id_token = Some(Secret::new(id));
        }
        if let Some(expiry) = &self.refresh_expires
            && (set.refresh_token.is_some() || self.refresh_expires_always)
        {
            set.refresh_expires_at = expiry.read(&body, set.refresh_token.as_ref(), now)?;
        }
        Ok(set)
    }

    fn failure(&self, resp: &Response, endpoint: &str, hint: &str) -> Error {
        match &self.failure {
            Failure::Rfc6749 => rfc6749_error(resp, endpoint),
            Failure::Vendor { message } => {
                let body = serde_json::from_slice::<Value>(&resp.body).ok();
                let message = body.as_ref().and_then(|b| {
                    message
                        .as_ref()
                        .and_then(|f| f.get(b))
                        .and_then(remote_message)
                        .or_else(|| remote_message(b))
                });
                vendor_error(resp, endpoint, hint, message)
            }
        }
    }

    /// Why a success answer is a refusal, if it is one.
    fn refusal(&self, body: &Value, endpoint: &str) -> Result<Option<String>> {
        Ok(match &self.refusal {
            None => None,
            Some(Refusal::Message(field)) => field.get(body).and_then(remote_message),
            Some(Refusal::NonEmpty(field)) => field
                .get(body)
                .filter(|v| says_something(v))
                .map(|v| remote_message(v).unwrap_or_else(|| "(no message)".to_string())),
            Some(Refusal::MessageWithoutToken) => match self.token.string(body, endpoint)? {
                Some(_) => None,
                None => remote_message(body),
            },
        })
    }
}

/// Whether an `errors` value says anything (not null, `[]` or `{}`).
fn says_something(errors: &Value) -> bool {
    match errors {
        Value::Null => false,
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// The first key of `body` (in key order) whose value does not have its
/// [`Shape`], and why, in serde's words.
fn wrong_shape(body: &Value, shape: &[(&str, Shape)]) -> Option<(String, String)> {
    let Value::Object(map) = body else {
        return None;
    };
    map.iter().find_map(|(key, value)| {
        let (_, want) = shape.iter().find(|(k, _)| k == key)?;
        why_not(value, *want).map(|why| (key.clone(), why))
    })
}

fn why_not(value: &Value, shape: Shape) -> Option<String> {
    match (shape, value) {
        (_, Value::Null) => None,
        (Shape::Text, v) => Option::<String>::deserialize(v)
            .err()
            .map(|e| e.to_string()),
        (Shape::Object(fields), Value::Object(map)) => map.iter().find_map(|(key, v)| {
            let (_, want) = fields.iter().find(|(k, _)| k == key)?;
            why_not(v, *want)
        }),
        (Shape::Object(_), _) => Some("expected a JSON object".to_string()),
    }
}

/// Checks a token a server sent: non-empty, printable, no spaces — it
/// ends up in headers, shell variables and git's line protocol.
pub fn check_token(what: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::network(format!("the server sent an empty {what}")));
    }
    if value.len() > 64 * 1024 {
        return Err(Error::network(format!(
            "the server sent a {what} of {} bytes (limit 64 KiB)",
            value.len()
        )));
    }
    if let Some(c) = value
        .chars()
        .find(|&c| c.is_control() || c.is_whitespace() || is_invisible(c))
    {
        return Err(Error::network(format!(
            "the server sent a {what} containing the character {:?}, which cannot be used in a header",
            c.escape_default().to_string()
        )));
    }
    Ok(())
}

/// Bidi controls and zero-width characters: invisible, and able to make a
/// token read as something else on a terminal or in a log.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Why a token of type `token_type` cannot be presented, if it cannot: a
/// proof-of-possession token sent as `Bearer` is refused by the API (or,
/// worse, downgraded). RFC 6749 §7.1: the client must understand the type.
fn unpresentable(token_type: &str) -> Option<&'static str> {
    if is_dpop(token_type) {
        Some("each request needs a DPoP proof signed with the client's key (RFC 9449)")
    } else if token_type.eq_ignore_ascii_case("mac") || token_type.eq_ignore_ascii_case("pop") {
        Some("each request must be signed with the token's key")
    } else {
        None
    }
}

fn is_dpop(token_type: &str) -> bool {
    token_type.eq_ignore_ascii_case("dpop")
}

/// The token type as the server names it; `Bearer` in any case is `Bearer`.
fn token_type(text: &str) -> String {
    if text.eq_ignore_ascii_case("bearer") {
        "Bearer".to_string()
    } else {
        sanitize_remote(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked() {
        assert!(check_token("t", "abc.def-_~+/=").is_ok());
        assert!(check_token("t", "").is_err());
        assert!(check_token("t", "a\nb").is_err());
        assert!(check_token("t", "a b").is_err());
        assert!(check_token("t", "a\0").is_err());
    }

    use crate::providers::test_response as resp;

    /// An RFC 6749 answer as `oauth2` and `pipeline-lbm` read it.
    fn rfc6749(resp: &Response, endpoint: &str, now: u64) -> Result<TokenSet> {
        ResponseSpec::rfc6749().read(resp, endpoint, now, "")
    }

    #[test]
    fn success_with_numeric_and_string_expiry() {
        let t = rfc6749(
            &resp(200, r#"{"access_token":"a","token_type":"bearer","expires_in":3600,"refresh_token":"r"}"#),
            "e",
            1000,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(4600));
        assert_eq!(t.token_type, "Bearer");
        assert_eq!(t.refresh_token.unwrap().expose(), "r");
        let t = rfc6749(
            &resp(200, r#"{"access_token":"a","expires_in":"60"}"#),
            "e",
            0,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(60));
        assert!(t.refresh_token.is_none());
    }

    #[test]
    fn malformed_bodies() {
        for body in [
            "<html>oops</html>",
            "[]",
            r#"{"token_type":"Bearer"}"#,
            r#"{"access_token":5}"#,
            r#"{"access_token":"a b"}"#,
            r#"{"access_token":"a","expires_in":"x"}"#,
            r#"{"access_token":"a","expires_in":-3}"#,
            r#"{"access_token":"a","expires_in":1e300}"#,
        ] {
            let err = rfc6749(&resp(200, body), "e", 0).unwrap_err();
            assert_eq!(err.kind, crate::Kind::Network, "{body}");
        }
    }

    #[test]
    fn rfc6749_errors() {
        let err = rfc6749(
            &resp(
                401,
                r#"{"error":"invalid_client","error_description":"bad \u001b secret"}"#,
            ),
            "https://x/token",
            0,
        )
        .unwrap_err();
        assert_eq!(err.kind, crate::Kind::Rejected);
        assert!(
            err.message.contains("invalid_client (bad   secret)"),
            "{}",
            err.message
        );
        let err = rfc6749(&resp(503, "busy"), "e", 0).unwrap_err();
        assert_eq!(err.kind, crate::Kind::Network);
        let err = rfc6749(&resp(404, "nope"), "e", 0).unwrap_err();
        assert_eq!(err.kind, crate::Kind::Network);
    }
}
