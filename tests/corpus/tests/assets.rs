//! Content a spec names with `location` — an MCP prompt in a file, MCP resources from a file and
//! from a folder, a skill's folder with SKILL.md and an instruction file — read at generation,
//! compiled in, and served by the generated adapters (tests/fixtures/assets.yaml).

mod common;

use std::sync::Arc;

use base64::Engine as _;
use naftiko_corpus::assets as fixture;
use serde_json::{Value, json};

use common::{rpc, serve};

async fn mcp_url() -> String {
    let upstreams = Arc::new(fixture::Upstreams::from_env(&Default::default()).unwrap());
    let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
    serve(fixture::mcp::library_mcp::router(upstreams, config)).await
}

fn by_uri<'a>(listed: &'a Value, uri: &str) -> &'a Value {
    listed["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["uri"] == uri)
        .unwrap_or_else(|| panic!("no resource {uri} in {listed}"))
}

#[tokio::test]
async fn resources_from_a_file_and_from_each_file_of_a_folder() {
    let url = mcp_url().await;
    let listed = rpc(&url, "resources/list", json!({})).await.unwrap();
    let uris: Vec<&str> = listed["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    // Hidden files are not content; sub-folders keep their path.
    assert_eq!(
        uris,
        [
            "docs://fleet/guides/ports.json",
            "docs://fleet/index.md",
            "docs://fleet/pixel.png",
            "docs://fleet-guide",
        ]
    );
    let guide = by_uri(&listed, "docs://fleet-guide");
    assert_eq!(guide["name"], "ship-guide");
    assert_eq!(guide["title"], "Ship guide");
    assert_eq!(guide["mimeType"], "text/markdown");
    let ports = by_uri(&listed, "docs://fleet/guides/ports.json");
    assert_eq!(ports["name"], "docs/guides/ports.json");
    assert_eq!(ports["mimeType"], "application/json");

    let read = rpc(
        &url,
        "resources/read",
        json!({"uri": "docs://fleet/index.md"}),
    )
    .await
    .unwrap();
    let contents = &read["contents"][0];
    assert_eq!(contents["uri"], "docs://fleet/index.md");
    assert_eq!(contents["mimeType"], "text/markdown");
    assert_eq!(
        contents["text"],
        std::fs::read_to_string("../fixtures/assets/docs/index.md").unwrap()
    );

    // Bytes that are not text are a base64 blob, byte for byte.
    let read = rpc(
        &url,
        "resources/read",
        json!({"uri": "docs://fleet/pixel.png"}),
    )
    .await
    .unwrap();
    let contents = &read["contents"][0];
    assert_eq!(contents["mimeType"], "image/png");
    assert!(contents.get("text").is_none(), "{contents}");
    let blob = base64::engine::general_purpose::STANDARD
        .decode(contents["blob"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        blob,
        std::fs::read("../fixtures/assets/docs/pixel.png").unwrap()
    );

    // A URI under the folder that has no file, and the hidden file: not found.
    for uri in ["docs://fleet/missing.md", "docs://fleet/.hidden"] {
        let error = rpc(&url, "resources/read", json!({ "uri": uri }))
            .await
            .unwrap_err();
        assert_eq!(error["code"], -32002, "{error}");
    }
}

#[tokio::test]
async fn a_prompt_from_a_file_is_one_user_message_of_its_arguments() {
    let url = mcp_url().await;
    let listed = rpc(&url, "prompts/list", json!({})).await.unwrap();
    assert_eq!(listed["prompts"][0]["name"], "review-voyage");
    assert_eq!(listed["prompts"][0]["arguments"][0]["required"], true);

    let got = rpc(
        &url,
        "prompts/get",
        json!({"name": "review-voyage", "arguments": {"imo": "9321483", "focus": "fuel use"}}),
    )
    .await
    .unwrap();
    let messages = got["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{got}");
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(
        messages[0]["content"]["text"],
        "Review the voyage of ship 9321483 and list anything unusual about its fuel use.\nQuote figures exactly as \"9321483\" reports them.\n"
    );

    // A required argument missing: invalid params, naming it.
    let error = rpc(
        &url,
        "prompts/get",
        json!({"name": "review-voyage", "arguments": {"focus": "speed"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("imo"),
        "{error}"
    );
}

#[tokio::test]
async fn a_skill_folder_is_listed_and_served() {
    let url = serve(fixture::skills::library_skills::router()).await;
    let get = |path: &str| {
        let url = format!("{url}{path}");
        async move {
            let response = reqwest::get(url).await.unwrap();
            let status = response.status().as_u16();
            let content_type = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            (status, content_type, response.text().await.unwrap())
        }
    };
    let (status, _, body) = get("/skills/fleet-ops").await;
    assert_eq!(status, 200);
    let skill: Value = serde_json::from_str(&body).unwrap();
    // The build machine's folder is not published; the files are.
    assert!(skill.get("location").is_none(), "{skill}");
    assert_eq!(
        skill["files"],
        json!([
            {"path": "SKILL.md", "href": "/skills/fleet-ops/SKILL.md", "mediaType": "text/markdown"},
            {"path": "tools/lookup.md", "href": "/skills/fleet-ops/tools/lookup.md", "mediaType": "text/markdown"},
        ])
    );
    assert_eq!(
        skill["tools"][0],
        json!({
            "name": "lookup",
            "description": "How to look a ship up.",
            "instruction": "tools/lookup.md",
            "href": "/skills/fleet-ops/tools/lookup.md",
        })
    );
    assert_eq!(skill["tools"][1]["source"]["tool"], "hello");

    let (status, content_type, body) = get("/skills/fleet-ops/SKILL.md").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/markdown; charset=utf-8");
    assert_eq!(
        body,
        std::fs::read_to_string("../fixtures/assets/skills/fleet-ops/SKILL.md").unwrap()
    );
    let (status, _, body) = get("/skills/fleet-ops/tools/lookup.md").await;
    assert_eq!(status, 200);
    assert!(body.contains("`get-ship`"), "{body}");

    let (status, content_type, body) = get("/skills/fleet-ops/nothing.md").await;
    assert_eq!(status, 404);
    assert_eq!(content_type, "application/problem+json");
    assert!(body.contains("nothing.md"), "{body}");
}
