//! `binds` with a `location`: values read at start-up from a YAML file relative to the spec's
//! folder (`--spec-dir`), beside a value from the environment, used in credentials, the base URL
//! and parameter values; errors name the file, the key and the bind, never a value.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{last, recorder};
use naftiko_corpus::file_binds::{UpstreamOptions, Upstreams};

const TOKEN: &str = "fixture-token-1234";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn options(spec_dir: &Path, base_urls: &[(&str, &str)]) -> UpstreamOptions {
    UpstreamOptions {
        base_urls: base_urls
            .iter()
            .map(|(ns, url)| ((*ns).to_owned(), (*url).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        spec_dir: spec_dir.to_owned(),
        ..UpstreamOptions::default()
    }
}

fn error(options: &UpstreamOptions) -> String {
    Upstreams::from_env(options).unwrap_err().to_string()
}

/// A spec folder whose `shared/fixture-secrets.yaml` holds `text`.
fn folder_with(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("naftiko-binds-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("shared")).unwrap();
    std::fs::write(dir.join("shared/fixture-secrets.yaml"), text).unwrap();
    dir
}

// One test: it sets an environment variable, which nothing else in this binary reads.
#[tokio::test]
async fn bound_values_come_from_the_file_and_the_environment() {
    // Not set yet: the environment-bound variable is reported, by name.
    let message = error(&options(&fixtures(), &[]));
    assert!(
        message.contains("FILE_BINDS_STORE_PASSWORD") && message.contains("binds[1]"),
        "{message}"
    );
    // SAFETY: no other thread of this test binary reads or writes the environment.
    unsafe { std::env::set_var("FILE_BINDS_STORE_PASSWORD", "pa55") };

    // The file's values reach the wire and the templated base URL.
    let (url, seen) = recorder().await;
    let upstreams = Upstreams::from_env(&options(
        &fixtures(),
        &[("registry", &url), ("store", &url)],
    ))
    .unwrap();
    upstreams.registry.list_ships(None).await.unwrap();
    let got = last(&seen);
    assert_eq!(got.header("authorization"), format!("Bearer {TOKEN}"));
    // Bound values in consumes-level parameter values, with text around them or alone.
    assert_eq!(got.header("registry-version"), "eu-v2");
    assert_eq!(got.path_and_query, "/ships?region=eu");
    upstreams.store.list_orders().await.unwrap();
    assert_eq!(
        last(&seen).header("authorization"),
        "Basic Y2xlcms6cGE1NQ=="
    );
    let defaults = Upstreams::from_env(&options(&fixtures(), &[])).unwrap();
    assert_eq!(defaults.registry.base_url(), "https://eu.registry.example");

    // The file is looked for relative to --spec-dir.
    let elsewhere = std::env::temp_dir().join("naftiko-no-such-spec-dir");
    let message = error(&options(&elsewhere, &[]));
    assert!(
        message.contains("fixture-secrets.yaml")
            && message.contains("binds[0]")
            && message.contains("registry-env"),
        "{message}"
    );

    // A key the file lacks: the key, its variable and the bind are named.
    let dir = folder_with("missing", "registry-bearer-token: fixture-token-1234\n");
    let message = error(&options(&dir, &[]));
    assert!(
        message.contains("`registry-region`") && message.contains("REGISTRY_REGION"),
        "{message}"
    );
    assert!(!message.contains(TOKEN), "a value leaked: {message}");

    // A file that is not a mapping: what it holds never shows.
    let dir = folder_with("broken", "registry-bearer-token: [s3cr3t-value\n");
    let message = error(&options(&dir, &[]));
    assert!(message.contains("not a YAML or JSON mapping"), "{message}");
    assert!(!message.contains("s3cr3t"), "a value leaked: {message}");
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(folder_with("missing", "")).unwrap();

    inbound_authentication(&url).await;
}

/// Serve `router` on loopback; its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

/// The adapters' `authentication`: the REST adapter wants the bound token as a bearer token, the
/// MCP adapter as the header `X-Api-Key`; anything else is a 401 that never reaches upstream.
async fn inbound_authentication(upstream: &str) {
    use naftiko_corpus::file_binds::{Bound, mcp, rest};
    use naftiko_runtime::inbound::Guard;

    let options = options(&fixtures(), &[("registry", upstream), ("store", upstream)]);
    let bound = Bound::read(&options).unwrap();
    let upstreams = std::sync::Arc::new(Upstreams::from_bound(&options, &bound).unwrap());
    let http = reqwest::Client::new();

    let guard = Guard::Bearer(bound.api_token.clone());
    let url = serve(rest::registry_rest::router(upstreams.clone(), guard)).await;
    let status = |request: reqwest::RequestBuilder| async move {
        request.send().await.unwrap().status().as_u16()
    };
    let get = |auth: Option<&str>| {
        let request = http.get(format!("{url}/ships"));
        match auth {
            Some(value) => request.header("authorization", value),
            None => request,
        }
    };
    let refused = get(None).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    assert_eq!(refused.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    for wrong in [
        "Bearer inbound-012",
        "Bearer inbound-01234",
        "Basic inbound-0123",
        "inbound-0123",
    ] {
        assert_eq!(status(get(Some(wrong))).await, 401, "{wrong}");
    }
    let admitted = get(Some("Bearer inbound-0123")).send().await.unwrap();
    assert_eq!(admitted.status().as_u16(), 200);
    // The REST operation's shaped output: typed fields from the upstream JSON, and a constant.
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&admitted.text().await.unwrap()).unwrap(),
        serde_json::json!({"fine": true, "source": "registry", "revision": 2})
    );
    assert_eq!(
        status(get(Some("bearer inbound-0123"))).await,
        200,
        "the scheme is case-insensitive"
    );

    // An input with a `pattern`: a value that does not match is a 400 that never goes upstream.
    let with_flag = |flag: &str| {
        http.get(format!("{url}/ships?flag={flag}"))
            .header("authorization", "Bearer inbound-0123")
    };
    let refused = with_flag("no").send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains("`flag` does not match the pattern `^[A-Z]{2}$`"),
        "{text}"
    );
    assert_eq!(status(with_flag("NO")).await, 200);

    let guard = Guard::Header {
        name: "X-Api-Key",
        key: bound.api_token.clone(),
    };
    let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
    let url = serve(mcp::registry_mcp::router(upstreams, config, guard)).await;
    let initialize = serde_json::json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
    });
    let post = |key: Option<&str>| {
        let request = http
            .post(format!("{url}/mcp"))
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(initialize.to_string());
        match key {
            Some(key) => request.header("x-api-key", key),
            None => request,
        }
    };
    assert_eq!(status(post(None)).await, 401);
    assert_eq!(status(post(Some("inbound-0124"))).await, 401);
    assert_eq!(status(post(Some("inbound-0123"))).await, 200);

    // The MCP tool's `pattern`: in its input schema, and enforced (-32602).
    let rpc = |body: serde_json::Value| {
        http.post(format!("{url}/mcp"))
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .header("mcp-protocol-version", "2025-11-25")
            .header("x-api-key", "inbound-0123")
            .body(body.to_string())
    };
    let listed: serde_json::Value = serde_json::from_str(
        &rpc(serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        listed["result"]["tools"][0]["inputSchema"]["properties"]["flag"]["pattern"],
        "^[A-Z]{2}$"
    );
    let call = |flag: &str| {
        rpc(
            serde_json::json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": "list-ships", "arguments": {"flag": flag}}}),
        )
    };
    let answer: serde_json::Value =
        serde_json::from_str(&call("no").send().await.unwrap().text().await.unwrap()).unwrap();
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    let answer: serde_json::Value =
        serde_json::from_str(&call("NO").send().await.unwrap().text().await.unwrap()).unwrap();
    assert_eq!(answer["result"]["isError"], false, "{answer}");
}
