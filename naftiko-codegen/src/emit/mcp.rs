//! One rmcp server per exposed MCP adapter: `src/mcp/<namespace>.rs`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Value, json};

use super::code::{docs, module_docs};
use super::types::Documented;
use crate::resolve::ir::with_ids;
use crate::resolve::ir::{
    Capability, FileContent, FileResource, McpAdapter, McpResource, MockValue, Output, ParamType,
    PromptRole, RawFormat, Runs, Step, Tool,
};

/// The JSON Schema of a tool's arguments.
fn input_schema(cap: &Capability, tool: &Tool) -> Value {
    let mut properties = serde_json::Map::new();
    for (id, input) in with_ids(&tool.inputs) {
        let mut schema = serde_json::Map::new();
        if input.ty != ParamType::Json {
            schema.insert("type".into(), json!(input.ty.json_schema()));
        }
        // A path segment of its own: not empty (nor `.` or `..`, refused when called).
        if input.ty == ParamType::String && super::adapter::feeds_path(cap, &tool.runs, id) {
            schema.insert("minLength".into(), json!(1));
        }
        if let Some(d) = &input.description {
            schema.insert("description".into(), json!(d.trim()));
        }
        if let Some(p) = &input.pattern {
            schema.insert("pattern".into(), json!(p));
        }
        for (key, value) in super::adapter::documented_values(cap, &tool.runs, id, input.ty) {
            schema.entry(key).or_insert(value);
        }
        // The whole body of a call the upstream's OpenAPI document types: the document's schema,
        // with the spec's description.
        if let Some(Value::Object(mut documented)) =
            super::adapter::documented_body_schema(cap, &tool.runs, id)
        {
            documented.extend(
                schema
                    .remove("description")
                    .map(|d| ("description".into(), d)),
            );
            schema = documented;
        }
        properties.insert(input.name.wire.clone(), Value::Object(schema));
    }
    let required: Vec<&str> = tool
        .inputs
        .iter()
        .filter(|i| i.required)
        .map(|i| i.name.wire.as_str())
        .collect();
    let mut schema = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    super::schema::stated(&mut schema);
    schema
}

