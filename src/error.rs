//! The error type: a kind (which decides the exit code), a message saying
//! what went wrong, and hints saying what to do next.

use std::fmt;

/// What kind of failure this is. Each kind has one documented exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Unexpected internal error (exit 1).
    Internal,
    /// Usage or configuration error (exit 2).
    Config,
    /// Login required: a secret is missing and cannot be asked for (exit 3).
    LoginRequired,
    /// The secret store is unavailable or locked (exit 4).
    Store,
    /// Network, TLS, timeout, server error or malformed response (exit 5).
    Network,
    /// The provider rejected the credentials (exit 6).
    Rejected,
}

impl Kind {
    /// The process exit code for this kind, as documented in the README.
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Internal => 1,
            Kind::Config => 2,
            Kind::LoginRequired => 3,
            Kind::Store => 4,
            Kind::Network => 5,
            Kind::Rejected => 6,
        }
    }
}

/// An error a user can act on: what was wrong, and hints for what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hints: Vec<String>,
    /// A network error where the request certainly never reached the
    /// server (it could not connect, or TLS failed): nothing it carried, such
    /// as a single-use refresh token, was spent.
    pub unsent: bool,
    /// A few words for a table cell (`status`), where the message and hints
    /// would be a wall of text: "no D-Bus session".
    pub summary: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hints: Vec::new(),
            unsent: false,
            summary: None,
        }
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Kind::Internal, message)
    }
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(Kind::Config, message)
    }
    pub fn login_required(message: impl Into<String>) -> Self {
        Self::new(Kind::LoginRequired, message)
    }
    pub fn store(message: impl Into<String>) -> Self {
        Self::new(Kind::Store, message)
    }
    pub fn network(message: impl Into<String>) -> Self {
        Self::new(Kind::Network, message)
    }
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::new(Kind::Rejected, message)
    }

    /// Adds a "hint:" line telling the user what to do next.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Marks a network error as one whose request never reached the server.
    pub fn unsent(mut self) -> Self {
        self.unsent = true;
        self
    }

    /// Sets the few words a table cell shows instead of the message.
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// Prefixes the message with context ("profile 'x': …").
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::internal(format!("I/O error: {err}"))
    }
}
