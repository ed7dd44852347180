//! A string whose `Debug` is redacted and which is wiped when dropped.
//!
//! Every secret (client secrets, passwords, API keys, access and refresh
//! tokens) is held in a [`Secret`] from the moment it is read, including
//! inside the wire structs, so a derived `Debug` can never print one.
//! Getting at the value is an explicit, greppable call: [`Secret::expose`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value. Every use is a place where a secret leaves its box.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Overwrite the bytes before the allocation is released. Writing
        // zeros keeps the String valid UTF-8; volatile stops the compiler
        // from eliding the "dead" stores.
        let bytes = unsafe { self.0.as_mut_vec() };
        for b in bytes.iter_mut() {
            unsafe { std::ptr::write_volatile(b, 0) };
        }
        std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// A secret a provider may need. Each is configured by `NAME`, `NAME_env`,
/// `NAME_command` or `NAME_file`, or else read from the secret store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecretName {
    ClientSecret,
    Password,
    ApiKey,
    SecretKey,
    /// A PEM private key (`client_auth = "private_key_jwt"`).
    PrivateKey,
    /// An assertion issued elsewhere (`client_auth = "client_assertion"`).
    ClientAssertion,
}

impl SecretName {
    pub const ALL: [SecretName; 6] = [
        SecretName::ClientSecret,
        SecretName::Password,
        SecretName::ApiKey,
        SecretName::SecretKey,
        SecretName::PrivateKey,
        SecretName::ClientAssertion,
    ];

    /// The config key (and the store entry's suffix).
    pub fn key(self) -> &'static str {
        match self {
            SecretName::ClientSecret => "client_secret",
            SecretName::Password => "password",
            SecretName::ApiKey => "api_key",
            SecretName::SecretKey => "secret_key",
            SecretName::PrivateKey => "private_key",
            SecretName::ClientAssertion => "client_assertion",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Wire {
            password: Secret,
        }
        let w = Wire {
            password: Secret::new("hunter2"),
        };
        assert!(!format!("{w:?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn serde_is_transparent() {
        let s: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(s.expose(), "abc");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"abc\"");
    }
}
