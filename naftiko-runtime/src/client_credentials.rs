//! OAuth 2.0 client credentials upstream (RFC 6749 §4.4): an access token fetched from the
//! authorization server's token endpoint, cached until shortly before it expires, sent as
//! `Authorization: Bearer …` (RFC 6750). One fetch at a time: requests that find the token
//! expired wait for the one fetch instead of each asking. A token the API refuses (401) is
//! forgotten, and the request sent once more with a new one.

use std::time::Duration;
use std::time::Instant;

use base64::Engine as _;
use bytes::Bytes;
use http::HeaderValue;
use http::Method;
use http::header;

use crate::error::Error;
use crate::http::HttpClient;
use crate::secret::Secret;

/// How the client authenticates to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic` with the form-encoded id and secret (`client_secret_basic`).
    Basic,
    /// `client_id` and `client_secret` in the form body (`client_secret_post`).
    Body,
}

/// The most a token is refreshed ahead of its expiry.
const EARLY: Duration = Duration::from_secs(30);

/// The credentials of an OAuth 2.0 client and the token they last got.
pub struct ClientCredentials {
    endpoint: String,
    client_id: Secret,
    client_secret: Secret,
    auth: ClientAuth,
    /// The form fields sent beside the grant type (`scope`, `audience`).
    extra: Vec<(&'static str, String)>,
    cached: tokio::sync::Mutex<Option<Token>>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("endpoint", &self.endpoint)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
struct Token {
    authorization: HeaderValue,
    /// When to fetch another (`None`: when the API refuses it).
    renew_at: Option<Instant>,
}

/// The token endpoint's answer (RFC 6749 §5.1); `expires_in` as a number or, as some servers
/// send it, text.
#[derive(serde::Deserialize)]
struct Answer {
    access_token: String,
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
}

/// The token endpoint's error (RFC 6749 §5.2).
#[derive(serde::Deserialize)]
struct Refusal {
    error: String,
    error_description: Option<String>,
}

impl ClientCredentials {
    /// A client of the token endpoint `endpoint` (an absolute http(s) URL) asking for `scopes`
    /// (none: the server's default) and, if given, `audience`.
    pub fn new(
        endpoint: String,
        client_id: Secret,
        client_secret: Secret,
        auth: ClientAuth,
        scopes: &[&str],
        audience: Option<&str>,
    ) -> Result<Self, Error> {
        let valid = reqwest::Url::parse(&endpoint)
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host());
        if !valid {
            return Err(Error::InvalidCredentials(
                "the token endpoint is not an absolute http(s) URL",
            ));
        }
        let mut extra = Vec::new();
        if !scopes.is_empty() {
            extra.push(("scope", scopes.join(" ")));
        }
        if let Some(audience) = audience {
            extra.push(("audience", audience.to_owned()));
        }
        Ok(Self {
            endpoint,
            client_id,
            client_secret,
            auth,
            extra,
            cached: tokio::sync::Mutex::new(None),
        })
    }

    /// The `Authorization` value to send, and whether it was fetched for this request (a
    /// fresh token the API refuses is not worth fetching again).
    async fn authorization(&self, http: &HttpClient) -> Result<(HeaderValue, bool), Error> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref()
            && token.renew_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok((token.authorization.clone(), false));
        }
        let token = self.fetch(http).await?;
        let authorization = token.authorization.clone();
        *cached = Some(token);
        Ok((authorization, true))
    }

    /// Forget `refused` (the API answered 401 to it), unless another token replaced it.
    async fn forget(&self, refused: &HeaderValue) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|t| t.authorization == *refused) {
            *cached = None;
        }
    }

    /// The token request: the grant, with the client's credentials as `auth` says.
    fn token_request(&self) -> Result<crate::http::Request, Error> {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        for (name, value) in &self.extra {
            form.append_pair(name, value);
        }
        let mut request = crate::http::Request::new(Method::POST, self.endpoint.clone())
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        match self.auth {
            ClientAuth::Basic => {
                // The id and secret are form-encoded before they are joined (§2.3.1).
                let pair = format!(
                    "{}:{}",
                    form_encoded(self.client_id.expose()),
                    form_encoded(self.client_secret.expose())
                );
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
                    .map_err(|_| Error::InvalidCredentials("the client id is not valid HTTP"))?;
                value.set_sensitive(true);
                request = request.header(header::AUTHORIZATION, value);
            }
            ClientAuth::Body => {
                form.append_pair("client_id", self.client_id.expose());
                form.append_pair("client_secret", self.client_secret.expose());
            }
        }
        Ok(request.body(Bytes::from(form.finish())))
    }

    async fn fetch(&self, http: &HttpClient) -> Result<Token, Error> {
        let request = self.token_request()?;
        let answer = match crate::http::send_once(http, request).await {
            Ok(answer) => answer,
            Err(Error::Timeout) => return Err(Error::Timeout),
            Err(err) => {
                return Err(Error::Token(format!(
                    "the token endpoint is unreachable: {}",
                    reason(&err)
                )));
            }
        };
        let status = answer.status;
        if !status.is_success() {
            let reason = match serde_json::from_slice::<Refusal>(&answer.body) {
                Ok(Refusal {
                    error,
                    error_description: Some(description),
                }) => format!(": {} ({})", printable(&error), printable(&description)),
                Ok(Refusal { error, .. }) => format!(": {}", printable(&error)),
                Err(_) => String::new(),
            };
            return Err(Error::Token(format!(
                "the token endpoint answered {status}{reason}"
            )));
        }
        let answer: Answer = serde_json::from_slice(&answer.body).map_err(|_| {
            Error::Token(format!(
                "the token endpoint answered {status} without an `access_token` in JSON"
            ))
        })?;
        if let Some(kind) = &answer.token_type
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(Error::Token(format!(
                "the token endpoint gave a `{}` token, not a bearer token",
                printable(kind)
            )));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", answer.access_token))
            .map_err(|_| {
            Error::Token("the token endpoint gave a token that is not valid HTTP".to_owned())
        })?;
        authorization.set_sensitive(true);
        let lifetime = answer.expires_in.as_ref().and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        let renew_at = lifetime.map(|secs| {
            let lifetime = Duration::from_secs(secs);
            // Ahead of expiry by 30 s, or a tenth of a short lifetime.
            Instant::now() + lifetime - EARLY.min(lifetime / 10)
        });
        Ok(Token {
            authorization,
            renew_at,
        })
    }
}