pub(super) fn emit(cap: &Capability, a: &McpAdapter, root: &TokenStream) -> TokenStream {
    let (guard_param, _, guard_doc, guarded) = super::adapter::guard_parts(
        &a.auth,
        root,
        quote!(
            Router::new()
                .route_service("/mcp", service.clone())
                .route_service("/", service)
        ),
    );
    let module_docs = module_docs(&adapter_text(cap, a));
    let port = proc_macro2::Literal::u16_unsuffixed(a.port);
    let namespace = &a.namespace.wire;
    let tool_fns: Vec<_> = a
        .tools
        .iter()
        .map(|t| t.name.suffixed_ident("tool"))
        .collect();
    let definitions = a
        .tools
        .iter()
        .zip(&tool_fns)
        .map(|(t, f)| definition(cap, t, f));
    let arms = a.tools.iter().map(|t| {
        let wire = &t.name.wire;
        let f = t.name.ident();
        quote!(#wire => self.#f(&args).await,)
    });
    let reads: Vec<&Tool> = a.resources.iter().map(|r| &r.read).collect();
    let calls = a
        .tools
        .iter()
        .chain(reads.iter().copied())
        .map(|t| call(cap, t, root));
    let (catalog, catalog_imports, capabilities) = catalog(a);
    let handler = server_handler(cap, a, &capabilities, &catalog);
    let outputs = a
        .tools
        .iter()
        .chain(reads.iter().copied())
        .filter_map(|t| shaped_output(t, root));
    quote! {
        #module_docs

        use std::sync::{Arc, LazyLock};

        use axum::Router;
        use rmcp::handler::server::ServerHandler;
        use rmcp::model::{
            CallToolRequestParams, CallToolResponse, CallToolResult, ErrorData, Implementation, JsonObject,
            ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
        };
        use rmcp::service::{RequestContext, RoleServer};
        use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
        use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

        #catalog_imports
        use #root::runtime::mcp;
        use #root::Upstreams;

        /// The port the spec declares for this adapter.
        pub const DEFAULT_PORT: u16 = #port;

        /// The MCP server: answers `tools/list` and `tools/call` for the spec's tools.
        #[derive(Debug, Clone)]
        pub struct Server {
            upstreams: Arc<Upstreams>,
        }

        impl Server {
            /// A server calling the given upstream clients.
            pub fn new(upstreams: Arc<Upstreams>) -> Self {
                Self { upstreams }
            }

            /// The upstream clients this server calls.
            pub fn upstreams(&self) -> &Arc<Upstreams> {
                &self.upstreams
            }

            /// Call tool `name` with `args`, with the id and trace context of the HTTP request
            /// with `headers` (none over stdio), counted and timed.
            pub async fn call(
                &self,
                name: &str,
                args: JsonObject,
                headers: Option<&axum::http::HeaderMap>,
            ) -> Result<CallToolResult, ErrorData> {
                let call = async {
                    match name {
                        #(#arms)*
                        other => Err(ErrorData::invalid_params(format!("unknown tool `{other}`"), None)),
                    }
                };
                mcp::observed(#namespace, name, headers, call).await
            }

            #(#calls)*
        }

        impl #root::runtime::mcp_direct::DirectCalls for Server {
            fn call_directly<'a>(
                &'a self,
                name: &'a str,
                args: JsonObject,
                headers: &'a axum::http::HeaderMap,
            ) -> #root::runtime::mcp_direct::Called<'a> {
                Box::pin(self.call(name, args, Some(headers)))
            }
        }

        /// The tools, in spec order, built once.
        static TOOLS: LazyLock<Vec<Tool>> = LazyLock::new(tools);

        /// The tool definitions, in spec order.
        pub fn tools() -> Vec<Tool> {
            vec![#(#tool_fns()),*]
        }

        #(#definitions)*

        #handler

        /// The streamable HTTP service (a tower service) for this server.
        pub fn service(
            upstreams: Arc<Upstreams>,
            config: StreamableHttpServerConfig,
        ) -> StreamableHttpService<Server, LocalSessionManager> {
            let server = Server::new(upstreams);
            StreamableHttpService::new(move || Ok(server.clone()), Arc::new(LocalSessionManager::default()), config)
        }

        /// The service mounted at `/mcp` and at `/` (clients that post to the root): request
        /// bodies are checked as JSON-RPC requests (up to `config.max_request_body_bytes`), and
        /// plain `tools/call` requests are answered by calling the tool directly.
        #guard_doc
        pub fn router(upstreams: Arc<Upstreams>, config: StreamableHttpServerConfig #guard_param) -> Router {
            let server = Arc::new(Server::new(upstreams.clone()));
            let max_body_bytes = config.max_request_body_bytes;
            let service = #root::runtime::mcp_direct::direct(server, service(upstreams, config), max_body_bytes);
            #guarded
        }

        #(#outputs)*
    }
}

/// The module docs of an adapter: what it is, and the table of its tools and what they call.
fn adapter_text(cap: &Capability, a: &McpAdapter) -> String {
    let mut text = format!(
        "MCP adapter `{}`: one tool per entry of the spec, over streamable HTTP.",
        a.namespace.wire
    );
    if let Some(d) = &a.description {
        text.push_str("\n\n");
        text.push_str(d.trim());
    }
    text.push_str("\n\n| Tool | Calls |\n|---|---|");
    for t in &a.tools {
        let calls = match t.runs {
            Runs::Mock { .. } => "(mock: fixed outputs)".to_owned(),
            _ => format!("`{}`", super::adapter::target(cap, &t.runs)),
        };
        text.push_str(&format!("\n| `{}` | {calls} |", t.name.wire));
    }
    text
}

