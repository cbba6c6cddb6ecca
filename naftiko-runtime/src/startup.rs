//! Start-up: what stops it ([`StartupError`], one line naming the cause, never a secret) and the
//! bound variables read from the environment.

use std::net::SocketAddr;

use crate::error::Error;
use crate::secret::Secret;

/// An error that stops start-up, printed as one line.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A bound variable is not set.
    #[error("environment variable {variable} is not set ({declared})")]
    MissingVariable {
        /// The environment variable.
        variable: &'static str,
        /// What declares it: "bound by `binds[0]`, namespace `env`", or the `in: environment`
        /// parameter that reads it.
        declared: &'static str,
    },
    /// A `binds` file cannot be read.
    #[error(
        "cannot read {path} (bound by `binds[{bind_index}]`, namespace `{namespace}`): {reason}"
    )]
    BindFile {
        /// The file.
        path: String,
        /// The `binds[]` index that declares it.
        bind_index: usize,
        /// The `binds[]` namespace that declares it.
        namespace: &'static str,
        /// Why (never the file's content).
        reason: String,
    },
    /// A `binds` file has no value for a key.
    #[error(
        "{path} has no value for `{key}` (variable {variable}, bound by `binds[{bind_index}]`, namespace `{namespace}`)"
    )]
    MissingKey {
        /// The key in the file.
        key: &'static str,
        /// The variable it feeds.
        variable: &'static str,
        /// The file, as the spec names it.
        path: &'static str,
        /// The `binds[]` index that declares it.
        bind_index: usize,
        /// The `binds[]` namespace that declares it.
        namespace: &'static str,
    },
    /// A command-line value is wrong.
    #[error("{0}")]
    Usage(String),
    /// A client could not be built.
    #[error("{0}")]
    Client(#[from] Error),
    /// A socket could not be bound.
    #[error("cannot listen on {addr} for `{namespace}`: {source}")]
    Bind {
        /// The adapter.
        namespace: &'static str,
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A server stopped with an I/O error.
    #[error("server `{namespace}` failed: {source}")]
    Serve {
        /// The adapter.
        namespace: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Read a bound variable from the environment. Its value is never logged or echoed.
pub fn env_secret(variable: &'static str, declared: &'static str) -> Result<Secret, StartupError> {
    match std::env::var(variable) {
        Ok(value) if !value.is_empty() => Ok(Secret::new(value)),
        _ => Err(StartupError::MissingVariable { variable, declared }),
    }
}
