//! Upstreams that answer XML, CSV, TSV, PSV or YAML: each body is read into JSON by the
//! generated `formats` module and shaped by field access, numeric text read as numbers.

mod common;

use std::sync::Arc;

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use naftiko_corpus::raw_formats as formats;
use serde_json::{Value, json};

const CATALOG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- the catalog -->
<catalog xmlns="urn:example:ships" updated="2026-11-28">
  <title>Ships &amp; boats &#x2014; all</title>
  <ship id="1"><name>Northern Star</name><tonnage> 32000.5 </tonnage><active>true</active></ship>
  <ship id="2">
    <name><![CDATA[Sea <Lark>]]></name>
    <tonnage>45000</tonnage>
    <active>false</active>
  </ship>
</catalog>"#;

/// A page whose layout is a table too: only `table.fleet` holds the rows.
const REPORT: &str = r#"<!doctype html>
<html><body>
<table class="layout"><tr><td>menu</td><td>
  <table class="fleet">
    <thead><tr><th>Name</th><th>Tonnage</th></tr></thead>
    <tbody>
      <tr><td>Star   of <b>Bergen</b></td><td>32000.5</td></tr>
      <tr><td>Sea Lark</td></tr>
    </tbody>
  </table>
</td></tr></table>
<table class="fleet"><tr><th>Name</th><th>Tonnage</th></tr><tr><td>Tern</td><td>900</td></tr></table>
</body></html>"#;

/// Notes with a table in the `## Ships` section and one outside it.
const NOTES: &str = "# Fleet notes

| Name | Flag |
|------|------|
| Not this | XX |

## Ships

Registered this year:

| Name | Flag |
| :--- | :--: |
| Star \\| Bergen | NO |
| Sea Lark | PA |

```
| Name | Flag |
| ---- | ---- |
| In a fence | ZZ |
```

## Crew

| Name | Flag |
|---|---|
| Not this either | YY |
";

