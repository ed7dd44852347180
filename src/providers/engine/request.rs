//! The request half of a spec: method, URL, query, headers, HTTP Basic
//! (raw, or RFC 6749 §2.3.1 form-urlencoded), a JSON or form body; built
//! with the secrets and sent through [`crate::http`].

use super::template::{Body, Inputs, Template};
use crate::dpop::Prover;
use crate::error::{Error, Result};
use crate::http::{Method, Request, Response};
use crate::providers::Ctx;
use crate::secret::{Secret, SecretName};
use std::collections::BTreeMap;
use url::Url;

/// How `user:password` is encoded for HTTP Basic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasicEncoding {
    /// RFC 6749 §2.3.1: each half form-urlencoded, then base64.
    FormUrlencoded,
    /// The raw UTF-8 `user:password` (RFC 7617), as most vendors document it.
    Raw,
}

/// HTTP Basic credentials.
#[derive(Debug, Clone)]
pub struct Basic {
    pub user: Template,
    pub password: Template,
    pub encoding: BasicEncoding,
}

/// A client assertion signed for each request with the profile's
/// `private_key` (RFC 7523 §2.2): what [`Template::signed_assertion`]
/// stands for.
#[derive(Debug, Clone)]
pub struct Assertion {
    pub client_id: String,
    /// The `aud` claim: the token endpoint.
    pub audience: String,
    /// The `kid` header.
    pub key_id: Option<String>,
    /// `None`: the key's default (RS256, ES256, EdDSA).
    pub alg: Option<jsonwebtoken::Algorithm>,
}

impl Assertion {
    /// Signs a fresh assertion with `key` (a PEM private key). A key that
    /// cannot sign is a config error naming the profile and the key.
    fn sign(&self, profile: &str, key: &Secret) -> Result<Secret> {
        let unusable = |why: String| {
            Error::config(format!(
                "profile '{profile}': the `private_key` cannot be used: {why}"
            ))
            .hint("give a PEM private key (RSA, P-256 or Ed25519; PKCS#8 `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`) through `private_key_file`, `private_key_env`, `private_key_command` or `authtool login`")
        };
        let signing = crate::jose::SigningKey::from_pem(key.expose()).map_err(unusable)?;
        let alg = signing.alg(self.alg).map_err(|why| {
            Error::config(format!(
                "profile '{profile}': `signing_alg` does not fit the `private_key`: {why}"
            ))
            .hint("remove `signing_alg` to use the key's default, or give a key of that type")
        })?;
        crate::jose::client_assertion(
            &signing,
            alg,
            self.key_id.as_deref(),
            &self.client_id,
            &self.audience,
            crate::timefmt::now(),
        )
        .map_err(unusable)
    }
}

/// A check run on a secret as soon as it is read, before the next one is
/// (a vendor's rule on its shape, with its own message).
pub type SecretCheck = fn(&Secret) -> Result<()>;

/// One request: what to send and where.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub method: Method,
    /// No secrets: the URL is shown in messages and logs.
    pub url: Url,
    /// The endpoint named in messages (default: the URL).
    pub endpoint: String,
    pub query: Vec<(String, Template)>,
    pub headers: Vec<(String, Template)>,
    pub basic: Option<Basic>,
    pub body: Option<Body>,
    /// Secrets read before the others the templates name, in this order.
    pub secrets: Vec<SecretName>,
    /// Run on one secret right after it is read.
    pub secret_check: Option<(SecretName, SecretCheck)>,
    /// Signed with [`SecretName::PrivateKey`] for each request.
    pub assertion: Option<Assertion>,
}

impl RequestSpec {
    pub fn new(method: Method, url: Url) -> RequestSpec {
        RequestSpec {
            method,
            endpoint: crate::http::redact_url(&url),
            url,
            query: Vec::new(),
            headers: Vec::new(),
            basic: None,
            body: None,
            secrets: Vec::new(),
            secret_check: None,
            assertion: None,
        }
    }

