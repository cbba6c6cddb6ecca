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
    /// The upstream answered success with a body its OpenAPI document does not describe (with
    /// strict output checks; otherwise such an answer is passed on, with a warning).
    #[error(
        "upstream answered {status} with a body its OpenAPI document does not describe: {reason}"
    )]
    Undocumented {
        /// The upstream's status.
        status: StatusCode,
        /// What does not fit, without the answer's values.
        reason: String,
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

/// A request body of a type of its API's OpenAPI document, as the JSON it is sent as.
pub fn json_body<T: serde::Serialize>(body: &T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(body)
        .map_err(|e| Error::Request(format!("the body cannot be written as JSON: {e}")))
}

/// Check a success answer passed on against what its API's OpenAPI document says (`fits`: a
/// type's [`fits`], or [`fits_empty`]). One that does not fit is logged as a warning and counted
/// (`naftiko_upstream_undocumented_answers_total`), and passed on as it is — or, when
/// `strict`, [`Error::Undocumented`]. Error statuses and failed calls are left as they are.
pub fn checked(
    answer: Result<RawResponse, Error>,
    fits: fn(&RawResponse) -> Result<(), String>,
    strict: bool,
    api: &'static str,
    operation: &'static str,
) -> Result<RawResponse, Error> {
    let raw = answer?;
    if !raw.status.is_success() {
        return Ok(raw);
    }
    let Err(reason) = fits(&raw) else {
        return Ok(raw);
    };
    crate::telemetry::undocumented_answer(api, operation);
    tracing::warn!(
        api,
        operation,
        status = raw.status.as_u16(),
        reason = %reason,
        strict,
        "the upstream's answer is not what its OpenAPI document says"
    );
    if strict {
        Err(Error::Undocumented {
            status: raw.status,
            reason,
        })
    } else {
        Ok(raw)
    }
}

/// Whether an answer's JSON body reads as `T`, the type its API's OpenAPI document gives it;
/// why not, without the answer's values (they may be secrets: a token an API hands out).
pub fn fits<T: serde::de::DeserializeOwned>(raw: &RawResponse) -> Result<(), String> {
    match serde_json::from_slice::<T>(&raw.body) {
        Ok(_) => Ok(()),
        Err(err) => Err(without_values(&err.to_string())),
    }
}

/// Whether an answer has no body, as its API's OpenAPI document says.
pub fn fits_empty(raw: &RawResponse) -> Result<(), String> {
    if raw.body.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the document gives it no body; it has {} bytes",
            raw.body.len()
        ))
    }
}

/// A serde message with the values it quotes left out: the fields it names (missing, unknown,
/// duplicated) stay, since they come from the document.
fn without_values(message: &str) -> String {
    if ["missing field", "unknown field", "duplicate field"]
        .iter()
        .any(|named| message.starts_with(named))
    {
        return message.to_owned();
    }
    let mut out = String::with_capacity(message.len());
    let mut quoted: Option<char> = None;
    for c in message.chars() {
        match quoted {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                quoted = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if c == '"' || c == '`' {
                    quoted = Some(c);
                }
            }
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &'static str) -> RawResponse {
        RawResponse {
            status: StatusCode::from_u16(status).unwrap(),
            content_type: None,
            body: Bytes::from_static(body.as_bytes()),
            challenge: None,
        }
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Token {
        token: String,
        count: u32,
    }

    #[test]
    fn what_does_not_fit_is_said_without_the_answers_values() {
        let reason = fits::<Token>(&answer(200, r#""tok-s3cr3t""#)).unwrap_err();
        assert!(reason.starts_with("invalid type: string \"…\""), "{reason}");
        let reason =
            fits::<Token>(&answer(200, r#"{"token":"tok-s3cr3t","count":-1}"#)).unwrap_err();
        assert!(
            !reason.contains("s3cr3t") && !reason.contains("-1"),
            "{reason}"
        );
        let reason = fits::<Token>(&answer(200, r#"{"token":"tok-s3cr3t"}"#)).unwrap_err();
        assert!(reason.starts_with("missing field `count`"), "{reason}");
        assert!(fits::<Token>(&answer(200, r#"{"token":"t","count":1}"#)).is_ok());
        assert!(fits_empty(&answer(204, "")).is_ok());
        assert!(fits_empty(&answer(200, "{}")).is_err());
    }

    #[test]
    fn only_strict_checks_turn_an_undocumented_success_into_an_error() {
        let lenient = checked(Ok(answer(200, "[]")), fits::<Token>, false, "api", "op");
        assert_eq!(lenient.unwrap().body, "[]");
        let strict = checked(Ok(answer(200, "[]")), fits::<Token>, true, "api", "op");
        assert!(matches!(strict, Err(Error::Undocumented { .. })));
        // An error status is the API's own answer, whatever its body.
        let failed = checked(Ok(answer(404, "[]")), fits::<Token>, true, "api", "op");
        assert_eq!(failed.unwrap().status, StatusCode::NOT_FOUND);
    }
}