impl crate::http::Authenticator for ClientCredentials {
    /// The request is sent with the token held (or fetched); a held token the API refuses (401)
    /// is forgotten and the request sent once more with a new one.
    fn send_authenticated<'a>(
        &'a self,
        http: &'a HttpClient,
        mut request: crate::http::Request,
    ) -> crate::http::Pending<'a, Result<crate::error::RawResponse, Error>> {
        Box::pin(async move {
            let (authorization, fresh) = self.authorization(http).await?;
            let again = (!fresh).then(|| request.clone());
            request.set_authorization(authorization.clone());
            let first = crate::http::send_once(http, request).await;
            match (first, again) {
                (Ok(answer), Some(mut again))
                    if answer.status == http::StatusCode::UNAUTHORIZED =>
                {
                    self.forget(&authorization).await;
                    let (authorization, _) = self.authorization(http).await?;
                    again.set_authorization(authorization);
                    crate::http::send_once(http, again).await
                }
                (first, _) => first,
            }
        })
    }
}

/// Why the token endpoint could not be asked: the error and its causes.
fn reason(err: &Error) -> String {
    let mut text = match err {
        Error::Transport(source) => source.to_string(),
        other => other.to_string(),
    };
    let mut source = match err {
        Error::Transport(source) => source.source(),
        _ => None,
    };
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn form_encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The authorization server's words, at most 200 characters, without control characters.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_endpoint_must_be_an_absolute_url() {
        let make = |url: &str| {
            ClientCredentials::new(
                url.to_owned(),
                Secret::new("id"),
                Secret::new("secret"),
                ClientAuth::Basic,
                &[],
                None,
            )
        };
        assert!(make("https://auth.example/oauth/token").is_ok());
        assert!(make("/oauth/token").is_err());
        assert!(make("ftp://auth.example/token").is_err());
    }

    #[test]
    fn the_id_and_secret_are_form_encoded_before_basic() {
        assert_eq!(form_encoded("a b:c/é"), "a+b%3Ac%2F%C3%A9");
    }

    #[test]
    fn the_servers_words_lose_control_characters() {
        assert_eq!(printable("bad\r\nclient"), "badclient");
        assert_eq!(printable(&"x".repeat(300)).len(), 200);
    }
}
