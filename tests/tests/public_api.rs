//! The generated crate's public API used as a user writes against it: the typed client, the REST
//! router, the MCP router and server, built from outside the crate. (That misuse does not compile
//! is `tests/api/tests/trybuild.rs`; this one compiles with the rest of the workspace.)

use std::sync::Arc;

use humanitec_tokeninfo::clients::humanitec_tokeninfo::{
    Client, Credentials, DEFAULT_BASE_URL, types,
};
use humanitec_tokeninfo::mcp::humanitec_tokeninfo_mcp as mcp;
use humanitec_tokeninfo::rest::humanitec_tokeninfo_rest as rest;
use humanitec_tokeninfo::{Error, Secret, UpstreamOptions, Upstreams};

/// Every typed method, as a caller writes it; compiled, not run (no upstream here).
async fn use_client(client: &Client) -> Result<(), Error> {
    // Typed by Humanitec's OpenAPI document (specs/humanitec-tokeninfo.openapi/).
    let tokens: Vec<types::TokenInfoResponse> = client.listusertokens("user-1").await?;
    let definition = types::TokenDefinitionRequest {
        id: "ci".into(),
        type_: "static".into(),
        description: None,
        expires_at: None,
    };
    let created: types::TokenResponse = client.createusertoken("user-1", &definition).await?;
    let _secret: String = created.token;
    let one: types::TokenInfoResponse = client.getusertoken("user-1", "ci").await?;
    let _expires: Option<String> = one.expires_at;
    // Documented as `204 No Content`: nothing to read.
    let (): () = client.deleteusertoken("user-1", "ci").await?;
    let raw = client.deleteusertoken_raw("user-1", "ci").await?;
    let _status: u16 = raw.status.as_u16();
    drop(tokens);
    Ok(())
}

#[test]
fn the_client_and_both_routers_are_built_from_outside_the_crate() {
    let credentials = Credentials {
        bearer_token: Secret::new("key"),
    };
    let client = Client::new(DEFAULT_BASE_URL, credentials, Some(reqwest::Client::new())).unwrap();
    let copy = client.clone();
    let _future = use_client(&copy);
    let upstreams = Arc::new(Upstreams {
        humanitec_tokeninfo: client,
    });
    let _app: axum::Router = rest::router(upstreams.clone()).merge(mcp::router(
        upstreams.clone(),
        rmcp::transport::streamable_http_server::StreamableHttpServerConfig::default(),
    ));
    let _server = mcp::Server::new(upstreams);
    let tools = mcp::tools();
    assert_eq!(tools.len(), 4, "one tool per operation of the seed");
    assert!(
        tools.iter().all(|tool| tool.output_schema.is_some()),
        "every tool publishes what it answers"
    );
    let _options = UpstreamOptions::default();
}
