//! The official conformance list (`conformance/tests.yml` of the alpha2 and of the beta5
//! material): 33 black-box cases, MCP tool calls and REST requests checked with `jq`
//! expressions, run against each edition's tutorial capabilities as generated here.
//!
//! Where the reference engine runs against Microcks, this harness runs against a fake that
//! serves the examples of the same two OpenAPI documents (alpha2's `conformance/microcks/`,
//! beta5's `test-fixtures/openapi/`) by Microcks' dispatch rules. Each capability is served by its generated `server::serve` (bound values read
//! from `shared/secrets.yaml`, every adapter on a free loopback port, upstreams pointed at the
//! fake), and each case is sent over HTTP as the engine's harness sends it.
//!
//! The engine answers an MCP tool with the bare JSON; ours puts a non-object result under
//! `structuredContent.result` (MCP requires an object there), so the expressions are evaluated
//! on the unwrapped value.
//!
//! Every case must pass; a failing one is reported with its reason (a capability that is not
//! generated, an HTTP or tool error, or the expression that is false and the value it saw).

#[cfg(not(corpus))]
#[path = "../../src/skip.rs"]
mod skip;

#[cfg(not(corpus))]
#[test]
fn conformance() {
    skip::skip("the specs corpus is absent (../shared or $NAFTIKO_SHARED)");
}

#[cfg(corpus)]
mod conformance {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use std::sync::Arc;
    use std::time::Duration;

    use axum::body::Bytes;
    use axum::extract::{Request, State};
    use axum::http::{HeaderValue, Method, StatusCode, header};
    use axum::response::{IntoResponse, Response};
    use serde_json::{Value, json};

    fn specs_corpus() -> PathBuf {
        std::env::var_os("NAFTIKO_SHARED")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
            .join("specs-corpus")
    }

    /// Start the capability of a tutorial file with its adapters' addresses and the upstreams'
    /// URLs; false when the file is not generated.
    type Start = fn(&Edition, &str, BTreeMap<String, String>, BTreeMap<String, String>) -> bool;

    /// One edition of the engine's material: its tutorial, its conformance list, the OpenAPI
    /// documents its mocks serve, and the generated modules of its tutorial.
    struct Edition {
        /// The folder under the specs corpus.
        dir: PathBuf,
        /// Where its two OpenAPI documents are, under `dir`.
        mocks: &'static str,
        start: Start,
    }

    impl Edition {
        fn alpha2() -> Self {
            Edition {
                dir: specs_corpus().join("official-naftiko-framework-v1.0.0-alpha2"),
                mocks: "conformance/microcks",
                start: start_alpha2,
            }
        }

        fn beta5() -> Self {
            Edition {
                dir: specs_corpus().join("official-ikanos-1.0.0-beta5"),
                mocks: "test-fixtures/openapi",
                start: start_beta5,
            }
        }

        fn tutorial(&self) -> PathBuf {
            self.dir.join("tutorial")
        }
    }

    fn yaml(path: &Path) -> Value {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        serde_saphyr::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
    }

    // ---- The fake Microcks ------------------------------------------------------------------

    /// One OpenAPI document served by its examples.
    struct Mock {
        /// The path of `servers[0].url` (where the engine's specs point).
        base_path: String,
        openapi: Value,
    }

    /// A dispatcher's criteria for a request, in Microcks' example-naming form: `?a=1` for query
    /// parameters (`URI_PARAMS`), `/a=1` for path parts (`URI_PARTS`).
    fn criteria(
        dispatcher: &str,
        rules: &str,
        path_params: &BTreeMap<String, String>,
        query: &BTreeMap<String, String>,
    ) -> Option<String> {
        let names = rules.split("&&").map(str::trim).filter(|n| !n.is_empty());
        match dispatcher {
            "URI_PARTS" => {
                let parts: Vec<String> = names
                    .map(|n| Some(format!("{n}={}", path_params.get(n)?)))
                    .collect::<Option<_>>()?;
                Some(format!("/{}", parts.join("/")))
            }
            "URI_PARAMS" => {
                let parts: Vec<String> = names
                    .filter_map(|n| Some(format!("{n}={}", query.get(n)?)))
                    .collect();
                (!parts.is_empty()).then(|| format!("?{}", parts.join("&")))
            }
            // `SCRIPT` runs Groovy in Microcks; the documents here only `return '<example>'`.
            "SCRIPT" => rules
                .trim()
                .strip_prefix("return '")
                .and_then(|r| r.strip_suffix('\''))
                .map(str::to_owned),
            _ => None,
        }
    }

