//! Templates: strings with placeholders for secrets and the refresh
//! token, filled in when a request is built, and request bodies made of
//! them. A vendor builds them in code ([`Template::literal`],
//! [`Template::secret`], [`Template::refresh_token`]); `provider = "http"`
//! parses them from the config (`Template::parse`): `{name}` for a
//! profile value (filled in at once), `{secret:NAME}`, `{refresh_token}`,
//! `{{` and `}}` for literal braces.

use crate::fielderr::FieldError;
use crate::secret::{Secret, SecretName};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;

/// Profile values every description may use besides `vars`.
pub(crate) const PROFILE_VALUES: [&str; 3] = ["client_id", "tenant", "username"];

/// A string with placeholders, profile values already filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// As written, for the identity (it names secrets, never holds them).
    pub(crate) text: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Secret(SecretName),
    RefreshToken,
    SignedAssertion,
}

/// What a template at some key may name.
pub(crate) struct Scope<'a> {
    pub(crate) values: &'a BTreeMap<String, String>,
    /// Why secrets may not appear here (`None`: they may).
    pub(crate) no_secrets: Option<&'static str>,
    pub(crate) refresh_token: bool,
}

impl Template {
    /// Text sent as it is (no placeholders).
    pub fn literal(text: impl Into<String>) -> Template {
        let text = text.into();
        let parts = if text.is_empty() {
            Vec::new()
        } else {
            vec![Part::Text(text.clone())]
        };
        Template { text, parts }
    }

    /// One of the profile's secrets.
    pub fn secret(name: SecretName) -> Template {
        Template {
            text: format!("{{secret:{}}}", name.key()),
            parts: vec![Part::Secret(name)],
        }
    }

    /// The refresh token being redeemed (refresh requests only).
    pub fn refresh_token() -> Template {
        Template {
            text: "{refresh_token}".to_string(),
            parts: vec![Part::RefreshToken],
        }
    }

    /// The client assertion signed for this request (`private_key_jwt`;
    /// the request must carry a [`super::request::Assertion`]).
    pub fn signed_assertion() -> Template {
        Template {
            text: "{signed_assertion}".to_string(),
            parts: vec![Part::SignedAssertion],
        }
    }

    /// Parses `text` written at the config `key`, with what `scope` allows.
    pub(crate) fn parse(key: &str, text: &str, scope: &Scope) -> Result<Template, FieldError> {
        let invalid = |message: String| FieldError::invalid(key.to_string(), message);
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(['{', '}']) {
            literal.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let brace = &rest[i..=i];
            if after.starts_with(brace) {
                literal.push_str(brace);
                rest = &after[1..];
                continue;
            }
            if brace == "}" {
                return Err(invalid(format!(
                    "`{text}`: a `}}` without its `{{` (write `}}}}` for a literal `}}`)"
                )));
            }
            let Some(end) = after.find('}') else {
                return Err(invalid(format!(
                    "`{text}`: a `{{` without its `}}` (write `{{{{` for a literal `{{`)"
                )));
            };
            let name = &after[..end];
            rest = &after[end + 1..];
            let part = resolve(name, scope).map_err(|why| invalid(format!("`{text}`: {why}")))?;
            match part {
                Part::Text(value) => literal.push_str(&value),
                other => {
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(other);
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template {
            text: text.to_string(),
            parts,
        })
    }

    pub(crate) fn secrets(&self) -> impl Iterator<Item = SecretName> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Secret(name) => Some(*name),
            _ => None,
        })
    }

    pub(crate) fn uses_refresh_token(&self) -> bool {
        self.parts.contains(&Part::RefreshToken)
    }

    /// The text when it names no secret: known once the config is read.
    pub(crate) fn known(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn render(&self, inputs: &Inputs) -> Secret {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Secret(name) => {
                    out.push_str(inputs.secrets.get(name).map_or("", Secret::expose))
                }
                Part::RefreshToken => out.push_str(inputs.refresh_token.map_or("", Secret::expose)),
                Part::SignedAssertion => {
                    out.push_str(inputs.assertion.as_ref().map_or("", Secret::expose))
                }
            }
        }
        Secret::new(out)
    }
}