    /// Signs a client assertion for each request (see [`Assertion`]).
    pub fn assertion(mut self, assertion: Assertion) -> Self {
        self.assertion = Some(assertion);
        self
    }

    /// A `POST` to `url`.
    pub fn post(url: Url) -> RequestSpec {
        RequestSpec::new(Method::Post, url)
    }

    /// A query parameter, after those already there.
    pub fn query(mut self, name: &str, value: Template) -> Self {
        self.query.push((name.to_string(), value));
        self
    }

    pub fn basic(mut self, user: Template, password: Template, encoding: BasicEncoding) -> Self {
        self.basic = Some(Basic {
            user,
            password,
            encoding,
        });
        self
    }

    pub fn body(mut self, body: Body) -> Self {
        self.body = Some(body);
        self
    }

    /// Reads these secrets before the others (a vendor's order).
    pub fn secrets_first(mut self, names: &[SecretName]) -> Self {
        self.secrets = names.to_vec();
        self
    }

    /// Every secret the request needs, in the order they are read:
    /// [`RequestSpec::secrets`] first, then the others the templates name,
    /// in request order.
    pub fn secret_order(&self) -> Vec<SecretName> {
        let mut names = self.secrets.clone();
        if self.assertion.is_some() && !names.contains(&SecretName::PrivateKey) {
            names.push(SecretName::PrivateKey);
        }
        self.visit(&mut |t| {
            for name in t.secrets() {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        });
        names
    }

    /// Every template, in request order (query, headers, basic, body).
    pub(crate) fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Template)) {
        for (_, t) in self.query.iter().chain(&self.headers) {
            f(t);
        }
        if let Some(b) = &self.basic {
            f(&b.user);
            f(&b.password);
        }
        if let Some(body) = &self.body {
            for (_, node) in &body.fields {
                node.visit(f);
            }
        }
    }

    /// Method, URL and every template as written: part of the identity of
    /// `provider = "http"` profiles.
    pub(crate) fn describe(&self) -> String {
        let mut out = format!("{} {}", self.method.as_str(), self.url);
        for (what, pairs) in [("query", &self.query), ("header", &self.headers)] {
            for (name, t) in pairs {
                out.push_str(&format!(" {what}:{name}={}", t.text));
            }
        }
        if let Some(b) = &self.basic {
            out.push_str(&format!(
                " basic:{:?}:{}:{}",
                b.encoding, b.user.text, b.password.text
            ));
        }
        if let Some(body) = &self.body {
            out.push_str(&format!(" body:{}", body.describe()));
        }
        out
    }

    /// Builds and sends the request. A refresh (`refresh_token` set) is
    /// sent once: the token may be spent even when its answer is lost.
    /// Returns the answer and the masks of the secrets sent (an error is
    /// already masked).
    pub(crate) fn send(
        &self,
        ctx: &Ctx,
        refresh_token: Option<&Secret>,
    ) -> Result<(Response, Masks)> {
        let mut inputs = Inputs {
            secrets: BTreeMap::new(),
            refresh_token,
            assertion: None,
        };
        for name in self.secret_order() {
            let value = ctx.secret(name)?;
            if let Some((checked, check)) = &self.secret_check
                && *checked == name
            {
                check(&value)?;
            }
            inputs.secrets.insert(name, value);
        }
        if let Some(assertion) = &self.assertion {
            let key = inputs
                .secrets
                .get(&SecretName::PrivateKey)
                .cloned()
                .unwrap_or_default();
            inputs.assertion = Some(assertion.sign(ctx.profile_name, &key)?);
        }
        let mut masks = Masks::default();
        for value in inputs
            .secrets
            .values()
            .chain(refresh_token)
            .chain(inputs.assertion.as_ref())
        {
            masks.secret(value.expose());
        }
        let mut url = self.url.clone();
        if !self.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, t) in &self.query {
                pairs.append_pair(name, t.render(&inputs).expose());
            }
        }
        let mut req = Request::new(self.method, url);
        req.idempotent = refresh_token.is_none();
        for (name, t) in &self.headers {
            let value = t.render(&inputs);
            if value.expose().chars().any(char::is_control) {
                return Err(Error::config(format!(
                    "profile '{}': the header `{name}` would contain a line break or control character (from a secret)",
                    ctx.profile_name
                ))
                .hint("check the secrets this header uses"));
            }
            req = req.header(name.clone(), value);
        }
        if let Some(b) = &self.basic {
            let (user, password) = (b.user.render(&inputs), b.password.render(&inputs));
            let (user, password) = match b.encoding {
                BasicEncoding::Raw if user.expose().contains(':') => {
                    return Err(Error::config(format!(
                        "profile '{}': the HTTP Basic user name contains `:`, which HTTP Basic cannot carry",
                        ctx.profile_name
                    ))
                    .hint("check the secret used as the user name, or set encoding = \"form-urlencoded\""));
                }
                BasicEncoding::Raw => (user, password),
                BasicEncoding::FormUrlencoded => (form_encode(&user), form_encode(&password)),
            };
            masks.basic(user.expose(), password.expose());
            req = req.basic(user.expose(), password.expose());
        }
        if let Some(body) = &self.body {
            req.body = Some(body.render(&inputs)?);
        }
        let sent = match ctx.dpop {
            None => ctx.http.send(&req),
            Some(prover) => self.send_with_proof(ctx, prover, req),
        };
        match sent {
            Ok(resp) => Ok((resp, masks)),
            Err(e) => Err(masks.error(e)),
        }
    }

    /// Sends `req` with a DPoP proof, keeping the server's `DPoP-Nonce`.
    /// A server that demands a nonce (`use_dpop_nonce`, RFC 9449 §8) gets
    /// the request once more, with a new proof carrying it.
    fn send_with_proof(&self, ctx: &Ctx, prover: &Prover, mut req: Request) -> Result<Response> {
        let htm = self.method.as_str();
        req.headers
            .push(("DPoP".to_string(), prover.proof(htm, &req.url)?));
        let resp = ctx.http.send(&req)?;
        let new_nonce = resp
            .dpop_nonce
            .as_deref()
            .is_some_and(|n| prover.saw_nonce(n));
        if !(new_nonce && asks_for_nonce(&resp)) {
            return Ok(resp);
        }
        crate::debug!(
            "profile '{}': {} asks for a DPoP nonce; sending the request once more with it",
            ctx.profile_name,
            self.endpoint
        );
        req.headers.pop();
        req.headers
            .push(("DPoP".to_string(), prover.proof(htm, &req.url)?));
        let resp = ctx.http.send(&req)?;
        if let Some(nonce) = resp.dpop_nonce.as_deref() {
            prover.saw_nonce(nonce);
        }
        Ok(resp)
    }
}