    /// The status, content type and example named `name` among the operation's responses.
    fn example(operation: &Value, name: Option<&str>) -> Option<(u16, String, Value)> {
        let responses = operation["responses"].as_object()?;
        // Success responses first, as Microcks prefers them for an unnamed example.
        let mut ordered: Vec<(&String, &Value)> = responses.iter().collect();
        ordered.sort_by_key(|(status, _)| !status.starts_with('2'));
        for (status, response) in ordered {
            for (content_type, content) in response["content"].as_object().into_iter().flatten() {
                for (example, value) in content["examples"].as_object().into_iter().flatten() {
                    if name.is_none_or(|n| n == example) {
                        return Some((
                            status.parse().ok()?,
                            content_type.clone(),
                            value["value"].clone(),
                        ));
                    }
                }
            }
        }
        None
    }

    /// Microcks' response templating, as far as the documents use it:
    /// `{{ request.body/<pointer> }}`.
    fn render(value: &Value, body: &Value) -> Value {
        match value {
            Value::String(text) => {
                let trimmed = text.trim();
                if let Some(inner) = trimmed
                    .strip_prefix("{{")
                    .and_then(|t| t.strip_suffix("}}"))
                    && let Some(pointer) = inner.trim().strip_prefix("request.body")
                {
                    return body.pointer(pointer).cloned().unwrap_or(Value::Null);
                }
                value.clone()
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| render(v, body)).collect()),
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), render(v, body)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    impl Mock {
        fn load(path: &Path) -> Self {
            let openapi = yaml(path);
            let url = openapi["servers"][0]["url"].as_str().unwrap_or("/");
            let base_path = url
                .split_once("://")
                .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
                .unwrap_or_default();
            Mock { base_path, openapi }
        }

        /// The operation for `method` on `path` and its path parameters.
        fn route(&self, method: &Method, path: &str) -> Option<(&Value, BTreeMap<String, String>)> {
            let path = path.strip_prefix(&self.base_path)?;
            let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
            for (template, item) in self.openapi["paths"].as_object()? {
                let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
                if parts.len() != segments.len() {
                    continue;
                }
                let mut params = BTreeMap::new();
                let fits = parts.iter().zip(&segments).all(|(t, s)| {
                    match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                        Some(name) => {
                            let value = percent_encoding::percent_decode_str(s)
                                .decode_utf8_lossy()
                                .into_owned();
                            params.insert(name.to_owned(), value);
                            true
                        }
                        None => t == s,
                    }
                });
                if fits && let Some(op) = item.get(method.as_str().to_ascii_lowercase()) {
                    return Some((op, params));
                }
            }
            None
        }

