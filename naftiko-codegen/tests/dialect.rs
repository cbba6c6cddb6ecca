//! The API-Evangelist dialect and the values seen in the wild, each on a real file of the specs
//! corpus (`../shared/specs-corpus`, or `$NAFTIKO_SHARED/specs-corpus`; skipped with one line when
//! absent).

#[path = "../../tests/src/skip.rs"]
mod skip;

use std::path::PathBuf;

use naftiko_codegen::resolve::ir::{
    ArgSource, BaseUri, BindId, Body, Capability, InputId, InputIn, JsonTemplate, KeyPlacement,
    Method, OAuth1Signing, Output, ParamId, ParamIn, ParamType, Part, UpstreamAuth,
};
use naftiko_codegen::{Diagnostic, Error};

fn corpus(file: &str) -> Option<PathBuf> {
    let shared = std::env::var_os("NAFTIKO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let path = shared.join("specs-corpus").join(file);
    if path.is_file() {
        Some(path)
    } else {
        skip::skip(&format!("{} is absent", path.display()));
        None
    }
}

fn resolve(file: &str) -> Option<(Capability, Vec<Diagnostic>)> {
    let path = corpus(file)?;
    let resolved =
        naftiko_codegen::check(&path).unwrap_or_else(|e| panic!("{file} does not resolve: {e}"));
    Some((resolved.capability, resolved.warnings))
}

fn refused(file: &str) -> Option<Diagnostic> {
    let path = corpus(file)?;
    match naftiko_codegen::check(&path) {
        Err(Error::Spec(d)) => Some(d.errors().next().cloned().expect("an error")),
        other => panic!("{file} should be refused, got {other:?}"),
    }
}

#[test]
fn pseudo_namespaces_case_insensitive_names_pass_through_and_implicit_bearer() {
    let Some((cap, warnings)) = resolve("humanitec/humanitec-tokeninfo.yaml") else {
        return;
    };
    let op = &cap.rest[0].routes[1].operations[0];
    // `{userid}` in the exposed path feeds `userId` (`with: {userId: rest.userId}`).
    let consumed = &cap.consumes[0].operations[op.runs.call().unwrap().operation];
    assert_eq!(consumed.params[0].name.wire, "userId");
    assert_eq!(
        op.runs.call().unwrap().args[0].source,
        ArgSource::Input(InputId::new(0))
    );
    assert_eq!(op.inputs[0].name.wire, "userid");
    // `tools.userId` synthesizes the tool's input from the consumed parameter (type, description).
    let tool = &cap.mcp[0].tools[0];
    assert_eq!(
        (tool.inputs[0].name.wire.as_str(), tool.inputs[0].ty),
        ("userId", ParamType::String)
    );
    assert_eq!(tool.inputs[0].description.as_deref(), Some("The user ID."));
    assert!(matches!(op.runs.output(), Some(Output::PassThrough { .. })));
    assert_eq!(
        cap.consumes[0].auth,
        UpstreamAuth::Bearer {
            token: vec![Part::Slot(BindId::new(0))],
            implicit: true
        }
    );
    assert!(warnings[0].message.contains("no `authentication` block"));
}

#[test]
fn mustache_in_with_names_an_input() {
    let Some((cap, _)) = resolve(
        "official-naftiko-framework-v1.0.0-alpha2/test-fixtures/mcp/mcp-tool-handler-with-mustache-capability.yaml",
    ) else {
        return;
    };
    let tool = &cap.mcp[0].tools[0];
    let call = tool.runs.call().expect("the tool calls an operation");
    let ArgSource::Input(i) = call.args[0].source else {
        panic!("{:?}", call.args)
    };
    assert_eq!(tool.inputs[i].name.wire, "imo");
}

#[test]
fn inputs_flow_by_name_across_separators_and_headers() {
    let Some((cap, _)) = resolve("api-evangelist-2026-05-19/github/issues-issues.yaml") else {
        return;
    };
    let op = cap.rest[0]
        .routes
        .iter()
        .flat_map(|r| &r.operations)
        .find(|o| o.name.wire == "getanissuecomment")
        .unwrap();
    let consumed = &cap.consumes[0].operations[op.runs.call().unwrap().operation];
    let comment = consumed
        .params
        .iter()
        .position(|p| p.name.wire == "comment_id")
        .unwrap();
    let arg = op
        .runs
        .call()
        .unwrap()
        .args
        .iter()
        .find(|a| a.param == ParamId::new(comment))
        .unwrap();
    let ArgSource::Input(i) = arg.source else {
        panic!()
    };
    assert_eq!(
        (op.inputs[i].name.wire.as_str(), op.inputs[i].location),
        ("comment-id", InputIn::Path)
    );
    let accept = op.inputs.iter().find(|i| i.name.wire == "Accept").unwrap();
    assert_eq!(accept.location, InputIn::Header);
}

#[test]
fn typed_consumed_parameters_and_query_inputs_by_name() {
    let Some((cap, warnings)) = resolve("api-evangelist-2026-05-19/stripe/apple-pay-apple.yaml")
    else {
        return;
    };
    let op = cap.consumes[0]
        .operations
        .iter()
        .find(|o| o.name.wire == "getapplepaydomains")
        .unwrap();
    let limit = op.params.iter().find(|p| p.name.wire == "limit").unwrap();
    assert_eq!(
        (limit.ty, limit.location),
        (ParamType::Integer, ParamIn::Query)
    );
    let expand = op.params.iter().find(|p| p.name.wire == "expand").unwrap();
    assert_eq!(expand.ty, ParamType::Array);
    let rest = cap.rest[0]
        .routes
        .iter()
        .flat_map(|r| &r.operations)
        .find(|o| o.method == Method::Get)
        .unwrap();
    assert!(
        rest.inputs
            .iter()
            .any(|i| i.name.wire == "limit" && i.location == InputIn::Query)
    );
    // `body: rest.body` on a GET: the optional body is not sent, with a warning.
    assert!(
        warnings
            .iter()
            .any(|w| w.message.contains("takes no request body")),
        "{warnings:#?}"
    );
    let tool = cap.mcp[0]
        .tools
        .iter()
        .find(|t| t.inputs.iter().any(|i| i.name.wire == "limit"))
        .unwrap();
    assert_eq!(
        tool.inputs
            .iter()
            .find(|i| i.name.wire == "limit")
            .unwrap()
            .ty,
        ParamType::Integer
    );
}

#[test]
fn rest_inputs_named_in_with_become_query_parameters() {
    let Some((cap, _)) = resolve("humanitec/humanitec-deployment.yaml") else {
        return;
    };
    let op = cap.rest[0]
        .routes
        .iter()
        .flat_map(|r| &r.operations)
        .find(|o| o.name.wire == "listdeployments")
        .unwrap();
    let input = op
        .inputs
        .iter()
        .find(|i| i.name.wire == "pipelineRunId")
        .unwrap();
    assert_eq!((input.location, input.required), (InputIn::Query, false));
}

#[test]
fn head_and_credentials_made_from_bound_variables() {
    let Some((cap, _)) = resolve("api-evangelist-2026-05-06/xiaomi/cloud-storage.yaml") else {
        return;
    };
    assert!(
        cap.consumes
            .iter()
            .flat_map(|c| &c.operations)
            .any(|o| o.method == Method::Head)
    );
    let UpstreamAuth::ApiKey {
        name,
        placement,
        value,
    } = &cap.consumes[0].auth
    else {
        panic!("{:?}", cap.consumes[0].auth)
    };
    assert_eq!(
        (name.as_str(), *placement),
        ("Authorization", KeyPlacement::Header)
    );
    assert_eq!(value[0], Part::Text("Bearer ".into()));
    assert!(matches!(value[1], Part::Slot(_)));
}

#[test]
fn apikey_and_json_body_placeholders() {
    let Some((cap, _)) = resolve("api-evangelist-2026-05-06/new-relic/telemetry-ingestion.yaml")
    else {
        return;
    };
    let c = &cap.consumes[0];
    assert!(
        matches!(&c.auth, UpstreamAuth::ApiKey { name, placement: KeyPlacement::Header, .. } if name == "Api-Key")
    );
    let op = &c.operations[0];
    let Some(Body::Json(JsonTemplate::Param(i))) = &op.body else {
        panic!("{:?}", op.body)
    };
    assert_eq!(
        (op.params[*i].name.wire.as_str(), op.params[*i].ty),
        ("events", ParamType::Json)
    );
}

#[test]
fn form_and_multipart_bodies_seen_in_the_wild() {
    if let Some((cap, _)) = resolve("api-evangelist-2026-05-06/twilio/video-conferencing.yaml") {
        let op = cap.consumes[0]
            .operations
            .iter()
            .find(|o| o.name.wire == "create-room")
            .unwrap();
        assert!(matches!(&op.body, Some(Body::Form(fields)) if fields[0].0 == "UniqueName"));
        assert!(matches!(cap.consumes[0].auth, UpstreamAuth::Basic { .. }));
    }
    if let Some((cap, _)) = resolve("api-evangelist-2026-05-06/stability-ai/image-creation.yaml") {
        assert!(
            matches!(&cap.consumes[0].operations[0].body, Some(Body::Multipart(parts)) if parts[0].name == "prompt")
        );
    }
}

#[test]
fn templated_base_uri() {
    let Some(path) = corpus("api-evangelist-2026-05-06/snowflake/integrations-and-connectors.yaml")
    else {
        return;
    };
    // Refused for another reason (a partial output mapping), but its baseUri resolves.
    let text = std::fs::read_to_string(&path).unwrap();
    let doc =
        naftiko_codegen::parse::parse(naftiko_codegen::diagnostic::SourceFile::new(&path, text))
            .unwrap();
    let err = naftiko_codegen::resolve::resolve(&doc).unwrap_err();
    assert!(
        err.0.iter().all(|d| !d.message.contains("baseUri")),
        "{err}"
    );
    let Some((cap, _)) =
        resolve("api-evangelist-2026-05-06/the-new-york-times/metadata-enrichment.yaml")
    else {
        return;
    };
    assert!(
        cap.consumes
            .iter()
            .all(|c| matches!(c.base_uri, BaseUri::Fixed(_) | BaseUri::Template(_)))
    );
}

#[test]
fn mastercard_oauth1_signs_with_the_bound_consumer_key_and_private_key() {
    let Some((cap, _)) = resolve("api-evangelist-2026-05-06/mastercard/sustainability.yaml") else {
        return;
    };
    for consumed in &cap.consumes {
        assert!(
            matches!(
                &consumed.auth,
                UpstreamAuth::OAuth1 {
                    signing: OAuth1Signing::RsaSha256 { .. },
                    ..
                }
            ),
            "{:?}",
            consumed.auth
        );
    }
}

#[test]
fn what_cannot_be_generated_is_refused_with_a_located_diagnostic() {
    if let Some(d) = refused("api-evangelist-2026-05-06/snowflake/integrations-and-connectors.yaml")
    {
        assert!(
            d.message
                .contains("a skill tool needs `name` and `from: {sourceNamespace, action}`"),
            "{d}"
        );
        assert_eq!(d.position.map(|p| p.line), Some(739));
        assert!(d.snippet.is_some());
    }
    if let Some((cap, _)) = resolve("api-evangelist-2026-05-06/sinch/voice-and-verification.yaml") {
        // `with: {method: sms}` for a parameter of no declared type: the JSON string "sms".
        let tool = cap.mcp[0]
            .tools
            .iter()
            .find(|t| t.name.wire == "start-sms-verification")
            .expect("the tool");
        let args = tool.runs.call().expect("a call").args.clone();
        assert!(
            args.iter()
                .any(|a| matches!(&a.source, ArgSource::Literal(v) if v == "sms")),
            "{args:?}"
        );
    }
    if let Some((cap, _)) =
        resolve("api-evangelist-2026-05-19/twilio/conversations-conversations.yaml")
    {
        // `{{env.TWILIO_USER}}` (no bind declares it) is read from the environment; two paths
        // naming one place differently (`{conversationsid}`, `{sid}`) are both served: the
        // router names the place as the first path does, each handler reads it by its own name.
        let routes = &cap.rest[0].routes;
        let messages = routes
            .iter()
            .find(|r| r.path == "/v1/v1/conversations/{conversationsid}/messages/{sid}")
            .expect("the messages route");
        assert_eq!(
            messages.router,
            "/v1/v1/conversations/{conversationsid}/messages/{messagesid}"
        );
        let conversation = routes
            .iter()
            .find(|r| r.path == "/v1/v1/conversations/{sid}")
            .expect("the conversation route");
        assert_eq!(
            conversation.router,
            "/v1/v1/conversations/{conversationsid}"
        );
    }
}