/// What `{name}` stands for.
fn resolve(name: &str, scope: &Scope) -> Result<Part, String> {
    if let Some(secret) = name.strip_prefix("secret:") {
        let secret = SecretName::ALL
            .into_iter()
            .find(|s| s.key() == secret)
            .ok_or_else(|| {
                format!(
                    "unknown secret `{{{name}}}`; the secrets are {}",
                    SecretName::ALL
                        .iter()
                        .map(|s| format!("`{{secret:{}}}`", s.key()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        return match scope.no_secrets {
            None => Ok(Part::Secret(secret)),
            Some(why) => Err(format!(
                "a secret (`{{{name}}}`) cannot be used here: {why}"
            )),
        };
    }
    if name == "refresh_token" {
        return match (scope.refresh_token, scope.no_secrets) {
            (true, None) => Ok(Part::RefreshToken),
            (true, Some(why)) => Err(format!("the refresh token cannot be used here: {why}")),
            (false, _) => Err("`{refresh_token}` is only known in the refresh request".into()),
        };
    }
    if let Some(value) = scope.values.get(name) {
        return Ok(Part::Text(value.clone()));
    }
    let mut known: Vec<String> = scope.values.keys().map(|k| format!("`{{{k}}}`")).collect();
    known.push("`{secret:NAME}`".into());
    if scope.refresh_token {
        known.push("`{refresh_token}`".into());
    }
    let hint = if PROFILE_VALUES.contains(&name) {
        format!(" (set `{name}` in the profile)")
    } else {
        " (add it to `vars`; write `{{` for a literal `{`)".to_string()
    };
    Err(format!(
        "unknown placeholder `{{{name}}}`{hint}; known here: {}",
        known.join(", ")
    ))
}

/// The secrets of one request, resolved, and the refresh token.
pub(crate) struct Inputs<'a> {
    pub(crate) secrets: BTreeMap<SecretName, Secret>,
    pub(crate) refresh_token: Option<&'a Secret>,
    /// The client assertion signed for this request.
    pub(crate) assertion: Option<Secret>,
}

/// Test helper: these secrets and this refresh token.
#[cfg(test)]
impl<'a> Inputs<'a> {
    pub(crate) fn for_test(
        secrets: &[(SecretName, &str)],
        refresh_token: Option<&'a Secret>,
    ) -> Self {
        Inputs {
            secrets: secrets.iter().map(|(n, v)| (*n, Secret::new(*v))).collect(),
            refresh_token,
            assertion: None,
        }
    }
}

// ---------------------------------------------------------------------------
// Bodies.

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyType {
    Json,
    Form,
}

/// A body value: templates at the leaves.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(Template),
    Number(serde_json::Number),
    Bool(bool),
    List(Vec<Node>),
    Table(Vec<(String, Node)>),
}

impl Node {
    pub(crate) fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Template)) {
        match self {
            Node::Text(t) => f(t),
            Node::List(items) => items.iter().for_each(|n| n.visit(f)),
            Node::Table(fields) => fields.iter().for_each(|(_, n)| n.visit(f)),
            Node::Number(_) | Node::Bool(_) => {}
        }
    }

    /// A form field's text.
    fn form_value(&self, inputs: &Inputs) -> Secret {
        match self {
            Node::Text(t) => t.render(inputs),
            Node::Number(n) => Secret::new(n.to_string()),
            Node::Bool(b) => Secret::new(b.to_string()),
            // Refused when the config is read.
            Node::List(_) | Node::Table(_) => Secret::default(),
        }
    }
}

/// A node serialized with its templates rendered (`Some` inputs) or as
/// written (`None`, for the identity).
struct Rendered<'a> {
    node: &'a Node,
    inputs: Option<&'a Inputs<'a>>,
}

impl Serialize for Rendered<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let inputs = self.inputs;
        match self.node {
            Node::Text(t) => match inputs {
                Some(inputs) => t.render(inputs).serialize(s),
                None => s.serialize_str(&t.text),
            },
            Node::Number(n) => n.serialize(s),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for node in items {
                    seq.serialize_element(&Rendered { node, inputs })?;
                }
                seq.end()
            }
            Node::Table(fields) => serialize_fields(fields, inputs, s),
        }
    }
}

fn serialize_fields<S: Serializer>(
    fields: &[(String, Node)],
    inputs: Option<&Inputs>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(fields.len()))?;
    for (name, node) in fields {
        map.serialize_entry(name, &Rendered { node, inputs })?;
    }
    map.end()
}

/// The body fields as one JSON object.
struct Fields<'a> {
    fields: &'a [(String, Node)],
    inputs: Option<&'a Inputs<'a>>,
}

impl Serialize for Fields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize_fields(self.fields, self.inputs, s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub kind: BodyType,
    pub fields: Vec<(String, Node)>,
}