/// The upstream: fixed bodies by path, each with its own content type.
async fn upstream(catalog: &'static str) -> String {
    let body = |content_type: &'static str, body: &'static str| {
        move || async move { ([(header::CONTENT_TYPE, content_type)], body).into_response() }
    };
    let app = axum::Router::new()
        .route(
            "/catalog.xml",
            axum::routing::get(body("application/xml", catalog)),
        )
        .route(
            "/rows.csv",
            axum::routing::get(body(
                "text/csv",
                "name,tonnage\r\n\"Star, \"\"Northern\"\"\",32000.5\r\n\r\nSea Lark,45000\r\n",
            )),
        )
        .route(
            "/rows.tsv",
            axum::routing::get(body(
                "text/tab-separated-values",
                "name\tflag\nA\tNO\nB\tPA",
            )),
        )
        .route(
            "/rows.psv",
            axum::routing::get(body("text/plain", "name|flag\nA|NO\n")),
        )
        .route(
            "/rows.bad",
            axum::routing::get(body("text/csv", "name,flag\nA\n")),
        )
        .route(
            "/report.html",
            axum::routing::get(body("text/html", REPORT)),
        )
        .route(
            "/notes.md",
            axum::routing::get(body("text/markdown", NOTES)),
        )
        .route(
            "/settings.yaml",
            axum::routing::get(body(
                "application/yaml",
                "limits:\n  retries: 3\nregions: [eu, us]\n",
            )),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn serve(upstream: &str) -> String {
    let mut options = formats::UpstreamOptions::default();
    options
        .base_urls
        .insert("feeds".into(), upstream.to_owned());
    let upstreams = Arc::new(formats::Upstreams::from_env(&options).unwrap());
    let app = formats::rest::formats_rest::router(upstreams);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn get(url: String) -> (StatusCode, Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    (
        status,
        serde_json::from_str(&response.text().await.unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn xml_is_read_like_the_engine_reads_it_and_typed_by_the_spec() {
    let url = serve(&upstream(CATALOG).await).await;
    let (status, catalog) = get(format!("{url}/catalog")).await;
    assert_eq!(status, StatusCode::OK, "{catalog}");
    assert_eq!(
        catalog,
        json!({
            "updated": "2026-11-28",
            "title": "Ships & boats \u{2014} all",
            "ships": [
                {"id": 1, "name": "Northern Star", "tonnage": 32000.5, "active": true},
                {"id": 2, "name": "Sea <Lark>", "tonnage": 45000.0, "active": false},
            ],
        })
    );
}

#[tokio::test]
async fn an_output_value_template_is_made_from_the_inputs() {
    let url = serve(&upstream(CATALOG).await).await;
    let (status, body) = get(format!("{url}/catalog-for/Ann%20B?lang=nb")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["note"], "Prepared for Ann B (nb)");
    assert!(body["title"].is_string(), "{body}");
    // An optional input not given is empty text.
    let (_, body) = get(format!("{url}/catalog-for/Cy")).await;
    assert_eq!(body["note"], "Prepared for Cy ()");
}

/// The same over MCP: a template inside each element of an array.
#[tokio::test]
async fn an_output_value_template_in_array_items_over_mcp() {
    let mut options = formats::UpstreamOptions::default();
    options
        .base_urls
        .insert("feeds".into(), upstream(CATALOG).await);
    let upstreams = Arc::new(formats::Upstreams::from_env(&options).unwrap());
    let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
    let url = common::serve(formats::mcp::formats_mcp::router(upstreams, config)).await;
    let result = common::rpc(
        &url,
        "tools/call",
        json!({"name": "ships-for", "arguments": {"who": "Ann", "unit": "t"}}),
    )
    .await
    .unwrap();
    let ships = &result["structuredContent"]["result"];
    assert_eq!(ships[0]["note"], "Ann asked, in t", "{result}");
    assert!(ships[0]["name"].is_string(), "{result}");
}

#[tokio::test]
async fn of_several_outputs_the_first_that_is_not_null_is_returned() {
    let url = serve(&upstream(CATALOG).await).await;
    let (status, first) = get(format!("{url}/first")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first, json!("Ships & boats \u{2014} all"));
}

#[tokio::test]
async fn a_rest_operation_in_mock_mode_answers_its_fixed_outputs() {
    let url = serve("http://127.0.0.1:9").await;
    let (status, hello) = get(format!("{url}/hello/Ann%20B")).await;
    assert_eq!(status, StatusCode::OK, "{hello}");
    assert_eq!(hello, json!({"greeting": "Hello, Ann B!", "version": "1"}));
}

#[tokio::test]
async fn one_repeated_element_is_an_array_of_one() {
    let one = r#"<catalog><ship id="7"><name>Solo</name></ship></catalog>"#;
    let url = serve(&upstream(one).await).await;
    let (_, catalog) = get(format!("{url}/catalog")).await;
    assert_eq!(
        catalog["ships"],
        json!([{"id": 7, "name": "Solo", "tonnage": null, "active": null}])
    );
}

#[tokio::test]
async fn xml_that_is_not_well_formed_is_a_502_naming_the_format() {
    for broken in ["<catalog><ship>", "not xml at all", "<a></b>"] {
        let url = serve(&upstream(broken).await).await;
        let (status, problem) = get(format!("{url}/catalog")).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{broken}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or("")
                .contains("not valid XML"),
            "{broken}: {problem}"
        );
    }
}

#[tokio::test]
async fn delimited_rows_become_objects_keyed_by_the_header() {
    let url = serve(&upstream(CATALOG).await).await;
    let (status, rows) = get(format!("{url}/rows/csv")).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    assert_eq!(
        rows,
        json!([
            {"name": "Star, \"Northern\"", "tonnage": 32000.5},
            {"name": "Sea Lark", "tonnage": 45000.0},
        ])
    );
    let (_, rows) = get(format!("{url}/tsv-rows/tsv")).await;
    assert_eq!(rows, json!([{"name": "A"}, {"name": "B"}]));
    let (_, rows) = get(format!("{url}/psv-rows/psv")).await;
    assert_eq!(rows, json!([{"name": "A"}]));
    // A row shorter than the header is not silently padded.
    let (status, problem) = get(format!("{url}/rows/bad")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("not valid CSV"),
        "{problem}"
    );
}

#[tokio::test]
async fn html_tables_the_selector_finds_become_rows() {
    let url = serve(&upstream(CATALOG).await).await;
    let (status, rows) = get(format!("{url}/report")).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    // Cell text with whitespace collapsed; a missing cell is null.
    assert_eq!(
        rows,
        json!([
            {"name": "Star of Bergen", "tonnage": 32000.5},
            {"name": "Sea Lark", "tonnage": null},
            {"name": "Tern", "tonnage": 900.0},
        ])
    );
}

#[tokio::test]
async fn markdown_tables_of_the_selected_section_become_rows() {
    let url = serve(&upstream(CATALOG).await).await;
    let (status, rows) = get(format!("{url}/notes")).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    assert_eq!(
        rows,
        json!([
            {"name": "Star | Bergen", "flag": "NO"},
            {"name": "Sea Lark", "flag": "PA"},
        ])
    );
}

/// The client's methods return the structs the adapters shape the answers into, read from
/// the declared format.
#[tokio::test]
async fn the_client_returns_typed_results() {
    use formats::clients::feeds;
    let client = feeds::Client::new(&upstream(CATALOG).await, feeds::Credentials, None).unwrap();
    let settings: feeds::GetSettingsOutput = client.get_settings().await.unwrap();
    assert_eq!(settings.retries, Some(3));
    assert_eq!(
        settings.regions,
        [Some("eu".to_owned()), Some("us".to_owned())]
    );
    let rows: Vec<feeds::GetCsvOutputItem> = client.get_csv("csv").await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].name.as_deref(), Some("Star, \"Northern\""));
    assert_eq!(rows[1].tonnage, Some(45000.0));
    // A value of another type than the spec says is an error naming its path.
    let mut settings_server = axum::Router::new().route(
        "/settings.yaml",
        axum::routing::get(|| async { "limits:\n  retries: many\nregions: []\n" }),
    );
    settings_server = settings_server.fallback(|| async { StatusCode::NOT_FOUND });
    let broken = feeds::Client::new(
        &common::serve(settings_server).await,
        feeds::Credentials,
        None,
    )
    .unwrap();
    match broken.get_settings().await {
        Err(formats::Error::Shape(mismatch)) => {
            assert_eq!(mismatch.path, "$.limits.retries");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn yaml_is_read_as_json() {
    let url = serve(&upstream(CATALOG).await).await;
    let (status, settings) = get(format!("{url}/settings")).await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings, json!({"retries": 3, "regions": ["eu", "us"]}));
}

/// The control adapter, started with every other adapter by the generated `server::serve`:
/// health, status and configuration (no secret in it), and the metrics.
#[tokio::test]
async fn the_control_adapter_reports_health_status_and_configuration() {
    let upstream = upstream(CATALOG).await;
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap()
    };
    let control = free();
    let mut options = formats::server::ServeOptions::default();
    for (ns, port) in [
        ("formats-rest", free()),
        ("formats-mcp", free()),
        ("control", control),
    ] {
        options
            .listen
            .insert(ns.into(), format!("127.0.0.1:{port}"));
    }
    options
        .upstreams
        .base_urls
        .insert("feeds".into(), upstream.clone());
    tokio::spawn(formats::server::serve(options));
    let url = format!("http://127.0.0.1:{control}");
    let client = reqwest::Client::new();
    let mut live = None;
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{url}/health/live")).send().await {
            live = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(
        live.expect("the control adapter answers").status().as_u16(),
        200
    );
    let (status, ready) = get(format!("{url}/health/ready")).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    let (_, status) = get(format!("{url}/status")).await;
    assert_eq!(status["capability"], "Formats");
    assert_eq!(status["adapters"].as_array().map(Vec::len), Some(3));
    let (_, config) = get(format!("{url}/config")).await;
    assert_eq!(config["upstreams"]["feeds"], upstream.as_str());
    assert_eq!(config["listen"]["control"], format!("127.0.0.1:{control}"));
    let metrics = client.get(format!("{url}/metrics")).send().await.unwrap();
    assert_eq!(metrics.status().as_u16(), 200);
}
