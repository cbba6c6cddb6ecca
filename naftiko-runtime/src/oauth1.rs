//! OAuth 1.0a request signing (RFC 5849) for upstreams that take it: `RSA-SHA256` with the
//! request body's hash (`oauth_body_hash`, the form payment networks use) or `HMAC-SHA1` with a
//! consumer secret and, if given, a token and its secret.
//!
//! Every request is signed as it is sent: a fresh nonce and timestamp, the query parameters and
//! the `oauth_*` parameters in the signature base string (RFC 5849 §3.4.1). Form bodies' own
//! parameters are not part of the base string: the body is covered by its hash instead.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;
use std::time::UNIX_EPOCH;

use aws_lc_rs::digest;
use aws_lc_rs::hmac;
use aws_lc_rs::rand::SecureRandom;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::RsaKeyPair;
use base64::Engine as _;
use http::HeaderValue;
use http::Method;
use percent_encoding::AsciiSet;
use percent_encoding::NON_ALPHANUMERIC;
use percent_encoding::utf8_percent_encode;

use crate::error::Error;
use crate::error::RawResponse;
use crate::http::Authenticator;
use crate::http::HttpClient;
use crate::http::Pending;
use crate::http::Request;
use crate::secret::Secret;

/// What RFC 5849 §3.6 leaves unencoded: letters, digits, `-`, `.`, `_`, `~`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How requests are signed.
enum Key {
    /// `RSA-SHA256` with the consumer's private key.
    Rsa(Arc<RsaKeyPair>),
    /// `HMAC-SHA1` with the key `consumer_secret&token_secret`.
    Hmac(Box<hmac::Key>),
}

/// An OAuth 1.0a consumer: its key, how it signs and the token it acts with (if any).
pub struct Credentials {
    consumer_key: Secret,
    token: Option<Secret>,
    key: Key,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = match self.key {
            Key::Rsa(_) => "RSA-SHA256",
            Key::Hmac(_) => "HMAC-SHA1",
        };
        f.debug_struct("Credentials")
            .field("signature_method", &method)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// A consumer signing with `RSA-SHA256`: `signing_key` is its private key, PEM (PKCS #8
    /// `PRIVATE KEY` or PKCS #1 `RSA PRIVATE KEY`) or base64 DER.
    pub fn rsa_sha256(consumer_key: Secret, signing_key: &Secret) -> Result<Self, Error> {
        let der = pem_der(signing_key.expose()).ok_or(Error::InvalidCredentials(
            "the OAuth 1.0a signing key is not a PEM or base64 private key",
        ))?;
        let pair = RsaKeyPair::from_pkcs8(&der)
            .or_else(|_| RsaKeyPair::from_der(&der))
            .map_err(|_| {
                Error::InvalidCredentials("the OAuth 1.0a signing key is not an RSA private key")
            })?;
        Ok(Self {
            consumer_key,
            token: None,
            key: Key::Rsa(Arc::new(pair)),
        })
    }

    /// A consumer signing with `HMAC-SHA1`, acting with `token` (and its secret) if given.
    pub fn hmac_sha1(
        consumer_key: Secret,
        consumer_secret: &Secret,
        token: Option<Secret>,
        token_secret: Option<&Secret>,
    ) -> Self {
        let key = format!(
            "{}&{}",
            encode(consumer_secret.expose()),
            token_secret.map_or(String::new(), |s| encode(s.expose()))
        );
        Self {
            consumer_key,
            token,
            key: Key::Hmac(Box::new(hmac::Key::new(
                hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
                key.as_bytes(),
            ))),
        }
    }

    /// The `Authorization: OAuth …` value for a request, with the given nonce and timestamp.
    fn authorization(
        &self,
        method: &Method,
        url: &str,
        body: &[u8],
        nonce: &str,
        timestamp: u64,
    ) -> Result<HeaderValue, Error> {
        let mut oauth: Vec<(&str, String)> = vec![
            ("oauth_consumer_key", self.consumer_key.expose().to_owned()),
            ("oauth_nonce", nonce.to_owned()),
            ("oauth_timestamp", timestamp.to_string()),
            ("oauth_version", "1.0".to_owned()),
        ];
        match self.key {
            Key::Rsa(_) => {
                let hash = digest::digest(&digest::SHA256, body);
                oauth.push((
                    "oauth_body_hash",
                    base64::engine::general_purpose::STANDARD.encode(hash.as_ref()),
                ));
                oauth.push(("oauth_signature_method", "RSA-SHA256".to_owned()));
            }
            Key::Hmac(_) => oauth.push(("oauth_signature_method", "HMAC-SHA1".to_owned())),
        }
        if let Some(token) = &self.token {
            oauth.push(("oauth_token", token.expose().to_owned()));
        }
        let base = base_string(method, url, &oauth)?;
        let signature = match &self.key {
            Key::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(
                    &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    base.as_bytes(),
                    &mut signature,
                )
                .map_err(|_| Error::InvalidCredentials("the OAuth 1.0a signature failed"))?;
                signature
            }
            Key::Hmac(key) => hmac::sign(key, base.as_bytes()).as_ref().to_vec(),
        };
        oauth.push((
            "oauth_signature",
            base64::engine::general_purpose::STANDARD.encode(signature),
        ));
        oauth.sort();
        let fields: Vec<String> = oauth
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", encode(v)))
            .collect();
        let mut value =
            HeaderValue::try_from(format!("OAuth {}", fields.join(","))).map_err(|_| {
                Error::InvalidCredentials("the OAuth 1.0a consumer key is not header text")
            })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl Authenticator for Credentials {
    /// The request is signed for its method, final URL and body, and sent.
    fn send_authenticated<'a>(
        &'a self,
        http: &'a HttpClient,
        mut request: Request,
    ) -> Pending<'a, Result<RawResponse, Error>> {
        Box::pin(async move {
            let (method, url, body) = request.signed_parts();
            let authorization = self.sign(method, url, body)?;
            request.set_authorization(authorization);
            crate::http::send_once(http, request).await
        })
    }
}