impl Body {
    pub(crate) fn render(&self, inputs: &Inputs) -> crate::Result<(&'static str, Secret)> {
        match self.kind {
            BodyType::Json => {
                let text = serde_json::to_string(&Fields {
                    fields: &self.fields,
                    inputs: Some(inputs),
                })
                .map_err(|e| {
                    crate::Error::internal(format!("cannot encode a JSON request: {e}"))
                })?;
                Ok(("application/json", Secret::new(text)))
            }
            BodyType::Form => {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                for (name, node) in &self.fields {
                    form.append_pair(name, node.form_value(inputs).expose());
                }
                Ok((
                    "application/x-www-form-urlencoded",
                    Secret::new(form.finish()),
                ))
            }
        }
    }

    pub(crate) fn describe(&self) -> String {
        let fields = serde_json::to_string(&Fields {
            fields: &self.fields,
            inputs: None,
        })
        .unwrap_or_default();
        format!("{:?}:{fields}", self.kind)
    }
}

impl Body {
    /// An `application/json` object of `fields`, in this order.
    pub fn json(fields: Vec<(&str, Node)>) -> Body {
        Body::of(BodyType::Json, fields)
    }

    /// An `application/x-www-form-urlencoded` body of `fields`, in this order.
    pub fn form(fields: Vec<(&str, Node)>) -> Body {
        Body::of(BodyType::Form, fields)
    }

    fn of(kind: BodyType, fields: Vec<(&str, Node)>) -> Body {
        Body {
            kind,
            fields: fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }
    }
}

impl From<Template> for Node {
    fn from(t: Template) -> Node {
        Node::Text(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs<'a>(secrets: &[(SecretName, &str)], rt: Option<&'a Secret>) -> Inputs<'a> {
        Inputs::for_test(secrets, rt)
    }

    #[test]
    fn templates() {
        let values: BTreeMap<String, String> = [("tenant".to_string(), "acme".to_string())].into();
        let scope = Scope {
            values: &values,
            no_secrets: None,
            refresh_token: true,
        };
        let t = |s: &str| Template::parse("k", s, &scope);
        let rendered = |s: &str| {
            let rt = Secret::new("RT");
            t(s).ok()
                .unwrap()
                .render(&inputs(&[(SecretName::Password, "pw")], Some(&rt)))
                .expose()
                .to_string()
        };
        assert_eq!(rendered("a{tenant}b"), "aacmeb");
        assert_eq!(rendered("{{tenant}} {tenant}"), "{tenant} acme");
        assert_eq!(rendered("x}}y"), "x}y");
        assert_eq!(rendered("{secret:password}:{refresh_token}"), "pw:RT");
        let known = t("A.{tenant}").ok().unwrap();
        assert_eq!(known.known().as_deref(), Some("A.acme"));
        assert_eq!(t("{secret:api_key}").ok().unwrap().known(), None);
        assert_eq!(
            t("{secret:api_key}{secret:password}")
                .ok()
                .unwrap()
                .secrets()
                .collect::<Vec<_>>(),
            [SecretName::ApiKey, SecretName::Password]
        );
        let message = |s: &str| match t(s) {
            Err(FieldError::Invalid { key, message }) => {
                assert_eq!(key.as_deref(), Some("k"));
                message
            }
            _ => panic!("accepted: {s}"),
        };
        assert!(message("{client_id}").contains("set `client_id` in the profile"));
        assert!(message("{region}").contains("add it to `vars`"));
        assert!(message("{secret:token}").contains("`{secret:client_secret}`"));
        assert!(message("{tenant").contains("without its `}`"));
        assert!(message("a}b").contains("without its `{`"));
        assert!(message("{ \"json\": 1 }").contains("unknown placeholder"));
    }

    #[test]
    fn templates_built_in_code() {
        let rt = Secret::new("RT");
        let i = inputs(&[(SecretName::ApiKey, "k")], Some(&rt));
        let literal = Template::literal("{tenant}");
        assert_eq!(literal.render(&i).expose(), "{tenant}");
        assert_eq!(literal.known().as_deref(), Some("{tenant}"));
        assert_eq!(Template::literal("").known().as_deref(), Some(""));
        let secret = Template::secret(SecretName::ApiKey);
        assert_eq!(secret.render(&i).expose(), "k");
        assert_eq!(secret.text, "{secret:api_key}");
        assert_eq!(secret.secrets().collect::<Vec<_>>(), [SecretName::ApiKey]);
        let refresh = Template::refresh_token();
        assert!(refresh.uses_refresh_token());
        assert_eq!(refresh.render(&i).expose(), "RT");
    }
}