/// An RFC 9449 §8 answer: 400 with `{"error":"use_dpop_nonce"}`.
fn asks_for_nonce(resp: &Response) -> bool {
    resp.status == 400
        && serde_json::from_slice::<serde_json::Value>(&resp.body)
            .is_ok_and(|v| v.get("error").and_then(|e| e.as_str()) == Some("use_dpop_nonce"))
}

/// The secrets a request carried, in each form a server may echo them
/// (raw, form-urlencoded, percent-encoded, JSON-escaped, base64, and the
/// HTTP Basic credentials as sent): masked as `***` in anything from the
/// server that authtool shows.
#[derive(Debug, Default)]
pub(crate) struct Masks {
    forms: Vec<String>,
}

impl Masks {
    /// Masks `value` in all its forms. A value shorter than
    /// [`MIN_MASKED`] is left alone: it is no real secret, and masking it
    /// would garble ordinary words of the server's message.
    pub(crate) fn secret(&mut self, value: &str) {
        use base64::Engine as _;
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        if value.len() < MIN_MASKED {
            return;
        }
        let form: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let percent = utf8_percent_encode(value, NON_ALPHANUMERIC).to_string();
        let json = serde_json::to_string(value).unwrap_or_default();
        let json = json.trim_matches('"').to_string();
        let b64 = base64::engine::general_purpose::STANDARD.encode(value.as_bytes());
        for f in [
            lower_hex(&form),
            lower_hex(&percent),
            form,
            percent,
            json,
            b64,
        ] {
            self.add(f);
        }
        self.add(value.to_string());
    }

