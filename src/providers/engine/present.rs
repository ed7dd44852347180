//! How the API takes the token: a header (with a prefix such as
//! `Bearer `), a query parameter, and further fixed headers. Rendered on
//! every call, cached tokens included, so it is kept small: a vendor
//! builds a [`Presentation`] from it without building its spec.

use crate::providers::{Presentation, TokenSet};
use crate::secret::Secret;

/// How the API takes the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Present {
    /// The header carrying the token, and the text before it.
    pub header: Option<(String, String)>,
    /// The query parameter carrying the token.
    pub query: Option<String>,
    /// Further headers, profile values filled in.
    pub headers: Vec<(String, String)>,
}

impl Present {
    /// The headers and query parameters for `token`.
    pub fn apply(&self, token: &TokenSet) -> Presentation {
        let mut p = Presentation::default();
        if let Some((name, prefix)) = &self.header {
            p.headers.push((
                name.clone(),
                Secret::new(format!("{prefix}{}", token.access_token.expose())),
            ));
        }
        for (name, value) in &self.headers {
            p.headers.push((name.clone(), Secret::new(value.clone())));
        }
        if let Some(q) = &self.query {
            p.query.push((q.clone(), token.access_token.clone()));
        }
        p
    }
}

impl Presentation {
    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: &TokenSet) -> Self {
        Presentation {
            headers: vec![(
                "Authorization".to_string(),
                Secret::new(format!("Bearer {}", token.access_token.expose())),
            )],
            query: Vec::new(),
        }
    }

    /// This presentation of a DPoP-bound `token` (RFC 9449 §7.1): the
    /// `Authorization` header becomes `DPoP <token>`, and `DPoP: <proof>`
    /// follows it when there is a proof. Other headers stay.
    pub fn dpop(mut self, token: &TokenSet, proof: Option<Secret>) -> Self {
        let value = Secret::new(format!("DPoP {}", token.access_token.expose()));
        match self
            .headers
            .iter_mut()
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        {
            Some((_, v)) => *v = value,
            None => self.headers.insert(0, ("Authorization".to_string(), value)),
        }
        if let Some(proof) = proof {
            let at = self
                .headers
                .iter()
                .position(|(name, _)| name.eq_ignore_ascii_case("authorization"))
                .map_or(0, |i| i + 1);
            self.headers.insert(at, ("DPoP".to_string(), proof));
        }
        self
    }

    /// `?<name>=<token>`, no header.
    pub fn query(name: &str, token: &TokenSet) -> Self {
        Presentation {
            headers: Vec::new(),
            query: vec![(name.to_string(), token.access_token.clone())],
        }
    }

    /// This presentation with the header `name: value` added.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_string(), Secret::new(value.to_string())));
        self
    }
}