/// `impl ServerHandler for Server`: the server's description, its tools, and the resource and
/// prompt methods of its `catalog` (with their `capabilities`).
fn server_handler(
    cap: &Capability,
    a: &McpAdapter,
    capabilities: &TokenStream,
    catalog: &TokenStream,
) -> TokenStream {
    let namespace = &a.namespace.wire;
    let label = &cap.label;
    let instructions = a
        .description
        .as_deref()
        .map(str::trim)
        .map(|d| quote!(.with_instructions(#d)));
    quote! {
        impl ServerHandler for Server {
            fn get_info(&self) -> ServerConfig {
                ServerConfig::new(ServerCapabilities::builder().enable_tools() #capabilities .build())
                    .with_server_info(Implementation::new(#namespace, env!("CARGO_PKG_VERSION")).with_title(#label))
                    #instructions
            }

            async fn list_tools(
                &self,
                _request: Option<PaginatedRequestParams>,
                _context: RequestContext<RoleServer>,
            ) -> Result<ListToolsResult, ErrorData> {
                Ok(ListToolsResult::with_all_items(TOOLS.clone()))
            }

            fn get_tool(&self, name: &str) -> Option<Tool> {
                TOOLS.iter().find(|tool| tool.name == name).cloned()
            }

            async fn call_tool(
                &self,
                request: CallToolRequestParams,
                context: RequestContext<RoleServer>,
            ) -> Result<CallToolResponse, ErrorData> {
                let args = request.arguments.unwrap_or_default();
                let result = self.call(&request.name, args, mcp::http_headers(&context)).await?;
                Ok(result.into())
            }

            #catalog
        }
    }
}

/// The resources compiled in from files, sorted by URI for the lookup (none: no table).
fn file_table(files: &[FileResource]) -> TokenStream {
    if files.is_empty() {
        return TokenStream::new();
    }
    let mut sorted: Vec<&FileResource> = files.iter().collect();
    sorted.sort_by(|a, b| a.uri.cmp(&b.uri));
    let rows = sorted.iter().map(|f| {
        let (uri, mime) = (&f.uri, &f.mime_type);
        let content = match &f.content {
            FileContent::Text(text) => quote!(mcp::FileContent::Text(#text)),
            FileContent::Bytes(bytes) => {
                let blob =
                    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
                quote!(mcp::FileContent::Base64(#blob))
            }
        };
        quote!(mcp::FileResource { uri: #uri, mime_type: #mime, content: #content })
    });
    quote! {
        /// The resources served from files, compiled in at generation (sorted by URI).
        const FILES: &[mcp::FileResource] = &[#(#rows),*];
    }
}

/// The resources and prompts of the adapter: the `ServerHandler` methods that list and read
/// them, the imports they need and the capabilities they add.
fn catalog(a: &McpAdapter) -> (TokenStream, TokenStream, TokenStream) {
    let mut methods = Vec::new();
    let mut imports = Vec::new();
    let mut capabilities = Vec::new();
    if !a.resources.is_empty() || !a.files.is_empty() {
        capabilities.push(quote!(.enable_resources()));
        let (listed, import) = resource_methods(a);
        methods.push(listed);
        imports.push(import);
    }
    if !a.prompts.is_empty() {
        capabilities.push(quote!(.enable_prompts()));
        let (listed, import) = prompt_methods(a);
        methods.push(listed);
        imports.push(import);
    }
    // After the imports: the table of compiled-in files.
    imports.push(file_table(&a.files));
    (
        quote!(#(#methods)*),
        quote!(#(#imports)*),
        quote!(#(#capabilities)*),
    )
}

/// The server's resource methods (listed resources and files, templates, reads), and what they
/// import.
fn resource_methods(a: &McpAdapter) -> (TokenStream, TokenStream) {
    let namespace = &a.namespace.wire;
    let template = a
        .resources
        .iter()
        .any(|r| r.template.is_some())
        .then(|| quote!(ResourceTemplate,));
    // Listed resources: those without a URI template, and files.
    let listed = (a.resources.iter().any(|r| r.template.is_none()) || !a.files.is_empty())
        .then(|| quote!(Resource,));
    let import = quote! {
        use rmcp::model::{
            ListResourceTemplatesResult, ListResourcesResult, ReadResourceRequestParams,
            ReadResourceResponse, #listed #template
        };
    };
    let describe = |r: &McpResource, base: TokenStream| {
        let title = r.title.as_ref().map(|t| quote!(.with_title(#t)));
        let description = r.description.as_ref().map(|d| {
            let d = d.trim();
            quote!(.with_description(#d))
        });
        let mime = r.mime_type.as_ref().map(|m| quote!(.with_mime_type(#m)));
        quote!(#base #title #description #mime)
    };
    let fixed = a
        .resources
        .iter()
        .filter(|r| r.template.is_none())
        .map(|r| {
            let (uri, name) = (&r.uri, &r.read.name.wire);
            describe(r, quote!(Resource::new(#uri, #name)))
        });
    let fixed = fixed.chain(a.files.iter().map(|f| {
        let (uri, name, mime) = (&f.uri, &f.name, &f.mime_type);
        let title = f.title.as_ref().map(|t| quote!(.with_title(#t)));
        let description = f.description.as_ref().map(|d| {
            let d = d.trim();
            quote!(.with_description(#d))
        });
        quote!(Resource::new(#uri, #name) #title #description .with_mime_type(#mime))
    }));
    let read_files = (!a.files.is_empty()).then(|| {
        quote! {
            if let Some(found) = mcp::file_resource(FILES, uri) {
                return Ok(found);
            }
        }
    });
    let templates = a
        .resources
        .iter()
        .filter(|r| r.template.is_some())
        .map(|r| {
            let (uri, name) = (&r.uri, &r.read.name.wire);
            describe(r, quote!(ResourceTemplate::new(#uri, #name)))
        });
    let branches = a.resources.iter().map(|r| {
        let f = r.read.name.ident();
        let uri = &r.uri;
        let mime = match &r.mime_type {
            Some(m) => quote!(Some(#m)),
            None => quote!(None),
        };
        match &r.template {
            None => quote! {
                if uri == #uri {
                    let args = JsonObject::new();
                    let read = self.#f(&args);
                    let result = mcp::observed(#namespace, #uri, mcp::http_headers(&context), read).await?;
                    return mcp::resource_contents(result, uri, #mime);
                }
            },
            Some(literals) => {
                let names = r.read.inputs.iter().map(|i| &i.name.wire);
                quote! {
                    if let Some(values) = mcp::match_uri_template(uri, &[#(#literals),*]) {
                        let args: JsonObject = [#(#names),*]
                            .into_iter()
                            .zip(values)
                            .map(|(name, value)| (name.to_owned(), serde_json::Value::String(value)))
                            .collect();
                        let read = self.#f(&args);
                        let result = mcp::observed(#namespace, #uri, mcp::http_headers(&context), read).await?;
                        return mcp::resource_contents(result, uri, #mime);
                    }
                }
            }
        }
    });
    let branches: Vec<TokenStream> = branches.collect();
    let context = if branches.is_empty() {
        format_ident!("_context")
    } else {
        format_ident!("context")
    };
    let methods = quote! {
        async fn list_resources(
            &self,
            _request: Option<PaginatedRequestParams>,
            _context: RequestContext<RoleServer>,
        ) -> Result<ListResourcesResult, ErrorData> {
            Ok(ListResourcesResult::with_all_items(vec![#(#fixed),*]))
        }

        async fn list_resource_templates(
            &self,
            _request: Option<PaginatedRequestParams>,
            _context: RequestContext<RoleServer>,
        ) -> Result<ListResourceTemplatesResult, ErrorData> {
            Ok(ListResourceTemplatesResult::with_all_items(vec![#(#templates),*]))
        }

        async fn read_resource(
            &self,
            request: ReadResourceRequestParams,
            #context: RequestContext<RoleServer>,
        ) -> Result<ReadResourceResponse, ErrorData> {
            let uri = request.uri.as_str();
            #read_files
            #(#branches)*
            Err(ErrorData::resource_not_found(format!("no resource `{uri}`"), None))
        }
    };
    (methods, import)
}

/// The server's prompt methods (list, get), and what they import.
fn prompt_methods(a: &McpAdapter) -> (TokenStream, TokenStream) {
    let import = quote! {
        use rmcp::model::{
            GetPromptRequestParams, GetPromptResponse, GetPromptResult, ListPromptsResult, Prompt,
            PromptArgument, PromptMessage, Role,
        };
    };
    let listed = a.prompts.iter().map(|p| {
        let name = &p.name;
        let description = match p.description.as_deref().map(str::trim) {
            Some(d) => quote!(Some(#d)),
            None => quote!(None::<&str>),
        };
        let arguments = p.arguments.iter().map(|arg| {
            let n = &arg.name;
            let title = arg.title.as_ref().map(|t| quote!(.with_title(#t)));
            let description = arg
                .description
                .as_ref()
                .map(|d| quote!(.with_description(#d)));
            let required = arg.required;
            quote!(PromptArgument::new(#n) #title #description .with_required(#required))
        });
        let title = p.title.as_ref().map(|t| quote!(.with_title(#t)));
        quote!(Prompt::new(#name, #description, Some(vec![#(#arguments),*])) #title)
    });
    let arms = a.prompts.iter().map(|p| {
        let name = &p.name;
        let reads = with_ids(&p.arguments).map(|(i, arg)| {
            let l = format_ident!("argument_{}", i.index());
            let n = &arg.name;
            let required = arg.required;
            quote!(let #l = mcp::prompt_argument(&arguments, #n, #required)?;)
        });
        let messages = p.messages.iter().map(|(role, parts)| {
            let role = match role {
                PromptRole::User => quote!(Role::User),
                PromptRole::Assistant => quote!(Role::Assistant),
            };
            let (fmt, args) = super::code::format_template(parts, &|i| {
                let l = format_ident!("argument_{}", i.index());
                quote!(#l)
            });
            let text = if args.is_empty() {
                quote!(#fmt)
            } else {
                quote!(format!(#fmt, #(#args),*))
            };
            quote!(PromptMessage::new_text(#role, #text))
        });
        let description = p
            .description
            .as_deref()
            .map(str::trim)
            .map(|d| quote!(.with_description(#d)));
        quote! {
            #name => {
                #(#reads)*
                Ok(GetPromptResult::new(vec![#(#messages),*]) #description .into())
            }
        }
    });
    let methods = quote! {
        async fn list_prompts(
            &self,
            _request: Option<PaginatedRequestParams>,
            _context: RequestContext<RoleServer>,
        ) -> Result<ListPromptsResult, ErrorData> {
            Ok(ListPromptsResult::with_all_items(vec![#(#listed),*]))
        }

        async fn get_prompt(
            &self,
            request: GetPromptRequestParams,
            _context: RequestContext<RoleServer>,
        ) -> Result<GetPromptResponse, ErrorData> {
            let arguments = request.arguments.unwrap_or_default();
            match request.name.as_str() {
                #(#arms)*
                other => Err(ErrorData::invalid_params(format!("unknown prompt `{other}`"), None)),
            }
        }
    };
    (methods, import)
}

/// Names of inputs that page or filter an answer: the ones a model is told to use for less.
const NARROWING: &[&str] = &[
    "limit",
    "max",
    "maxresults",
    "pagesize",
    "perpage",
    "count",
    "size",
    "top",
    "first",
    "offset",
    "skip",
    "page",
    "pagenumber",
    "cursor",
    "after",
    "before",
    "pagetoken",
    "nextpagetoken",
    "continuationtoken",
    "q",
    "query",
    "search",
    "filter",
    "fields",
    "select",
    "since",
    "until",
];

/// The tool's description, and how to ask for less when an answer is over the answer budget
/// where the tool has paging or filter inputs.
fn described_budget(t: &Tool) -> String {
    let description = t.description.as_deref().map(str::trim).unwrap_or("");
    let narrowing: Vec<String> = t
        .inputs
        .iter()
        .filter(|i| {
            let flat: String = i
                .name
                .wire
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            NARROWING.contains(&flat.to_ascii_lowercase().as_str())
        })
        .map(|i| format!("`{}`", i.name.wire))
        .collect();
    if narrowing.is_empty() {
        return description.to_owned();
    }
    let hint = format!(
        "Answers over the server's answer budget are cut (array items dropped from the end); ask for less with {}.",
        narrowing.join(", ")
    );
    if description.is_empty() {
        hint
    } else {
        format!("{description}\n\n{hint}")
    }
}

fn definition(cap: &Capability, t: &Tool, f: &proc_macro2::Ident) -> TokenStream {
    let wire = &t.name.wire;
    let description = described_budget(t);
    let schema = super::code::raw_str(&input_schema(cap, t).to_string());
    let (ro, de, id, ow) = (
        t.hints.read_only,
        t.hints.destructive,
        t.hints.idempotent,
        t.hints.open_world,
    );
    let annotations = match &t.title {
        Some(title) => quote!(ToolAnnotations::with_title(#title)),
        None => quote!(ToolAnnotations::new()),
    };
    let title = t.title.as_ref().map(|title| quote!(.with_title(#title)));
    // Tags group tools for clients that read them, under the `_meta` key `io.naftiko/tags`.
    let tags = (!t.tags.is_empty()).then(|| {
        let tags = &t.tags;
        quote! {
            .with_meta(rmcp::model::MetaObject(
                [("io.naftiko/tags".to_owned(), serde_json::json!([#(#tags),*]))].into_iter().collect(),
            ))
        }
    });
    // What the answer's `structuredContent` holds, where the spec shapes it.
    let output = super::schema::tool_output(cap, &t.runs).map(|output| {
        let output = super::code::raw_str(&output.to_string());
        quote!(.with_raw_output_schema(mcp::object_schema(#output)))
    });
    let doc = format!(" The `{wire}` tool.");
    quote! {
        #[doc = #doc]
        fn #f() -> Tool {
            Tool::new(#wire, #description, mcp::object_schema(#schema))
                #title
                #output
                #tags
                .with_annotations(
                    #annotations
                        .read_only(#ro)
                        .destructive(#de)
                        .idempotent(#id)
                        .open_world(#ow),
                )
        }
    }
}

/// How a tool reads its arguments: one local per input it uses (checked against its pattern).
fn input_reads(t: &Tool, root: &TokenStream) -> Vec<TokenStream> {
    let used = t.runs.used_inputs(t.inputs.len());
    t.inputs
        .iter()
        .enumerate()
        .filter(|(i, _)| used[*i])
        .map(|(_, input)| {
            let l = super::adapter::local(input);
            let wire = &input.name.wire;
            let f = super::adapter::argument_reader(input);
            let check = super::adapter::pattern_check(
                input,
                &quote!(mcp::pattern_mismatch),
                &quote!(#root::runtime),
            );
            quote! { let #l = #root::runtime::args::#f(args, #wire)?; #check }
        })
        .collect()
}

/// An orchestrated tool's handler: its steps, then the output shaped from their results.
fn orchestrated(
    cap: &Capability,
    t: &Tool,
    steps: &[Step],
    wrap_as: &str,
    root: &TokenStream,
) -> TokenStream {
    let mut text = t.description.clone().unwrap_or_default();
    text.push_str(&format!(
        "\n\nTool `{}` → `{}`",
        t.name.wire,
        super::adapter::target(cap, &t.runs)
    ));
    let doc = docs(Some(text.trim()));
    let name = t.name.ident();
    let known = t.inputs.iter().map(|i| i.name.wire.as_str());
    let reads = input_reads(t, root);
    let shape = t.name.suffixed_ident("output");
    let steps = super::steps::run(
        cap,
        steps,
        root,
        &quote!(self.upstreams),
        &|p, arg| super::adapter::argument(p, arg, &t.inputs),
        &quote!(mcp::upstream_error(&err)),
    );
    quote! {
        #doc
        async fn #name(&self, args: &JsonObject) -> Result<CallToolResult, ErrorData> {
            mcp::no_unknown_arguments(args, &[#(#known),*])?;
            #(#reads)*
            #steps
            Ok(mcp::orchestrated(&steps, #wrap_as, #shape))
        }
    }
}

/// A mock tool's handler: the object of its fixed outputs and input templates.
fn mock(
    t: &Tool,
    fields: &[(crate::resolve::names::Name, MockValue)],
    root: &TokenStream,
) -> TokenStream {
    let mut text = t.description.clone().unwrap_or_default();
    text.push_str(&format!(
        "\n\nTool `{}` (mock: fixed outputs, no upstream call)",
        t.name.wire
    ));
    let doc = docs(Some(text.trim()));
    let name = t.name.ident();
    let known = t.inputs.iter().map(|i| i.name.wire.as_str());
    let reads = input_reads(t, root);
    let members = super::adapter::mock_members(fields, &t.inputs);
    quote! {
        #doc
        async fn #name(&self, args: &JsonObject) -> Result<CallToolResult, ErrorData> {
            mcp::no_unknown_arguments(args, &[#(#known),*])?;
            #(#reads)*
            Ok(mcp::mock_result([#(#members),*]))
        }
    }
}

fn call(cap: &Capability, t: &Tool, root: &TokenStream) -> TokenStream {
    let (tool_call, output) = match &t.runs {
        Runs::Call { call, output } => (call, output),
        Runs::Mock { fields } => return mock(t, fields, root),
        Runs::Steps {
            steps,
            output: Output::Shaped { wrap_as, .. } | Output::PassThrough { wrap_as, .. },
        } => return orchestrated(cap, t, steps, wrap_as, root),
    };
    let c = &cap.consumes[tool_call.consumes];
    let consumed = &c.operations[tool_call.operation];
    let mut text = t.description.clone().unwrap_or_default();
    text.push_str(&format!(
        "\n\nTool `{}` → `{}.{}`",
        t.name.wire, c.namespace.wire, consumed.name.wire
    ));
    let doc = docs(Some(text.trim()));
    let name = t.name.ident();
    let known = t.inputs.iter().map(|i| i.name.wire.as_str());
    let reads = input_reads(t, root);
    let args = with_ids(&consumed.params).map(|(pi, p)| {
        super::adapter::argument(p, tool_call.args.iter().find(|a| a.param == pi), &t.inputs)
    });
    let client = c.namespace.ident();
    let raw = consumed.name.suffixed_ident("raw");
    let documented = super::types::documented(consumed);
    let result = match output {
        Output::PassThrough {
            wrap_as,
            format: RawFormat::Json,
        } => match documented {
            Some(Documented::Empty) => quote!(mcp::empty_result(result, #wrap_as)),
            _ => quote!(mcp::tool_result(result, #wrap_as)),
        },
        Output::PassThrough {
            format: RawFormat::Binary(answer),
            ..
        } => {
            let (declared, max) = super::adapter::binary_limits(answer);
            let uri = format!("naftiko://answers/{}", t.name.wire);
            quote!(mcp::binary_result(result, #declared, #max, #uri))
        }
        // Other formats are passed as text, as the upstream sent them.
        Output::PassThrough { .. } => quote!(mcp::text_result(result)),
        Output::Shaped {
            wrap_as,
            format,
            root: shape,
        } => {
            let shape = super::adapter::shape_function(&t.name, shape, &t.inputs);
            let format = super::code::format_reader(format, root);
            quote!(mcp::shaped_result(result, #wrap_as, #format, #shape))
        }
    };
    let call_args = super::client::call_arguments(root, &client, consumed, args.collect());
    let check =
        super::adapter::answer_check(output, documented, consumed, quote!(self.upstreams.#client));
    quote! {
        #doc
        async fn #name(&self, args: &JsonObject) -> Result<CallToolResult, ErrorData> {
            mcp::no_unknown_arguments(args, &[#(#known),*])?;
            #(#reads)*
            let result = self.upstreams.#client.#raw(#call_args).await;
            mcp::sent(&result)?;
            #check
            Ok(#result)
        }
    }
}

/// The struct a tool's shaped answer is made into (none for an answer passed through).
fn shaped_output(t: &Tool, root: &TokenStream) -> Option<TokenStream> {
    match t.runs.output() {
        Some(Output::Shaped { root: shape, .. }) => {
            Some(super::shape::output(&t.name, shape, root).0)
        }
        Some(Output::PassThrough { .. }) | None => None,
    }
}
