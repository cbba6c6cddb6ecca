//! What the generated clients put on the wire, for every body and credential shape of the
//! kitchen-sink fixture, checked against a recording server on loopback.

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::response::IntoResponse as _;
use common::{Seen, last, recorder};
use naftiko_corpus::kitchen_sink::Secret;
use naftiko_corpus::kitchen_sink::clients::{forms, maps, pets, store, weather};
use serde_json::json;

#[tokio::test]
async fn json_bodies_render_placeholders_as_values_and_text() {
    let (url, seen) = recorder().await;
    let client = forms::Client::new(&url, forms::Credentials, None).unwrap();

    // A placeholder standing for the whole body sends that JSON value (an array stays an array).
    let events = json!([{"eventType": "Deploy", "n": 1}]);
    client.send_events(&events).await.unwrap();
    let got = last(&seen);
    assert_eq!(
        (got.method.as_str(), got.path_and_query.as_str()),
        ("POST", "/events")
    );
    assert_eq!(got.header("content-type"), "application/json");
    assert_eq!(got.json(), events);

    // Inside an object: whole-value placeholders keep their JSON type; text around placeholders
    // makes a string; literals stay as written.
    let tags = json!(["a", "b"]);
    client.send_call(Some(3), "tts", &tags).await.unwrap();
    let got = last(&seen);
    assert_eq!(got.path_and_query, "/events?retries=3");
    assert_eq!(
        got.json(),
        json!({"method": "tts", "text": "Retry 3 times for tts", "fixed": [1, true, null], "nested": {"tags": ["a", "b"]}})
    );

    // A raw JSON template is built as JSON: a placeholder inside a string is escaped (the
    // engine pastes it, making `{"id":"u"1"}`); a bare placeholder is the argument's JSON.
    client.send_raw("u\"1", &json!(["a", 1])).await.unwrap();
    let got = last(&seen);
    assert_eq!(got.header("content-type"), "application/json");
    assert_eq!(got.json(), json!({"id": "u\"1", "tags": ["a", 1], "n": 1}));
}

#[tokio::test]
async fn form_multipart_and_text_bodies_are_really_encoded() {
    let (url, seen) = recorder().await;
    // hyper underneath (the default), then a caller's own reqwest client: the same bytes.
    let direct = forms::Client::new(&url, forms::Credentials, None).unwrap();
    bodies_are_encoded(&direct, &seen).await;
    let reqwest = reqwest::Client::new();
    let brought = forms::Client::new(&url, forms::Credentials, Some(reqwest)).unwrap();
    bodies_are_encoded(&brought, &seen).await;
}