    /// Masks the HTTP Basic credentials `user:password` (base64) as sent.
    pub(crate) fn basic(&mut self, user: &str, password: &str) {
        use base64::Engine as _;
        self.add(base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")));
    }

    fn add(&mut self, form: String) {
        if !form.is_empty() && !self.forms.contains(&form) {
            self.forms.push(form);
            // Longest first, so no form leaves a piece of a longer one.
            self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        }
    }

    /// `text` with every form replaced by `***`, and a form cut off at the
    /// end of `text` (an excerpt) too.
    pub(crate) fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), "***");
            }
        }
        // An excerpt may end in `…`.
        let ellipsis = out.ends_with('…');
        if ellipsis {
            out.pop();
        }
        for form in &self.forms {
            let cut = (4..form.len())
                .rev()
                .filter(|&k| form.is_char_boundary(k))
                .find(|&k| out.ends_with(&form[..k]));
            if let Some(k) = cut {
                out.truncate(out.len() - k);
                out.push_str("***");
            }
        }
        if ellipsis {
            out.push('…');
        }
        out
    }

    /// `err` with every form masked in its message, hints and summary.
    pub(crate) fn error(&self, mut err: Error) -> Error {
        err.message = self.apply(&err.message);
        for hint in &mut err.hints {
            *hint = self.apply(hint);
        }
        if let Some(summary) = &mut err.summary {
            *summary = self.apply(summary);
        }
        err
    }
}

/// The shortest secret [`Masks`] looks for, in bytes.
const MIN_MASKED: usize = 6;

/// `text` with the hex digits of its percent-escapes in lower case.
fn lower_hex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_percent = 0;
    for c in text.chars() {
        if after_percent > 0 {
            out.push(c.to_ascii_lowercase());
            after_percent -= 1;
        } else {
            out.push(c);
        }
        if c == '%' {
            after_percent = 2;
        }
    }
    out
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &Secret) -> Secret {
    Secret::new(url::form_urlencoded::byte_serialize(value.expose().as_bytes()).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_form() {
        let mut masks = Masks::default();
        masks.secret("s3cr:t é+/\"x");
        masks.basic("client", "pw");
        for shown in [
            "got s3cr:t é+/\"x here",
            "client_secret=s3cr%3At+%C3%A9%2B%2F%22x&",
            "client_secret=s3cr%3at+%c3%a9%2b%2f%22x&",
            "p=s3cr%3At%20%C3%A9%2B%2F%22x",
            "{\"client_secret\":\"s3cr:t é+/\\\"x\"}",
            "Authorization: Basic Y2xpZW50OnB3",
            "the excerpt ends in client_secret=s3cr%3At+%C3",
            "a long message ends in s3cr:t…",
        ] {
            let masked = masks.apply(shown);
            assert!(masked.contains("***"), "{shown} -> {masked}");
            assert!(!masked.contains("s3cr"), "{shown} -> {masked}");
            assert!(!masked.contains("Y2xpZW50OnB3"), "{shown} -> {masked}");
        }
        assert_eq!(masks.apply("nothing secret"), "nothing secret");
        // Too short to be a secret: ordinary words stay readable.
        let mut short = Masks::default();
        short.secret("wrong");
        assert_eq!(short.apply("a wrong secret"), "a wrong secret");
    }

    #[test]
    fn basic_is_form_encoded() {
        assert_eq!(
            form_encode(&Secret::new("a:b c+%é")).expose(),
            "a%3Ab+c%2B%25%C3%A9"
        );
    }
}