        fn answer(&self, method: &Method, path: &str, query: &str, body: &[u8]) -> Response {
            let Some((operation, params)) = self.route(method, path) else {
                return (
                    StatusCode::NOT_FOUND,
                    format!("no operation for {method} {path}"),
                )
                    .into_response();
            };
            let query: BTreeMap<String, String> = form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let dispatch = &operation["x-microcks-operation"];
            let dispatcher = dispatch["dispatcher"].as_str().unwrap_or("");
            let rules = dispatch["dispatcherRules"].as_str().unwrap_or("");
            let found = match dispatcher {
                "" => example(operation, None),
                "FALLBACK" => {
                    let fallback: Value = serde_json::from_str(rules).unwrap_or(Value::Null);
                    let inner = criteria(
                        fallback["dispatcher"].as_str().unwrap_or(""),
                        fallback["dispatcherRules"].as_str().unwrap_or(""),
                        &params,
                        &query,
                    );
                    inner
                        .and_then(|c| example(operation, Some(&c)))
                        .or_else(|| example(operation, fallback["fallback"].as_str()))
                }
                other => criteria(other, rules, &params, &query)
                    .and_then(|c| example(operation, Some(&c))),
            };
            let Some((status, content_type, value)) = found else {
                // Microcks answers 400 when no example fits the request.
                return (StatusCode::BAD_REQUEST, "no example matches the request").into_response();
            };
            let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let body = match render(&value, &request) {
                Value::String(text) => text,
                other => other.to_string(),
            };
            let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(&content_type).unwrap(),
            );
            response
        }
    }

    async fn serve_mock(mock: Mock) -> String {
        async fn handle(State(mock): State<Arc<Mock>>, request: Request) -> Response {
            let (parts, body) = request.into_parts();
            let body: Bytes = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            mock.answer(
                &parts.method,
                parts.uri.path(),
                parts.uri.query().unwrap_or(""),
                &body,
            )
        }
        let base = mock.base_path.clone();
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::new(mock));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}{base}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    // ---- The capabilities ---------------------------------------------------------------

    /// Serve the generated module of a tutorial file with `listen` and `upstreams`.
    macro_rules! serve_step {
        ($module:ident, $listen:expr, $upstreams:expr, file_binds($edition:expr)) => {{
            use naftiko_corpus::corpus::$module as step;
            let mut options = step::server::ServeOptions::default();
            options.listen = $listen;
            options.upstreams.base_urls = $upstreams;
            options.upstreams.spec_dir = $edition.tutorial();
            tokio::spawn(step::server::serve(options));
        }};
        ($module:ident, $listen:expr, $upstreams:expr) => {{
            use naftiko_corpus::corpus::$module as step;
            let mut options = step::server::ServeOptions::default();
            options.listen = $listen;
            options.upstreams.base_urls = $upstreams;
            tokio::spawn(step::server::serve(options));
        }};
    }

    /// Start the capability of `file` in alpha2 (false when it is not generated).
    fn start_alpha2(
        edition: &Edition,
        file: &str,
        listen: BTreeMap<String, String>,
        upstreams: BTreeMap<String, String>,
    ) -> bool {
        match file {
            "step-1-shipyard-mock.yml" => serve_step!(
                c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_1_shipyard_mock_yml,
                listen,
                upstreams
            ),
            "step-2-shipyard-wiring.yml" => serve_step!(
                c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_2_shipyard_wiring_yml,
                listen,
                upstreams
            ),
            "step-3-shipyard-auth.yml" => serve_step!(
                c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_3_shipyard_auth_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-4-shipyard-output-shaping.yml" => serve_step!(
                c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_4_shipyard_output_shaping_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-5-shipyard-multi-source.yml" => serve_step!(
                c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_5_shipyard_multi_source_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-6-shipyard-write-operations.yml" => serve_step!(
                c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_6_shipyard_write_operations_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-7-shipyard-orchestrated-lookup.yml" => serve_step!(
                c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_7_shipyard_orchestrated_lookup_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-8-shipyard-skill-groups.yml" => serve_step!(
                c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_8_shipyard_skill_groups_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-9-shipyard-aggregates.yml" => serve_step!(
                c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_9_shipyard_aggregates_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-10-shipyard-rest-adapter.yml" => serve_step!(
                c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_10_shipyard_rest_adapter_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-11-shipyard-fleet-manifest.yml" => serve_step!(
                c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_11_shipyard_fleet_manifest_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            _ => return false,
        }
        true
    }

    /// Start the capability of `file` in beta5 (false when it is not generated).
    fn start_beta5(
        edition: &Edition,
        file: &str,
        listen: BTreeMap<String, String>,
        upstreams: BTreeMap<String, String>,
    ) -> bool {
        match file {
            "step-1-shipyard-mock.yml" => serve_step!(
                c_official_ikanos_1_0_0_beta5_tutorial_step_1_shipyard_mock_yml,
                listen,
                upstreams
            ),
            "step-2-shipyard-wiring.yml" => serve_step!(
                c_official_ikanos_1_0_0_beta5_tutorial_step_2_shipyard_wiring_yml,
                listen,
                upstreams
            ),
            "step-3-shipyard-auth.yml" => serve_step!(
                c_official_ikanos_1_0_0_beta5_tutorial_step_3_shipyard_auth_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-4-shipyard-output-shaping.yml" => serve_step!(
                c_official_ikanos_1_0_0_beta5_tutorial_step_4_shipyard_output_shaping_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-5-shipyard-multi-source.yml" => serve_step!(
                c_official_ikanos_1_0_0_beta5_tutorial_step_5_shipyard_multi_source_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-6-shipyard-write-operations.yml" => serve_step!(
                c_official_ikanos_1_0_0_beta5_tutorial_step_6_shipyard_write_operations_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-7-shipyard-orchestrated-lookup.yml" => serve_step!(
                c_official_ikanos_1_0_0_beta5_tutorial_step_7_shipyard_orchestrated_lookup_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-8-shipyard-skill-groups.yml" => serve_step!(
                c_official_ikanos_1_0_0_beta5_tutorial_step_8_shipyard_skill_groups_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-9-shipyard-aggregates.yml" => serve_step!(
                c_official_ikanos_1_0_0_beta5_tutorial_step_9_shipyard_aggregates_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-10-shipyard-rest-adapter.yml" => serve_step!(
                c_official_ikanos_1_0_0_beta5_tutorial_step_10_shipyard_rest_adapter_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            "step-11-shipyard-fleet-manifest.yml" => serve_step!(
                c_official_ikanos_1_0_0_beta5_tutorial_step_11_shipyard_fleet_manifest_yml,
                listen,
                upstreams,
                file_binds(edition)
            ),
            _ => return false,
        }
        true
    }

    /// A loopback port nobody listens on right now.
    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port")
    }

    /// A started capability: the URL of each adapter by the port its spec declares.
    struct Started {
        urls: BTreeMap<u64, String>,
    }

    async fn launch(
        edition: &Edition,
        file: &str,
        upstreams: &BTreeMap<String, String>,
    ) -> Result<Started, String> {
        let spec = yaml(&edition.tutorial().join(file));
        let mut listen = BTreeMap::new();
        let mut urls = BTreeMap::new();
        for adapter in spec["capability"]["exposes"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let (Some(namespace), Some(port)) =
                (adapter["namespace"].as_str(), adapter["port"].as_u64())
            else {
                continue;
            };
            let local = free_port();
            listen.insert(namespace.to_owned(), format!("127.0.0.1:{local}"));
            urls.insert(port, format!("http://127.0.0.1:{local}"));
        }
        if !(edition.start)(edition, file, listen, upstreams.clone()) {
            let reason = naftiko_corpus::REFUSED
                .lines()
                .find(|l| l.contains(file))
                .unwrap_or("not generated");
            return Err(format!("the capability is not generated: {reason}"));
        }
        // Ready when every adapter answers its health check.
        let client = reqwest::Client::new();
        for url in urls.values() {
            let mut tries = 0;
            while client
                .get(format!("{url}/healthz"))
                .send()
                .await
                .map_or(true, |r| !r.status().is_success())
            {
                tries += 1;
                if tries > 200 {
                    return Err(format!("{url} did not start"));
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
        Ok(Started { urls })
    }

    // ---- The cases ----------------------------------------------------------------------

    /// The MCP server token the tutorial's `secrets.yaml` binds (sent to every MCP adapter; the
    /// ones without authentication ignore it).
    fn mcp_token(edition: &Edition) -> String {
        let secrets = yaml(&edition.tutorial().join("shared/secrets.yaml"));
        secrets["mcp-server-token"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    async fn run_case(edition: &Edition, case: &Value, url: &str) -> Result<Value, String> {
        let client = reqwest::Client::new();
        if case["type"].as_str() == Some("rest") {
            let method = case["method"].as_str().unwrap_or("GET");
            let path = case["path"].as_str().unwrap_or("/");
            let mut request = client.request(
                method.parse().map_err(|e| format!("{e}"))?,
                format!("{url}{path}"),
            );
            if !case["body"].is_null() {
                request = request
                    .header("content-type", "application/json")
                    .body(case["body"].to_string());
            }
            let response = request.send().await.map_err(|e| e.to_string())?;
            let status = response.status();
            let text = response.text().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("answered {status}: {text}"));
            }
            return serde_json::from_str(&text).map_err(|e| format!("not JSON ({e}): {text}"));
        }
        let tool = case["tool"].as_str().unwrap_or("");
        let body = json!({
            "jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": tool, "arguments": case["args"].clone()},
        });
        let response = client
            .post(format!("{url}/mcp"))
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .bearer_auth(mcp_token(edition))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let text = response.text().await.map_err(|e| e.to_string())?;
        let answer: Value = serde_json::from_str(&text)
            .map_err(|e| format!("answered {status} with no JSON-RPC message ({e}): {text}"))?;
        let result = &answer["result"];
        if result.is_null() {
            return Err(format!("JSON-RPC error: {}", answer["error"]));
        }
        if result["isError"] == true {
            return Err(format!("tool error: {}", result["content"]));
        }
        let structured = &result["structuredContent"];
        Ok(match structured.as_object() {
            Some(only) if only.len() == 1 && only.contains_key("result") => only["result"].clone(),
            _ => structured.clone(),
        })
    }

    /// Evaluate `expression` on `input` with jaq: true when its first output is `true`.
    fn jq(expression: &str, input: &Value) -> Result<bool, String> {
        use jaq_core::load::{Arena, File, Loader};
        use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};

        let input = jaq_json::read::parse_single(input.to_string().as_bytes())
            .map_err(|e| format!("{e:?}"))?;
        let program = File {
            code: expression,
            path: (),
        };
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let modules = loader
            .load(&arena, program)
            .map_err(|e| format!("`{expression}` does not parse: {e:?}"))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|e| format!("`{expression}` does not compile: {e:?}"))?;
        let ctx = Ctx::<data::JustLut<jaq_json::Val>>::new(&filter.lut, Vars::new([]));
        let mut outputs = filter.id.run((ctx, input)).map(unwrap_valr);
        match outputs.next() {
            Some(Ok(value)) => Ok(value.to_string() == "true"),
            Some(Err(e)) => Err(format!("`{expression}` fails: {e:?}")),
            None => Ok(false),
        }
    }

    /// The expression checks themselves: a harness whose `jq` always said yes would pass
    /// everything.
    #[test]
    fn the_jq_evaluator_can_say_no() {
        let ships =
            json!([{"imo": "IMO-1", "status": "active"}, {"imo": "IMO-2", "status": "laid_up"}]);
        assert_eq!(jq("type == \"array\"", &ships), Ok(true));
        assert_eq!(jq("length > 0", &ships), Ok(true));
        assert_eq!(jq(".[0] | has(\"imo\")", &ships), Ok(true));
        assert_eq!(jq(".[0] | has(\"name\")", &ships), Ok(false));
        assert_eq!(jq("all(.[]; .status == \"active\")", &ships), Ok(false));
        assert_eq!(jq(".[1].status == \"laid_up\"", &ships), Ok(true));
        assert!(jq("has(", &ships).is_err());
    }

    /// The fake answers by Microcks' rules: named examples by query and path criteria, the
    /// fallback otherwise, request templating, XML as XML.
    #[tokio::test]
    async fn the_fake_microcks_dispatches_like_microcks() {
        let edition = Edition::alpha2();
        let dir = edition.dir.join(edition.mocks);
        let registry = serve_mock(Mock::load(
            &dir.join("naftiko-shipyard-maritime-registry-api.yaml"),
        ))
        .await;
        let legacy = serve_mock(Mock::load(
            &dir.join("naftiko-shipyard-legacy-dockyard-api.yaml"),
        ))
        .await;
        let client = reqwest::Client::new();
        let get = |url: String| {
            let client = client.clone();
            async move {
                let r = client.get(url).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let (status, all) = get(format!("{registry}/ships")).await;
        assert_eq!(status, 200);
        let all: Value = serde_json::from_str(&all).unwrap();
        assert_eq!(all.as_array().map(Vec::len), Some(2));
        let (_, active) = get(format!("{registry}/ships?status=active")).await;
        let active: Value = serde_json::from_str(&active).unwrap();
        assert_eq!(active.as_array().map(Vec::len), Some(1));
        assert_eq!(active[0]["operational_status"], "active");
        let (status, ship) = get(format!("{registry}/ships/IMO-9456781")).await;
        assert_eq!(status, 200);
        assert!(ship.contains("Pacific Dawn"), "{ship}");
        let (status, _) = get(format!("{registry}/ships/IMO-0000000")).await;
        assert_eq!(status, 400, "no example for that IMO");
        let created = client
            .post(format!("{registry}/voyages"))
            .header("content-type", "application/json")
            .body(json!({"shipImo": "IMO-1", "departurePort": "Oslo"}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
        let created: Value = serde_json::from_str(&created.text().await.unwrap()).unwrap();
        assert_eq!(created["shipImo"], "IMO-1");
        assert_eq!(created["departurePort"], "Oslo");
        let (status, vessels) = get(format!("{legacy}/vessels")).await;
        assert_eq!(status, 200);
        assert!(vessels.trim_start().starts_with("<vessels>"), "{vessels}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_official_conformance_cases_on_alpha2() {
        conformance(Edition::alpha2()).await;
    }

    /// The same list on the beta5 tutorial (named maps, `display`, `flows`, `from`), against
    /// the mocks of the engine's beta5 test resources.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_official_conformance_cases_on_beta5() {
        conformance(Edition::beta5()).await;
    }

    async fn conformance(edition: Edition) {
        let dir = &edition.dir;
        let cases = yaml(&dir.join("conformance/tests.yml"));
        let cases = cases["tests"]
            .as_array()
            .expect("`tests` is a list")
            .clone();
        assert_eq!(cases.len(), 33, "the conformance list changed");

        let mocks = dir.join(edition.mocks);
        let registry = serve_mock(Mock::load(
            &mocks.join("naftiko-shipyard-maritime-registry-api.yaml"),
        ))
        .await;
        let legacy = serve_mock(Mock::load(
            &mocks.join("naftiko-shipyard-legacy-dockyard-api.yaml"),
        ))
        .await;
        let upstreams: BTreeMap<String, String> = [
            ("registry".to_owned(), registry),
            ("legacy".to_owned(), legacy),
        ]
        .into();

        let mut started: BTreeMap<String, Result<Started, String>> = BTreeMap::new();
        let mut passed = Vec::new();
        let mut report = String::new();
        for case in &cases {
            let name = case["name"].as_str().unwrap_or("?").to_owned();
            let file = case["file"].as_str().unwrap_or("").to_owned();
            if !started.contains_key(&file) {
                let launched = launch(&edition, &file, &upstreams).await;
                started.insert(file.clone(), launched);
            }
            let outcome: Result<(), String> = async {
                let server = started[&file].as_ref().map_err(Clone::clone)?;
                let port = case["port"].as_u64().unwrap_or(0);
                let url = server
                    .urls
                    .get(&port)
                    .ok_or_else(|| format!("the capability exposes nothing on port {port}"))?;
                let value = run_case(&edition, case, url).await?;
                for check in case["validations"].as_array().into_iter().flatten() {
                    let expression = check["jq"].as_str().unwrap_or("").trim();
                    if !jq(expression, &value)? {
                        return Err(format!("`{expression}` is false on {value}"));
                    }
                }
                Ok(())
            }
            .await;
            match outcome {
                Ok(()) => {
                    report.push_str(&format!("pass  {name}\n"));
                    passed.push(name);
                }
                Err(why) => report.push_str(&format!("FAIL  {name}: {why}\n")),
            }
        }
        println!("{report}");
        println!("{} of {} cases pass", passed.len(), cases.len());

        assert_eq!(
            passed.len(),
            cases.len(),
            "every conformance case must pass:\n{report}"
        );
    }
}