async fn bodies_are_encoded(client: &forms::Client, seen: &Arc<Mutex<Vec<Seen>>>) {
    let seen = seen.clone();

    client.send_form("Ada & Bob=1").await.unwrap();
    let got = last(&seen);
    assert_eq!(
        got.header("content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(got.text(), "Name=Ada+%26+Bob%3D1");

    client.send_encoded("read write").await.unwrap();
    let got = last(&seen);
    assert_eq!(
        got.header("content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        got.text(),
        "grant_type=client_credentials&scope=read%20write"
    );

    client.send_multipart("file body", "a cat").await.unwrap();
    let got = last(&seen);
    assert!(
        got.header("content-type")
            .starts_with("multipart/form-data; boundary=")
    );
    let boundary = got.header("content-type")["multipart/form-data; boundary=".len()..].to_owned();
    let text = got.text();
    assert!(
        text.starts_with(&format!("--{boundary}\r\n"))
            && text.ends_with(&format!("\r\n--{boundary}--\r\n")),
        "{text}"
    );
    assert!(
        text.contains("name=\"file\"; filename=\"a.txt\"")
            && text.contains("Content-Type: text/plain"),
        "{text}"
    );
    assert!(
        text.contains("file body") && text.contains("name=\"prompt\"") && text.contains("a cat"),
        "{text}"
    );

    client.send_text("<b>").await.unwrap();
    // The consumes-level fixed header goes with every request of the API.
    assert_eq!(last(&seen).header("x-client"), "kitchen-sink");

    let got = last(&seen);
    assert_eq!(
        (got.method.as_str(), got.header("content-type")),
        ("PUT", "application/xml")
    );
    assert_eq!(got.text(), "<a><b></a>");
}

#[tokio::test]
async fn credentials_go_where_the_spec_says() {
    let (url, seen) = recorder().await;

    let bearer = pets::Client::new(
        &url,
        pets::Credentials {
            bearer_token: Secret::new("t0k"),
        },
        None,
    )
    .unwrap();
    bearer
        .list_pets(7, None, "cat", None, 42, Some(true))
        .await
        .unwrap();
    let got = last(&seen);
    assert_eq!(got.header("authorization"), "Bearer t0k");
    assert_eq!(
        got.path_and_query,
        "/owners/7/pets?species=cat&verbose=true"
    );
    assert_eq!(got.header("x-tenant"), "42");
    assert_eq!(got.headers.get_all("cookie").iter().count(), 1);
    assert_eq!(got.header("cookie"), "session=s%201%3Bx; lang=en");

    let query_key = weather::Client::new(
        &url,
        weather::Credentials {
            api_key: Secret::new("host-k3y"),
        },
        None,
    )
    .unwrap();
    let fields = json!(["temp", "wind"]);
    query_key
        .forecast(Some(2.5), Some(&fields), "Berlin")
        .await
        .unwrap();
    let got = last(&seen);
    assert_eq!(
        got.path_and_query,
        "/forecast/Berlin?appid=host-k3y&days=2.5&fields=temp&fields=wind"
    );
    assert_eq!(got.header("authorization"), "");

    let header_key = maps::Client::new(
        &url,
        maps::Credentials {
            api_key: Secret::new("m4p"),
            weather_host: Secret::new("unused"),
            maps_key: Secret::new("m4p"),
            area: Secret::new("unused"),
        },
        None,
    )
    .unwrap();
    header_key.tiles().await.unwrap();
    assert_eq!(last(&seen).header("x-maps-key"), "m4p");

    // Path parameters with a fixed value and a bound one, each encoded as one segment.
    let regional = maps::Client::new(
        &url,
        maps::Credentials {
            api_key: Secret::new("m4p"),
            weather_host: Secret::new("eu/west 1"),
            maps_key: Secret::new("m4p"),
            area: Secret::new("north sea"),
        },
        None,
    )
    .unwrap();
    regional.region_tiles("12").await.unwrap();
    assert_eq!(
        last(&seen).path_and_query,
        "/v2%20beta/regions/eu%2Fwest%201/tiles/12"
    );

    // An `in: environment` variable, in the path and in a header value.
    regional.area().await.unwrap();
    let got = last(&seen);
    assert_eq!(got.path_and_query, "/areas/north%20sea");
    assert_eq!(got.header("x-area"), "zone-north sea");

    // Bound variables in body templates: escaped as JSON, form-encoded in a form.
    regional.open_session("b\"7").await.unwrap();
    let got = last(&seen);
    assert_eq!(
        got.json(),
        json!({"client": "m4p", "region": "eu/west 1-b\"7"})
    );
    regional.open_form_session("z 1").await.unwrap();
    assert_eq!(last(&seen).text(), "client=m4p&zone=z%201");

    let basic = store::Client::new(
        &url,
        store::Credentials {
            username: Secret::new("kitchen"),
            password: Secret::new("s3cret"),
        },
        None,
    )
    .unwrap();
    let tags = json!(["x", "y"]);
    basic
        .label(Some(&tags), "item/1", "label-a b")
        .await
        .unwrap();
    let got = last(&seen);
    // base64("kitchen:s3cret")
    assert_eq!(got.header("authorization"), "Basic a2l0Y2hlbjpzM2NyZXQ=");
    assert_eq!(got.path_and_query, "/items/item%2F1/labels/label-a%20b");
    assert_eq!(got.header("x-tags"), "x,y");
}

#[tokio::test]
async fn inherited_parameters_fixed_values_and_value_templates() {
    let (url, seen) = recorder().await;
    let client = forms::Client::new(&url, forms::Credentials, None).unwrap();
    // `q` (value `{{term}}`), then the resource-level `fields`, then the path's `id`.
    client
        .get_tenant(Some("big cats"), Some("a,b"), "t/1")
        .await
        .unwrap();
    let got = last(&seen);
    assert_eq!(got.path_and_query, "/tenants/t%2F1?q=big+cats&fields=a%2Cb");
    assert_eq!(got.header("x-client"), "kitchen-sink");
    // Over MCP the `{{term}}` template makes the tool's input `term`, feeding `q`.
    let tools = naftiko_corpus::kitchen_sink::mcp::weather_mcp::tools();
    let tool = tools.iter().find(|t| t.name == "get-tenant").unwrap();
    let properties = &tool.input_schema["properties"];
    assert!(
        properties.get("term").is_some() && properties.get("q").is_none(),
        "{properties}"
    );
}

/// A server that answers every request with `status` and `Location: location`, except
/// `/landing`, which it records and answers 200.
async fn redirector(status: u16, location: String) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let (landing_url, seen) = recorder().await;
    let app = axum::Router::new().fallback(move |request: Request| {
        let (location, landing_url) = (location.clone(), landing_url.clone());
        async move {
            if request.uri().path() == "/landing" {
                // Same-host landing: forward to the recorder to keep one log.
                let got = reqwest::Client::new()
                    .get(format!("{landing_url}/landing"))
                    .headers(request.headers().clone())
                    .send()
                    .await
                    .unwrap();
                return (axum::http::StatusCode::OK, got.text().await.unwrap()).into_response();
            }
            let status = axum::http::StatusCode::from_u16(status).unwrap();
            (status, [(axum::http::header::LOCATION, location)]).into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test]
async fn redirects_are_followed_to_their_own_origin_only() {
    let bearer = |url: &str| {
        pets::Client::new(
            url,
            pets::Credentials {
                bearer_token: Secret::new("t0k"),
            },
            None,
        )
        .unwrap()
    };

    // Another host: not followed; the redirect is the answer and nothing goes there.
    let (elsewhere, seen) = recorder().await;
    let (url, _) = redirector(302, format!("{elsewhere}/moved?x=1")).await;
    let answer = bearer(&url).list_pets(7, None, "cat", None, 42, None).await;
    assert!(answer.is_err(), "a redirect to another host was followed");
    // A 307 would re-send the body: not to another host.
    let (url, _) = redirector(307, format!("{elsewhere}/kept")).await;
    let forms = forms::Client::new(&url, forms::Credentials, None).unwrap();
    assert!(forms.send_form("Ada").await.is_err());
    assert!(
        seen.lock().unwrap().is_empty(),
        "a request reached another host"
    );

    // The same host: the credentials go along.
    let (url, seen) = redirector(301, "/landing".to_owned()).await;
    bearer(&url)
        .list_pets(7, None, "cat", None, 42, None)
        .await
        .unwrap();
    assert_eq!(last(&seen).header("authorization"), "Bearer t0k");
}

#[tokio::test]
async fn hostile_query_and_header_values_stay_values() {
    let (url, seen) = recorder().await;
    let client = pets::Client::new(
        &url,
        pets::Credentials {
            bearer_token: Secret::new("t0k"),
        },
        None,
    )
    .unwrap();
    // Each of `& = ? # % / + ;`, CR, LF and NUL, and a long value, stays inside its query value.
    let species = "a&b=c?d#e%f/g+h;i\r\nj\0k";
    client
        .list_pets(7, None, species, None, 1, None)
        .await
        .unwrap();
    let got = last(&seen);
    assert_eq!(
        got.path_and_query,
        "/owners/7/pets?species=a%26b%3Dc%3Fd%23e%25f%2Fg%2Bh%3Bi%0D%0Aj%00k"
    );
    let long = "x".repeat(10_000);
    client
        .list_pets(7, None, &long, None, 1, None)
        .await
        .unwrap();
    assert_eq!(
        last(&seen).path_and_query,
        format!("/owners/7/pets?species={long}")
    );
    // A header value with a line break is refused before anything is sent, not split.
    let before = seen.lock().unwrap().len();
    let err = client
        .list_pets(7, None, "cat", Some("a\r\nX-Injected: 1"), 1, None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("X-Trace") || err.to_string().contains("x-trace"),
        "{err}"
    );
    assert_eq!(seen.lock().unwrap().len(), before);
}
