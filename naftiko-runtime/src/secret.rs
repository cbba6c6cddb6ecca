//! Secrets (bound values: API keys, tokens, passwords) and the credential headers made of them.
//! A secret never shows in `Debug` output, and every header made of one is marked sensitive so
//! that no log line carries it.

use std::fmt;

use base64::Engine as _;
use http::HeaderValue;

use crate::error::Error;

/// A secret value (an API key, a token). It never appears in `Debug` or `Display` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself — only for putting it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// An `Authorization: Bearer …` header value, marked sensitive so that it is never logged.
pub fn bearer_header(token: &Secret) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
        Error::InvalidCredentials("the bearer token contains characters not allowed in a header")
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// A header value marked sensitive (never logged), e.g. an API key.
pub fn sensitive_header(value: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::try_from(value).map_err(|_| {
        Error::InvalidCredentials("a credential contains characters not allowed in a header")
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// An `Authorization: Basic …` header value (RFC 7617), marked sensitive.
pub fn basic_header(username: &Secret, password: &Secret) -> Result<HeaderValue, Error> {
    let plain = format!("{}:{}", username.expose(), password.expose());
    let encoded = base64::engine::general_purpose::STANDARD.encode(plain);
    sensitive_header(&format!("Basic {encoded}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let secret = Secret::new("s3cr3t");
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        assert_eq!(secret.expose(), "s3cr3t");
    }

    #[test]
    fn basic_credentials_are_base64_and_sensitive() {
        let header = basic_header(&"Aladdin".into(), &"open sesame".into()).unwrap();
        assert_eq!(header, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(header.is_sensitive());
    }

    #[test]
    fn a_token_with_a_line_break_is_refused_without_echoing_it() {
        let err = bearer_header(&"a\r\nX-Injected: 1".into()).unwrap_err();
        assert!(!err.to_string().contains("Injected"), "{err}");
    }
}