impl Credentials {
    /// The `Authorization` value for a request of `method` to `url` carrying `body`, with a
    /// fresh nonce and timestamp.
    pub fn sign(&self, method: &Method, url: &str, body: &[u8]) -> Result<HeaderValue, Error> {
        let mut bytes = [0u8; 16];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| Error::InvalidCredentials("no randomness for the OAuth 1.0a nonce"))?;
        let nonce: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.authorization(method, url, body, &nonce, timestamp)
    }
}

/// RFC 5849 §3.6 percent-encoding.
fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// The signature base string (RFC 5849 §3.4.1): the method, the base string URI, and the
/// query's and `oauth` parameters, encoded, sorted and joined.
pub fn base_string(method: &Method, url: &str, oauth: &[(&str, String)]) -> Result<String, Error> {
    let parsed =
        reqwest::Url::parse(url).map_err(|_| Error::Request(format!("not a URL: {url}")))?;
    let mut base_uri = format!(
        "{}://{}",
        parsed.scheme(),
        parsed.host_str().unwrap_or_default().to_ascii_lowercase()
    );
    if let Some(port) = parsed.port() {
        base_uri.push_str(&format!(":{port}"));
    }
    base_uri.push_str(parsed.path());
    let mut params: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| (encode(&k), encode(&v)))
        .chain(oauth.iter().map(|(k, v)| (encode(k), encode(v))))
        .collect();
    params.sort();
    let joined: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Ok(format!(
        "{}&{}&{}",
        method.as_str().to_ascii_uppercase(),
        encode(&base_uri),
        encode(&joined.join("&"))
    ))
}

/// The DER bytes of a PEM block (or of bare base64).
fn pem_der(text: &str) -> Option<Vec<u8>> {
    let body: String = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----"))
        .collect();
    // A key kept in one environment variable often has its line breaks written `\n`.
    let body = body.replace("\\n", "");
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .ok()
        .filter(|der| !der.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5849 §3.4.1.1's example, with its parameters (body parameters aside): the base
    /// string encodes and sorts names and values.
    #[test]
    fn the_base_string_sorts_and_encodes_query_and_oauth_parameters() {
        let oauth = [
            ("oauth_consumer_key", "9djdj82h48djs9d2".to_owned()),
            ("oauth_token", "kkk9d7dh3k39sjv7".to_owned()),
            ("oauth_signature_method", "HMAC-SHA1".to_owned()),
            ("oauth_timestamp", "137131201".to_owned()),
            ("oauth_nonce", "7d8f3e4a".to_owned()),
        ];
        let base = base_string(
            &Method::POST,
            "http://EXAMPLE.COM/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
            &oauth,
        )
        .unwrap();
        assert_eq!(
            base,
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        );
    }

    #[test]
    fn hmac_sha1_signs_with_both_secrets_and_never_shows_them() {
        let credentials = Credentials::hmac_sha1(
            Secret::new("key"),
            &Secret::new("consumer secret"),
            Some(Secret::new("token")),
            Some(&Secret::new("token-secret")),
        );
        let header = credentials
            .authorization(&Method::GET, "https://api.example/a?x=1", b"", "n", 1)
            .unwrap();
        assert!(header.is_sensitive());
        let text = header.to_str().unwrap();
        let oauth = [
            ("oauth_consumer_key", "key".to_owned()),
            ("oauth_nonce", "n".to_owned()),
            ("oauth_timestamp", "1".to_owned()),
            ("oauth_version", "1.0".to_owned()),
            ("oauth_signature_method", "HMAC-SHA1".to_owned()),
            ("oauth_token", "token".to_owned()),
        ];
        let base = base_string(&Method::GET, "https://api.example/a?x=1", &oauth).unwrap();
        let key = hmac::Key::new(
            hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            b"consumer%20secret&token-secret",
        );
        let expected = base64::engine::general_purpose::STANDARD
            .encode(hmac::sign(&key, base.as_bytes()).as_ref());
        assert!(
            text.contains(&format!("oauth_signature=\"{}\"", encode(&expected))),
            "{text}"
        );
        assert!(!text.contains("secret"), "{text}");
        assert!(!format!("{credentials:?}").contains("secret"));
    }

    #[test]
    fn a_signing_key_that_is_not_a_key_is_refused_without_echoing_it() {
        let err = Credentials::rsa_sha256(Secret::new("k"), &Secret::new("hunter2")).unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }
}
