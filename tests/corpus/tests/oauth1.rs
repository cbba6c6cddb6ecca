//! OAuth 1.0a upstreams (RFC 5849): every request is signed as it is sent, and a fake upstream
//! checks each signature the way RFC 5849 §3.4 says a server does — RSA-SHA256 against the
//! consumer's public key, with the body's hash; HMAC-SHA1 with the consumer and token secrets.

use std::sync::{Arc, Mutex};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::hmac;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, KeyPair as _, RsaKeyPair, UnparsedPublicKey};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::IntoResponse;
use base64::Engine as _;
use naftiko_corpus::oauth1_fixture::clients::{cards, notes};
use naftiko_corpus::oauth1_fixture::{Error, Secret};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::json;

const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The `name="value"` fields of an `Authorization: OAuth …` header, decoded.
fn fields(header: &str) -> Vec<(String, String)> {
    let list = header.strip_prefix("OAuth ").unwrap_or_default();
    list.split(',')
        .filter_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            let v = percent_encoding::percent_decode_str(v.trim_matches('"'))
                .decode_utf8()
                .ok()?;
            Some((k.to_owned(), v.into_owned()))
        })
        .collect()
}

/// The signature base string the server computes from what it received.
fn base_string(method: &Method, origin: &str, uri: &Uri, oauth: &[(String, String)]) -> String {
    let mut params: Vec<(String, String)> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    params.extend(
        oauth
            .iter()
            .filter(|(k, _)| k != "oauth_signature")
            .cloned(),
    );
    let mut params: Vec<(String, String)> =
        params.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    params.sort();
    let joined: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "{method}&{}&{}",
        encode(&format!("{origin}{}", uri.path())),
        encode(&joined.join("&"))
    )
}

/// How the fake checks a signature.
#[derive(Clone)]
enum Check {
    Rsa { public_key: Vec<u8> },
    Hmac { key: Vec<u8> },
}

/// What the fake saw: each request's OAuth fields, and whether it accepted it.
type Seen = Arc<Mutex<Vec<(Vec<(String, String)>, bool)>>>;

async fn upstream(check: Check, consumer_key: &'static str) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let app = {
        let (seen, origin) = (seen.clone(), origin.clone());
        axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: axum::body::Bytes| {
                let (seen, origin, check) = (seen.clone(), origin.clone(), check.clone());
                async move {
                    let oauth = headers
                        .get(header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                        .map(fields)
                        .unwrap_or_default();
                    let get = |k: &str| {
                        oauth
                            .iter()
                            .find(|(name, _)| name == k)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default()
                    };
                    let base = base_string(&method, &origin, &uri, &oauth);
                    let signature = base64::engine::general_purpose::STANDARD
                        .decode(get("oauth_signature"))
                        .unwrap_or_default();
                    let signed = match &check {
                        Check::Rsa { public_key } => {
                            let body_hash =
                                b64(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &body)
                                    .as_ref());
                            get("oauth_signature_method") == "RSA-SHA256"
                                && get("oauth_body_hash") == body_hash
                                && UnparsedPublicKey::new(
                                    &signature::RSA_PKCS1_2048_8192_SHA256,
                                    public_key,
                                )
                                .verify(base.as_bytes(), &signature)
                                .is_ok()
                        }
                        Check::Hmac { key } => {
                            let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
                            get("oauth_signature_method") == "HMAC-SHA1"
                                && get("oauth_token") == "token-1"
                                && hmac::verify(&key, base.as_bytes(), &signature).is_ok()
                        }
                    };
                    let accepted = signed
                        && get("oauth_consumer_key") == consumer_key
                        && get("oauth_version") == "1.0"
                        && !get("oauth_nonce").is_empty()
                        && get("oauth_timestamp").parse::<u64>().is_ok();
                    seen.lock().unwrap().push((oauth, accepted));
                    if accepted {
                        axum::Json(json!({"path": uri.path(), "query": uri.query()}))
                            .into_response()
                    } else {
                        (StatusCode::UNAUTHORIZED, "bad signature").into_response()
                    }
                }
            },
        )
    };
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (origin, seen)
}

/// A fresh RSA key pair: its PEM (PKCS #8) and its public key.
fn rsa_key() -> (String, Vec<u8>) {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
    let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).unwrap();
    let body = b64(der.as_ref());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    (pem, pair.public_key().as_ref().to_vec())
}

#[tokio::test]
async fn rsa_sha256_signs_query_and_body_with_a_fresh_nonce_each_time() {
    let (pem, public_key) = rsa_key();
    let (origin, seen) = upstream(Check::Rsa { public_key }, "consumer-1").await;
    let client = cards::Client::new(
        &format!("{origin}/v1"),
        cards::Credentials {
            consumer_key: Secret::new("consumer-1"),
            signing_key: Secret::new(pem),
        },
        None,
    )
    .unwrap();
    // Query values that need encoding are signed as sent.
    let answer = client
        .list_cards(Some("active & new"), Some("10"))
        .await
        .unwrap();
    assert_eq!(answer["path"], "/v1/cards");
    let card = json!({"holder": "Zoë", "limit": 100});
    client.issue_card(Some(&card)).await.unwrap();
    client.list_cards(None, None).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|(_, accepted)| *accepted));
    let nonce = |i: usize| {
        seen[i]
            .0
            .iter()
            .find(|(k, _)| k == "oauth_nonce")
            .map(|(_, v)| v.clone())
    };
    assert_ne!(nonce(0), nonce(1), "each request has its own nonce");
}

#[tokio::test]
async fn a_request_signed_with_another_key_is_refused_upstream() {
    let (pem, _) = rsa_key();
    let (_, public_key) = rsa_key();
    let (origin, seen) = upstream(Check::Rsa { public_key }, "consumer-1").await;
    let client = cards::Client::new(
        &origin,
        cards::Credentials {
            consumer_key: Secret::new("consumer-1"),
            signing_key: Secret::new(pem),
        },
        None,
    )
    .unwrap();
    let err = client.list_cards(None, None).await.unwrap_err();
    assert!(matches!(err, Error::Status { status, .. } if status == StatusCode::UNAUTHORIZED));
    assert!(!seen.lock().unwrap()[0].1);
}

#[tokio::test]
async fn a_signing_key_that_is_no_key_fails_when_the_client_is_made_without_echoing_it() {
    let err = cards::Client::new(
        "http://127.0.0.1:9",
        cards::Credentials {
            consumer_key: Secret::new("consumer-1"),
            signing_key: Secret::new("not-a-key-hunter2"),
        },
        None,
    )
    .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[tokio::test]
async fn hmac_sha1_signs_with_the_consumer_and_token_secrets() {
    let key = format!("{}&{}", encode("consumer secret"), encode("token secret"));
    let (origin, seen) = upstream(
        Check::Hmac {
            key: key.into_bytes(),
        },
        "notes-app",
    )
    .await;
    let client = notes::Client::new(
        &origin,
        notes::Credentials {
            consumer_key: Secret::new("notes-app"),
            consumer_secret: Secret::new("consumer secret"),
            token: Secret::new("token-1"),
            token_secret: Secret::new("token secret"),
        },
        None,
    )
    .unwrap();
    let answer = client.get_note("a/b", Some("title,body")).await.unwrap();
    assert_eq!(answer["path"], "/notes/a%2Fb");
    assert!(seen.lock().unwrap()[0].1);
    let header_fields = &seen.lock().unwrap()[0].0;
    assert!(
        header_fields.iter().all(|(_, v)| !v.contains("secret")),
        "no secret travels in the header"
    );
}
