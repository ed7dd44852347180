//! Why a provider's config table did not validate: the error type the
//! providers return and `config` turns into a located message (file,
//! profile, key, line). Low-level on purpose: both `config` and
//! `providers` use it, and neither imports the other for it.

use serde::de::DeserializeOwned;
use std::borrow::Cow;

/// Why a provider's table did not validate.
pub enum FieldError {
    Serde(serde_path_to_error::Error<toml::de::Error>),
    Invalid {
        /// The key, dotted for nested tables (`login.body.scope`).
        key: Option<Cow<'static, str>>,
        message: String,
    },
}

impl FieldError {
    pub fn invalid(key: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        FieldError::Invalid {
            key: Some(key.into()),
            message: message.into(),
        }
    }
}

/// Deserializes a provider's table, keeping the path of a failing key.
pub fn from_table<T: DeserializeOwned>(table: toml::Table) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(FieldError::Serde)
}
