//! The hostile specs the generator takes (tests/hostile): what they generate compiles (it is
//! part of this crate) and means what the spec says — a name the generator also makes, a
//! parameter named like a local, text with control characters change nothing on the wire.

mod common;

use std::sync::Arc;

use common::{last, recorder, rpc, serve};
use naftiko_corpus::hostile;
use serde_json::json;

fn token() -> naftiko_runtime::secret::Secret {
    naftiko_runtime::secret::Secret::new("t0k")
}

/// Operations named like the client's own methods are generated under another name; the
/// client's constructors and `base_url` stay what they are.
#[tokio::test]
async fn operations_named_like_client_methods_keep_both() {
    use hostile::hostile_operation_named_new::clients::users::{Client, Credentials};
    let (url, seen) = recorder().await;
    let client = Client::new(
        &url,
        Credentials {
            bearer_token: token(),
        },
        None,
    )
    .unwrap();
    assert_eq!(client.base_url(), url);

    client.new_2("u1").await.unwrap();
    let got = last(&seen);
    assert_eq!(
        (got.method.as_str(), got.path_and_query.as_str()),
        ("GET", "/users/u1")
    );
    client.base_url_2().await.unwrap();
    assert_eq!(last(&seen).path_and_query, "/settings");
    client.with_http_client_2().await.unwrap();
    let got = last(&seen);
    assert_eq!(
        (got.method.as_str(), got.path_and_query.as_str()),
        ("DELETE", "/settings")
    );
}

/// `get-user-raw` beside `get-user` (whose answer-as-received twin is `get_user_raw`).
#[tokio::test]
async fn an_operation_named_like_a_raw_twin_keeps_its_own_request() {
    use hostile::hostile_operation_raw_twin::clients::users::{Client, Credentials};
    let (url, seen) = recorder().await;
    let client = Client::new(
        &url,
        Credentials {
            bearer_token: token(),
        },
        None,
    )
    .unwrap();
    client.get_user("u1").await.unwrap();
    assert_eq!(last(&seen).method, "GET");
    let raw = client.get_user_raw("u1").await.unwrap();
    assert_eq!(raw.status, 200);
    assert_eq!(last(&seen).method, "GET");
    client.get_user_raw_2("u2").await.unwrap();
    let got = last(&seen);
    assert_eq!(
        (got.method.as_str(), got.path_and_query.as_str()),
        ("POST", "/users/u2")
    );
}

/// Upstream parameters named `url`, `request`, `answer`, `self`: each value goes where the
/// spec says, none replaces the URL or the request the client builds.
#[tokio::test]
async fn parameters_named_like_the_clients_locals_send_their_values() {
    use hostile::hostile_parameters_named_like_locals::clients::users::{Client, Credentials};
    let (url, seen) = recorder().await;
    let client = Client::new(
        &url,
        Credentials {
            bearer_token: token(),
        },
        None,
    )
    .unwrap();
    client
        .get_user(
            "u1",
            Some("http://elsewhere.example"),
            Some("r"),
            Some("a"),
            Some("s"),
        )
        .await
        .unwrap();
    let got = last(&seen);
    assert_eq!(
        got.path_and_query,
        "/users/u1?url=http%3A%2F%2Felsewhere.example&request=r&self=s"
    );
    assert_eq!(got.header("answer"), "a");
    assert_eq!(got.header("authorization"), "Bearer t0k");
}

/// Exposed inputs named like the handlers' locals (`upstreams`, `headers`, `query_params`,
/// `args`, `result`) are read from the request as any input, over REST and MCP.
#[tokio::test]
async fn inputs_named_like_the_handlers_locals_are_inputs() {
    use hostile::hostile_inputs_named_like_locals as fixture;
    let (url, seen) = recorder().await;
    let client = fixture::clients::users::Client::new(
        &url,
        fixture::clients::users::Credentials {
            bearer_token: token(),
        },
        None,
    )
    .unwrap();
    let upstreams = Arc::new(fixture::Upstreams { users: client });

    let rest = serve(fixture::rest::users_rest::router(upstreams.clone())).await;
    let answer = reqwest::Client::new()
        .get(format!("{rest}/users/u1?headers=h&query_params=q&result=r"))
        .header("args", "A")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    let got = last(&seen);
    assert_eq!(
        got.path_and_query,
        "/users/u1?headers=h&query_params=q&result=r"
    );
    assert_eq!(got.header("args"), "A");

    let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
    let mcp = serve(fixture::mcp::users_mcp::router(upstreams, config)).await;
    let arguments = json!({"upstreams": "u2", "headers": "h2", "query_params": "q2", "args": "A2", "result": "r2"});
    rpc(
        &mcp,
        "tools/call",
        json!({"name": "get-user", "arguments": arguments}),
    )
    .await
    .unwrap();
    let got = last(&seen);
    assert_eq!(
        got.path_and_query,
        "/users/u2?headers=h2&query_params=q2&result=r2"
    );
    assert_eq!(got.header("args"), "A2");
}

/// Tools named `new`, `upstreams` and `call_tool` are tools like any other.
#[tokio::test]
async fn tools_named_like_the_servers_methods_are_tools() {
    use hostile::hostile_tool_named_new as fixture;
    let (url, seen) = recorder().await;
    let client = fixture::clients::users::Client::new(
        &url,
        fixture::clients::users::Credentials {
            bearer_token: token(),
        },
        None,
    )
    .unwrap();
    let upstreams = Arc::new(fixture::Upstreams { users: client });
    let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
    let mcp = serve(fixture::mcp::users_mcp::router(upstreams, config)).await;
    let listed = rpc(&mcp, "tools/list", json!({})).await.unwrap();
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["new", "upstreams", "call_tool"]);
    for (i, name) in names.iter().enumerate() {
        let id = format!("u{i}");
        rpc(
            &mcp,
            "tools/call",
            json!({"name": name, "arguments": {"userId": id}}),
        )
        .await
        .unwrap();
        assert_eq!(last(&seen).path_and_query, format!("/users/{id}"));
    }
}

/// A base URI with shell syntax in it is the client's base URL as written.
#[test]
fn a_base_uri_with_shell_syntax_is_the_url_as_written() {
    use hostile::hostile_baseuri_shell::clients::users::DEFAULT_BASE_URL;
    assert_eq!(DEFAULT_BASE_URL, "https://api.example/$(reboot)&x=1;id's");
}

/// Keywords and string-literal syntax in names: the wire names as written.
#[tokio::test]
async fn keyword_and_injection_names_are_sent_as_written() {
    use fixture::clients::users::{Client, Credentials};
    use hostile::hostile_keyword_and_injection_names as fixture;
    let (url, seen) = recorder().await;
    let client = Client::new(
        &url,
        Credentials {
            bearer_token: token(),
        },
        None,
    )
    .unwrap();
    client.type_("u1", Some("m"), Some("p")).await.unwrap();
    assert_eq!(
        last(&seen).path_and_query,
        "/users/u1?mod=m&%22%29%3B+panic%21%28%22=p"
    );
    let tools = fixture::mcp::users_mcp::tools();
    assert_eq!(tools[0].name, "fn");
}
