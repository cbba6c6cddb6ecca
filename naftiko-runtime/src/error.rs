//! What an upstream call gives: its answer as received ([`RawResponse`]), or why there is none
//! ([`Error`]); and the formats an answer is read from ([`Format`]).

use bytes::Bytes;
use http::HeaderValue;
use http::StatusCode;

/// Errors of the typed clients.
///
/// Upstream answers with a status of 400 or more are [`Error::Status`]: the status, content type
/// and body are kept as the upstream sent them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The upstream answered with an error status.
    #[error("upstream answered {status}")]
    Status {
        /// The upstream's status.
        status: StatusCode,
        /// The upstream's `Content-Type`, if any.
        content_type: Option<HeaderValue>,
        /// The upstream's body, unchanged.
        body: Bytes,
    },
    /// The upstream did not answer in time.
    #[error("upstream did not answer in time")]
    Timeout,
    /// The upstream could not be reached, or its answer was not valid HTTP.
    #[error("upstream unreachable or not speaking HTTP: {0}")]
    Transport(#[source] BoxError),
    /// The upstream answered success with a body that is not in the format the spec promises.
    #[error("upstream answered {status} with a body that is not valid {format}: {source}")]
    Decode {
        /// The upstream's status.
        status: StatusCode,
        /// The format the spec declares (`JSON`, `XML`, …).
        format: &'static str,
        /// Why it cannot be read.
        #[source]
        source: BoxError,
    },
    /// The base URL given to a client constructor is not an absolute http(s) URL.
    #[error("invalid base URL `{0}`: expected an absolute http(s) URL")]
    InvalidBaseUrl(String),
    /// The credentials cannot be sent (e.g. a token with a line break).
    #[error("invalid credentials: {0}")]
    InvalidCredentials(&'static str),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] BoxError),
    /// A path parameter's value would not be one segment of its own (empty, `.` or `..`): it is
    /// not sent.
    #[error("path parameter `{parameter}` cannot be {}: a path value is one segment, never empty, `.` or `..`", if value.is_empty() { "empty".to_owned() } else { format!("`{value}`") })]
    PathSegment {
        /// The parameter, as the spec names it.
        parameter: &'static str,
        /// The value refused (`""`, `.` or `..`).
        value: &'static str,
    },
    /// No access token could be had from the token endpoint (OAuth 2.0 client credentials).
    #[error("no access token: {0}")]
    Token(String),
    /// The request could not be built (e.g. a header value with a line break).
    #[error("cannot build the request: {0}")]
    Request(String),
    /// An earlier step's answer lacks a value a later call needs, or has it with another type.
    #[error("{0}")]
    Step(String),
    /// The answer does not fit the shape the spec gives it (a typed client result).
    #[error(transparent)]
    Shape(#[from] crate::map::Mismatch),
}

/// A binary answer (`outputRawFormat: binary`): the bytes and their media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    /// `image/jpeg`, `application/pdf`, … (`application/octet-stream` when nothing says).
    pub media_type: String,
    /// The bytes, unchanged.
    pub bytes: Bytes,
}

/// An upstream answer as received: status, content type and body.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The upstream's status.
    pub status: StatusCode,
    /// The upstream's `Content-Type`, if any.
    pub content_type: Option<HeaderValue>,
    /// The body, unchanged.
    pub body: Bytes,
    /// The upstream's `WWW-Authenticate` challenge, if any (read for digest authentication).
    pub challenge: Option<HeaderValue>,
}

impl RawResponse {
    /// Turn an error status, or a redirect that was not followed, into [`Error::Status`].
    pub fn error_for_status(self) -> Result<Self, Error> {
        // A redirect the client did not follow (to another origin) is not the API's answer.
        if self.status.is_client_error()
            || self.status.is_server_error()
            || self.status.is_redirection()
        {
            Err(Error::Status {
                status: self.status,
                content_type: self.content_type,
                body: self.body,
            })
        } else {
            Ok(self)
        }
    }

    /// Check that the body is JSON (or empty) without building it.
    pub fn check_json(&self) -> Result<(), Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        serde_json::from_slice::<serde::de::IgnoredAny>(&self.body)
            .map(drop)
            .map_err(|source| Error::Decode {
                status: self.status,
                format: "JSON",
                source: source.into(),
            })
    }

    /// The body as JSON; an empty body (e.g. `204 No Content`) is `null`.
    pub fn json(&self) -> Result<serde_json::Value, Error> {
        self.read(JSON)
    }

    /// The body, in the declared `format`, read as JSON; an empty body is `null`.
    pub fn read(&self, format: Format) -> Result<serde_json::Value, Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Value::Null);
        }
        (format.read)(&self.body).map_err(|source| Error::Decode {
            status: self.status,
            format: format.name,
            source,
        })
    }
}

/// An answer's JSON body read as `T`, a type of its API's OpenAPI document: [`Error::Decode`]
/// when it is not one.
pub fn typed<T: serde::de::DeserializeOwned>(raw: &RawResponse) -> Result<T, Error> {
    serde_json::from_slice(&raw.body).map_err(|source| Error::Decode {
        status: raw.status,
        format: "JSON",
        source: source.into(),
    })
}

/// An answer's body as bytes with their media type: `declared` (the spec's `outputMediaType`)
/// first, then the upstream's `Content-Type`, then `application/octet-stream`.
pub fn binary(raw: RawResponse, declared: Option<&str>) -> Binary {
    let media_type = declared
        .map(str::to_owned)
        .or_else(|| {
            raw.content_type
                .as_ref()
                .and_then(|ct| ct.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    Binary {
        media_type,
        bytes: raw.body,
    }
}

/// A format an upstream answers in (`outputRawFormat`), read as JSON.
#[derive(Debug, Clone, Copy)]
pub struct Format {
    /// Its name, for messages.
    pub name: &'static str,
    /// The reader.
    pub read: fn(&[u8]) -> Result<serde_json::Value, BoxError>,
}

/// JSON, the default format.
pub const JSON: Format = Format {
    name: "JSON",
    read: |body| Ok(serde_json::from_slice(body)?),
};

/// A boxed error from the HTTP stack.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
