//! Values of one type feeding parameters of another (tests/fixtures/coercions.yaml), as real
//! specs write them, served against a recording upstream on loopback: what goes on the wire is
//! what the warnings say.

mod common;

use std::sync::Arc;

use naftiko_corpus::coercions as fixture;
use serde_json::json;

use common::{last, recorder, serve};

/// The adapter served against a recording upstream: (adapter URL, what the upstream saw).
async fn adapter() -> (String, Arc<std::sync::Mutex<Vec<common::Seen>>>) {
    let (upstream, seen) = recorder().await;
    let mut options = fixture::UpstreamOptions::default();
    options.base_urls.insert("store".into(), upstream.clone());
    options.base_urls.insert("verify".into(), upstream);
    let bound = fixture::Bound {
        verify_key: naftiko_corpus::coercions::Secret::new("key 4711&x"),
    };
    let upstreams = Arc::new(fixture::Upstreams::from_bound(&options, &bound).unwrap());
    (
        serve(fixture::rest::store_rest::router(upstreams)).await,
        seen,
    )
}

#[tokio::test]
async fn a_path_variable_is_a_json_string_and_a_literal_object_is_sent_as_written() {
    let (url, seen) = adapter().await;
    let response = reqwest::get(format!("{url}/tables/0042")).await.unwrap();
    assert_eq!(response.status(), 200);
    let sent = last(&seen);
    assert_eq!(sent.path_and_query, "/tables");
    // `0042` stays text: a number would lose its zeros.
    assert_eq!(
        sent.json(),
        json!({"TableName": "0042", "Options": {"consistent": true, "fields": ["name", "size"]}})
    );
}

#[tokio::test]
async fn a_lone_scalar_body_parameter_is_a_field_and_a_one_field_text_body_its_value() {
    let (url, seen) = adapter().await;
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{url}/connect"))
        .header("content-type", "application/json")
        .body(json!({"socket": "/run/store.sock"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(last(&seen).json(), json!({"socket": "/run/store.sock"}));

    let response = client
        .post(format!("{url}/statement"))
        .header("content-type", "application/json")
        .body(json!({"sql": "SELECT \"a\", 1"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let sent = last(&seen);
    assert_eq!(sent.header("content-type"), "text/plain");
    assert_eq!(sent.text(), "SELECT \"a\", 1");
}

#[tokio::test]
async fn an_api_key_for_the_body_is_a_field_of_json_and_form_bodies_and_a_query_parameter_otherwise()
 {
    let (url, seen) = adapter().await;
    let client = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        client
            .post(format!("{url}{path}"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let response = post("/verify", json!({"number": "+4912345", "brand": "Fleet"}))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let sent = last(&seen);
    assert_eq!(
        sent.json(),
        json!({"number": "+4912345", "brand": "Fleet", "api_key": "key 4711&x"})
    );
    assert_eq!(sent.path_and_query, "/verify/json");

    let response = post("/verify/check", json!({"code": "1234"}))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let sent = last(&seen);
    assert_eq!(
        sent.header("content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(sent.text(), "code=1234&api_key=key+4711%26x");

    let response = client
        .get(format!("{url}/verify/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let sent = last(&seen);
    assert_eq!(sent.path_and_query, "/verify/status?api_key=key+4711%26x");
    assert!(sent.body.is_empty());
}

/// `type: json`: the caller's value is read as JSON where it is JSON and as text otherwise, and
/// goes upstream as a value of its kind does: an object in the deep-object form of every object
/// query parameter, text as the text.
#[tokio::test]
async fn a_json_parameter_takes_any_json_value() {
    let (url, seen) = adapter().await;
    let filter = json!({"size": {"gt": 10}, "tags": ["a", "b"]});
    let encoded: String = form_urlencoded::byte_serialize(filter.to_string().as_bytes()).collect();
    let response = reqwest::get(format!("{url}/search?filter={encoded}"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let sent = last(&seen);
    let query: Vec<(String, String)> =
        form_urlencoded::parse(sent.path_and_query.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let expected = [
        ("filter[size][gt]", "10"),
        ("filter[tags]", "a"),
        ("filter[tags]", "b"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(query, expected);

    let response = reqwest::get(format!("{url}/search?filter=large"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(last(&seen).path_and_query, "/search?filter=large");
}
